"""What search engines and social networks read: JSON-LD, Open Graph, canonical, robots.txt.

The theme asks for the data through two Jinja globals (added to every generator's
environment):

- `page_meta(title, description)`: for partials/social_meta.html: {"type", "title",
  "description", "url", "image": {"url", "alt", "width", "height"}, "content"}. URLs
  are absolute when SITEURL is set, root-relative in dev builds.
- `structured_data(description)`: for partials/structured_data.html: a BlogPosting on
  articles, a Person on the About page, else None. The template writes it with
  `tojson`, which escapes <, >, & and ' so no text can close the script element.

The share image is, in order: a `share_image` dict given to the template, the
article's `share_image` (a generated title card), its own `Image:` metadata (a file in
content/ or an https URL; `Image_alt:` describes it), else SITE_META["default_image"].

Settings: SITE_META = {"default_image": {"url", "alt", "width", "height"},
"person_url": "about/", "person_page": "about", "service": "..."}.
"""

import logging
from pathlib import Path

from jinja2 import pass_context
from markupsafe import Markup, escape
from pelican import signals
from pelican.generators import Generator
from PIL import Image, UnidentifiedImageError

from .meta import (
    about_person,
    absolute_url,
    blog_posting,
    choose_share_image,
    content_image_path,
    page_path,
    person,
    robots_txt,
)

log = logging.getLogger(__name__)

DEFAULTS = {
    "default_image": {
        "url": "theme/images/share-default.png",
        "alt": "Yasmine Binghalib, LMFT: notes on love, trust and the work of relationships",
        "width": 1200,
        "height": 630,
    },
    "person_url": "about/",
    "person_page": "about",
    "service": "Online therapy for couples and individuals",
}
IMAGE_KEYS = {"url": str, "alt": str, "width": int, "height": int}


def read_settings(settings):
    """SITE_META merged over the defaults, and one message per bad key."""
    raw = settings.get("SITE_META", {})
    if not isinstance(raw, dict):
        return dict(DEFAULTS), [f"site_meta: SITE_META must be a dict, got {raw!r}"]
    errors = []
    for key, value in raw.items():
        if key not in DEFAULTS:
            errors.append(
                f"site_meta: Invalid 'SITE_META' key: {key!r} "
                f"(known keys: {', '.join(sorted(DEFAULTS))})"
            )
        elif key == "default_image":
            if not isinstance(value, dict):
                errors.append(
                    f"site_meta: SITE_META['default_image'] must be a dict, got {value!r}"
                )
                continue
            for name, kind in IMAGE_KEYS.items():
                item = value.get(name)
                if not isinstance(item, kind) or isinstance(item, bool) or not item:
                    errors.append(
                        f"site_meta: SITE_META['default_image'][{name!r}] must be a "
                        f"non-empty {kind.__name__}, got {item!r}"
                    )
        elif not isinstance(value, str) or not value:
            errors.append(
                f"site_meta: SITE_META[{key!r}] must be a non-empty string, got {value!r}"
            )
    return dict(DEFAULTS, **raw), errors


def check_settings(pelican):
    config, errors = read_settings(pelican.settings)
    if errors:
        raise ValueError("\n".join(errors))
    pelican.settings["SITE_META"] = config


def _plain(text):
    """Rendered template text (Markup, already escaped) back to plain text."""
    text = text.unescape() if isinstance(text, Markup) else str(text or "")
    return " ".join(text.split())


def _current(context):
    """The article or page this output file is, if any."""
    output_file = context.get("output_file")
    for name in ("article", "page"):
        content = context.get(name)
        if content is not None and getattr(content, "save_as", None) == output_file:
            return name, content
    return None, None


def make_globals(settings):
    config = settings["SITE_META"]
    siteurl = settings.get("SITEURL", "")
    practice = settings.get("PRACTICE", {})
    bio = settings.get("AUTHOR_BIO", "")

    def share_image(context, content):
        explicit = context.get("share_image")
        image = choose_share_image(explicit, content, config["default_image"])
        return dict(image, url=absolute_url(siteurl, image["url"]))

    @pass_context
    def page_meta(context, title, description):
        kind, content = _current(context)
        meta = {
            "type": "article" if kind == "article" else "website",
            "title": content.title if content is not None else escape(title).strip(),
            "description": escape(description).strip(),
            "url": absolute_url(siteurl, page_path(context.get("output_file"))),
            "image": share_image(context, content),
            "content": content,
        }
        return meta

    # The same Person on every page that has one: made once.
    author_url = absolute_url(siteurl, config["person_url"])
    author = person(practice, bio, author_url, config["service"]) if practice else None

    @pass_context
    def structured_data(context, description):
        if not author:
            return None
        kind, content = _current(context)
        if kind == "article":
            url = absolute_url(siteurl, page_path(context.get("output_file")))
            return blog_posting(
                content, url, _plain(description), share_image(context, content), author
            )
        if kind == "page" and content.slug == config["person_page"]:
            return about_person(author)
        return None

    return {"page_meta": page_meta, "structured_data": structured_data}


def add_globals(generator):
    generator.env.globals.update(make_globals(generator.settings))


def image_problem(content, content_dir):
    """Give `content.own_image` from its `Image:` metadata; the error text if it can't."""
    value = content.metadata.get("image")
    if not value:
        return None
    alt = content.metadata.get("image_alt") or content.title
    relative = content_image_path(str(value))
    if relative is None:
        content.own_image = {"url": str(value).strip(), "alt": alt}
        return None
    path = Path(content_dir) / relative
    where = content.relative_source_path or content.source_path
    if not path.is_file():
        return (
            f"{where}: Image: {value} is not a file in the content folder; put the "
            f"image in content/images/ and write `Image: images/<file name>`"
        )
    try:
        with Image.open(path) as picture:
            width, height = picture.size
    except (OSError, UnidentifiedImageError) as error:
        return f"{where}: Image: {value} cannot be read as an image ({error})"
    content.own_image = {"url": relative, "alt": alt, "width": width, "height": height}
    return None


def resolve_images(generator):
    contents = []
    for name in ("articles", "drafts", "hidden_articles", "pages", "draft_pages", "hidden_pages"):
        contents += getattr(generator, name, [])
    for content in contents:
        problem = image_problem(content, generator.settings["PATH"])
        if problem:
            log.error("site_meta: %s", problem)


class RobotsGenerator(Generator):
    """Writes robots.txt, pointing crawlers to the sitemap."""

    def generate_output(self, writer):
        plugins = self.settings.get("PLUGINS") or []
        has_sitemap = any(str(p).rsplit(".", 1)[-1] == "sitemap" for p in plugins)
        sitemap = "sitemap." + self.settings.get("SITEMAP", {}).get("format", "xml")
        text = robots_txt(self.settings.get("SITEURL", ""), sitemap if has_sitemap else None)
        # Written directly, not through the writer: robots.txt is no page of the sitemap.
        path = Path(self.output_path) / "robots.txt"
        path.write_text(text, encoding="utf-8")
        log.info('Writing "%s"', path)


def get_generators(pelican):
    return RobotsGenerator


def register():
    # initialized: check SITE_META once, before anything is read.
    signals.initialized.connect(check_settings)
    # generator_init: every generator (also other plugins') gets the template globals.
    signals.generator_init.connect(add_globals)
    # *_generator_finalized: run on every build, also when content comes from the cache.
    signals.article_generator_finalized.connect(resolve_images)
    signals.page_generator_finalized.connect(resolve_images)
    # get_generators: robots.txt is written with the rest of the output.
    signals.get_generators.connect(get_generators)
