"""What the plugin does during a build: the signal receivers and the output generator.

The pure work (parsing, layout, drawing, grouping) lives in the other modules; this one
reads settings and files and hands the results to Pelican.
"""

import datetime
import hashlib
import logging
import os
import sys
import zoneinfo
from dataclasses import fields, replace
from importlib.metadata import version
from operator import attrgetter
from pathlib import Path

from jinja2 import TemplateNotFound
from pelican import signals
from pelican.generators import Generator

try:  # a build: Pelican puts plugins/ (PLUGIN_PATHS) on sys.path
    from kept_results import KeptResults
except ImportError:  # imported as plugins.<name> (the content linter, the tests)
    from plugins.kept_results import KeptResults

from . import deck, imagecache
from .markdown_ext import PromptBlockExtension
from .parse import Card, ParseOptions, find_duplicate_slugs, parse_prompts
from .render import HEIGHT, WIDTH, CardSpec, read_palette
from .settings import image_cache_path, merge, parse_options, validate

logger = logging.getLogger(__name__)

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mkd", ".mdown")
SOCIAL_META_PARTIAL = "partials/social_meta.html"


# ---- initialized ----


def configure(pelican):
    """Merge and check the settings once; put the Markdown extension in place."""
    settings = pelican.settings
    config = merge(settings)
    problems = validate(config)
    if problems:
        raise ValueError("\n".join(problems))
    config["PROMPT_CARDS_CACHE_PATH"] = image_cache_path({**settings, **config})
    settings.update(config)
    markdown = settings.setdefault("MARKDOWN", {})
    extensions = markdown.setdefault("extensions", [])
    if not any(isinstance(extension, PromptBlockExtension) for extension in extensions):
        extensions.append(PromptBlockExtension())


# ---- article_generator_finalized ----


def content_parent(settings):
    """The folder above the content folder, resolved, ending in a separator: the paths
    the author knows (content/...) start below it."""
    base = os.path.dirname(os.path.realpath(str(settings["PATH"])))
    return base if base.endswith(os.sep) else base + os.sep


def display_path(source_path, settings, parent=None, real=None):
    """content/the-ingredients.md: the path as the author knows it, resolved as
    Path.resolve() resolves it. `parent`: content_parent(settings), which a caller
    showing many paths works out once; `real`: os.path.realpath(source_path), if known."""
    prefix = content_parent(settings) if parent is None else parent
    if real is None:
        real = os.path.realpath(str(source_path))  # normalised too
    return real[len(prefix) :] if real.startswith(prefix) else str(source_path)


# Each post's cards as the content linter parsed them, {real path: (mtime_ns, size,
# parser options, cards)}: sitetools.build sends them once the linter has passed (so
# none of them had an error), and read_cards takes them for a file unchanged since.
_linted_cards = {}
_CARD_FIELDS = [field.name for field in fields(Card)]
_card_values = attrgetter(*_CARD_FIELDS)  # a card's fields, in order
_SOURCE_PATH = _CARD_FIELDS.index("source_path")
# The parser's options, field by field (all text, numbers and a tuple of text: the same
# comparison as dataclasses.astuple's deep copies, without the copying).
_option_values = attrgetter(*[field.name for field in fields(ParseOptions)])


def take_linted_cards(_sender, cards):
    _linted_cards.clear()
    _linted_cards.update(cards)


def linted_cards(real, stat, options, shown):
    """The cards the linter parsed from the file at `real` (its os.path.realpath) as it
    is now (`stat`), with the same options, naming the file `shown`; or None.

    The linter imports this package as `plugins.prompt_cards` and Pelican as
    `prompt_cards`: two copies of its classes, so its options are compared and its cards
    copied field by field."""
    linted = _linted_cards.get(real)
    if linted is None or linted[:2] != (stat.st_mtime_ns, stat.st_size):
        return None
    if _option_values(linted[2]) != _option_values(options):
        return None
    cards = []
    for card in linted[3]:
        values = list(_card_values(card))
        values[_SOURCE_PATH] = shown
        cards.append(Card(*values))
    return cards


def read_cards(article, settings, kept=None, parent=None):
    """The article's cards, read from its source (so cached builds get them too).

    `kept`: the last build's results (kept_cards), reused for unchanged sources;
    `parent`: content_parent(settings), for display_path. The cards the content linter
    parsed (take_linted_cards) are taken for an unchanged file."""
    source = getattr(article, "source_path", None)
    if not source or not str(source).lower().endswith(MARKDOWN_SUFFIXES):
        return []
    real = os.path.realpath(str(source))
    shown = display_path(source, settings, parent, real)
    stat = os.stat(source)
    stamp = (shown, stat.st_mtime_ns, stat.st_size)
    result = kept.get(source, stamp) if kept is not None else None
    if result is None:
        options = parse_options(settings)
        cards = linted_cards(real, stat, options, shown)
        if cards is not None:
            result = (cards, [])  # the linter passed: no errors
        else:
            text = Path(source).read_text(encoding="utf-8")
            cards, errors = parse_prompts(text, shown, options)
            result = (cards, [str(error) for error in errors])
    if kept is not None:
        kept.put(source, stamp, result)
    cards, errors = result
    for error in errors:
        logger.error("%s", error)
    return cards


def kept_cards(settings):
    """Each source's cards and errors as last read, kept in CACHE_PATH between dev builds
    (Pelican's content cache on) and reused while the file, the parser and the prompt
    settings are unchanged: a rebuild parses only the edited articles."""
    hasher = hashlib.blake2b(digest_size=20)
    hasher.update(Path(parse_prompts.__code__.co_filename).read_bytes())
    hasher.update(repr((parse_options(settings), version("unidecode"))).encode())
    path = Path(settings["CACHE_PATH"]) / "prompt_cards_read.pickle"
    return KeptResults(path, hasher.hexdigest())


def other_urls(settings):
    """URLs of the deck's own pages, which no card may take."""
    levels = settings["PROMPT_CARDS_LEVELS"]
    return [
        settings["PROMPT_CARDS_DECK_URL"],
        settings["PROMPT_CARDS_PRINT_URL"],
        *(settings["PROMPT_CARDS_LEVEL_URL"].format(level=level) for level in levels),
    ]


def card_url_problem(url, reserved):
    """A message if a card's URL would collide with one of the deck's pages."""
    for other in reserved:
        if other.startswith(url):
            return f"its address {url} is taken by the deck's page {other}"
    return None


def card_image(card, settings):
    return {
        "url": settings["PROMPT_CARDS_IMAGE_SAVE_AS"].format(slug=card.slug),
        "alt": f"Prompt card, {card.level_label.lower()}, {card.theme}: {card.text}",
        "width": WIDTH,
        "height": HEIGHT,
    }


def publish_card(card, article_links, url, settings):
    """The card with its links filled in (`article_links`: its article's title and URL)
    and its page's `url`: "" for a draft's card, which gets no page or image."""
    title, article_url = article_links
    image = card_image(card, settings) if url else None
    return replace(card, article_title=title, article_url=article_url, url=url, image=image)


def share_image(article, settings):
    """article.share_image: its `Image:` metadata if any, else its generated title card."""
    metadata = getattr(article, "metadata", {})
    image = metadata.get("image")
    if image:
        url = str(image).replace("{static}", "").replace("{attach}", "")
        if "://" not in url:
            url = url.lstrip("/")
        alt = metadata.get("image_alt") or metadata.get("image-alt") or str(article.title)
        width, height = _image_size(Path(settings["PATH"]) / url)
        return {"url": url, "alt": str(alt), "width": width, "height": height}
    if not settings["PROMPT_CARDS_ARTICLE_IMAGES"]:
        return None
    return {
        "url": settings["PROMPT_CARDS_ARTICLE_IMAGE_SAVE_AS"].format(slug=article.slug),
        "alt": f"{article.title}: an article on {settings['SITENAME']}",
        "width": WIDTH,
        "height": HEIGHT,
    }


def _image_size(path):
    try:
        from PIL import Image

        with Image.open(path) as image:
            return image.size
    except (OSError, ValueError):
        return None, None


def article_groups(generator):
    """(articles, cards get pages?, article gets a share image?), in slug-claiming order.

    Hidden articles are not listed anywhere, so their cards stay off the deck too; the
    cards of drafts have no page either (drafts are never published).
    """
    drafts_written = bool(generator.settings.get("DRAFT_SAVE_AS"))
    return [
        ([*generator.articles, *generator.translations], True, True),
        ([*generator.hidden_articles, *generator.hidden_translations], False, True),
        ([*generator.drafts, *generator.drafts_translations], False, drafts_written),
    ]


def attach_cards(generator):
    """Give every article its `prompt_cards` and `share_image`; log every bad prompt."""
    settings = generator.settings
    reserved = other_urls(settings)
    kept = kept_cards(settings) if settings.get("CACHE_CONTENT") else None
    parent = content_parent(settings)
    found = []  # (article, published, its cards)
    for articles, published, has_page in article_groups(generator):
        # The older article keeps a shared slug; the newer one is told to change.
        for article in sorted(articles, key=lambda a: (a.date, str(a.source_path))):
            article.prompt_cards = []
            article.share_image = share_image(article, settings) if has_page else None
            cards = read_cards(article, settings, kept, parent)
            if cards:
                found.append((article, published, cards))
    if kept is not None:
        kept.save()

    for error in find_duplicate_slugs([card for _, _, cards in found for card in cards]):
        logger.error("%s", error)
    claimed = set()
    for article, published, cards in found:
        links = (str(article.title), article.url)  # once per article: a URL costs to format
        for card in cards:
            if card.slug in claimed:
                continue
            claimed.add(card.slug)
            url = settings["PROMPT_CARDS_URL"].format(slug=card.slug)
            problem = card_url_problem(url, reserved)
            if problem:
                logger.error(
                    "%s:%s: prompt card slug %r is reserved: %s. Reword the start of the prompt",
                    card.source_path,
                    card.line,
                    card.slug,
                    problem,
                )
                continue
            page = url if published else ""
            article.prompt_cards.append(publish_card(card, links, page, settings))
    for articles, _, _ in article_groups(generator):
        for article in articles:
            article.prompt_cards.sort(key=lambda c: c.line)
    _linted_cards.clear()  # taken: a rebuild in this process lints again
    start_early_rendering(generator)


# ---- get_generators ----


def build_date(settings):
    pinned = settings["PROMPT_CARDS_DATE"]
    if pinned:
        return datetime.date.fromisoformat(str(pinned))
    return datetime.datetime.now(zoneinfo.ZoneInfo(settings["TIMEZONE"])).date()


def prompt_spec(card, settings, palette):
    # Interned: a handful of distinct lines, each shared by thousands of cards' specs.
    return CardSpec(
        text=card.text,
        eyebrow=sys.intern(f"{card.level_label} · {card.theme}"),
        footer=sys.intern(f"{settings['SITENAME']} · Prompt cards"),
        intensity=deck.level_intensity(card.level, settings["PROMPT_CARDS_LEVELS"]),
        style="prompt",
        palette=palette,
    )


def title_spec(article, settings, palette):
    category = getattr(article, "category", None)
    return CardSpec(
        text=str(article.title),
        eyebrow=str(category) if category else "",
        footer=settings["SITENAME"],
        style="title",
        palette=palette,
    )


def image_jobs(articles, hidden_articles, drafts, settings):
    """(spec, output path) for every card with a page and every generated article title
    card, from the articles as the articles generator leaves them."""
    palette = site_palette(settings)
    listed = [*articles, *hidden_articles]
    cards = [c for a in listed for c in getattr(a, "prompt_cards", []) if c.url]
    jobs = [(prompt_spec(c, settings, palette), c.image["url"]) for c in cards]
    if settings.get("DRAFT_SAVE_AS"):
        listed += drafts
    generated = settings["PROMPT_CARDS_ARTICLE_IMAGE_SAVE_AS"]
    for article in listed:
        image = getattr(article, "share_image", None)  # None or an `Image:` of its own
        if image and image["url"] == generated.format(slug=article.slug):
            jobs.append((title_spec(article, settings, palette), image["url"]))
    return jobs


# Renderings begun once the articles were read, by cache folder, with their jobs: the
# generator takes them over (ShareImagesGenerator.start_images).
_early_renderings = {}


def start_early_rendering(generator):
    """Begin drawing the images as soon as every article has its cards: the workers, at
    a lower priority, take what the cores leave idle while the build goes on."""
    settings = generator.settings
    jobs = image_jobs(generator.articles, generator.hidden_articles, generator.drafts, settings)
    cache = settings["PROMPT_CARDS_CACHE_PATH"]
    _previous_jobs, previous = _early_renderings.pop(cache, (None, None))
    if previous is not None:  # left by a build that failed in this process
        previous.stop()
    rendering = imagecache.start_rendering(
        [spec for spec, _ in jobs], cache, settings["PROMPT_CARDS_WORKERS"]
    )
    _early_renderings[cache] = (jobs, rendering)


def site_palette(settings):
    css = Path(settings["THEME"]) / "static" / "css" / "site.css"
    text = css.read_text(encoding="utf-8") if css.is_file() else ""
    return read_palette(text, settings["PROMPT_CARDS_PALETTE"])


class PromptCardsGenerator(Generator):
    """Writes the card pages, the deck, its level and print pages."""

    def generate_context(self):
        articles = [*self.context.get("articles", []), *self.context.get("hidden_articles", [])]
        self.cards = [c for a in articles for c in getattr(a, "prompt_cards", []) if c.url]
        self.context["prompt_cards"] = self.cards

    def generate_output(self, writer):
        self.write_pages(writer)

    # -- pages --

    def has_social_meta_partial(self):
        try:
            self.env.get_template(SOCIAL_META_PARTIAL)
        except TemplateNotFound:
            return False
        return True

    def level_links(self, counts):
        levels = self.settings["PROMPT_CARDS_LEVELS"]
        return [
            {
                "level": level,
                "label": level.capitalize(),
                "description": description,
                "url": self.settings["PROMPT_CARDS_LEVEL_URL"].format(level=level),
                "count": counts.get(level, 0),
            }
            for level, description in levels.items()
        ]

    def write(self, writer, url, template, **context):
        writer.write_file(
            url + "index.html",
            self.get_template(template),
            self.context,
            relative_urls=self.settings["RELATIVE_URLS"],
            url=url,
            current_url=url,
            own_social_meta=not self.has_social_meta_partial(),
            **context,
        )

    def write_pages(self, writer):
        levels = list(self.settings["PROMPT_CARDS_LEVELS"])
        day = build_date(self.settings)
        by_level = {level: [c for c in self.cards if c.level == level] for level in levels}
        counts = {level: len(cards) for level, cards in by_level.items()}
        level_links = self.level_links(counts)
        order = deck.draw_order(self.cards)
        around = deck.neighbours(order) if order else {}
        around_level = {}
        for cards in by_level.values():
            if len(cards) > 1:
                around_level.update(deck.neighbours(deck.draw_order(cards)))

        for card in self.cards:
            previous_card, next_card = around[card.slug]
            self.write(
                writer,
                card.url,
                "prompt_card",
                card=card,
                share_image=card.image,
                previous_card=previous_card,
                next_card=next_card,
                next_in_level=around_level.get(card.slug, (None, None))[1],
                level_links=level_links,
            )

        shared = {"level_links": level_links, "build_date": day}
        self.write(
            writer,
            self.settings["PROMPT_CARDS_DECK_URL"],
            "prompts",
            cards=self.cards,
            groups=deck.group_cards(self.cards, levels),
            current_level=None,
            prompt_of_the_day=deck.prompt_of_the_day(self.cards, day),
            draw_card=deck.pick_for_day(self.cards, day, salt="draw:"),
            **shared,
        )
        for link in level_links:
            cards = by_level[link["level"]]
            self.write(
                writer,
                link["url"],
                "prompts",
                cards=cards,
                groups=deck.group_cards(cards, levels),
                current_level=link,
                prompt_of_the_day=None,
                draw_card=deck.pick_for_day(cards, day, salt=f"draw:{link['level']}:"),
                **shared,
            )
        self.write(
            writer,
            self.settings["PROMPT_CARDS_PRINT_URL"],
            "prompts_print",
            cards=sorted(self.cards, key=lambda c: (levels.index(c.level), c.theme_key)),
            **shared,
        )


class ShareImagesGenerator(Generator):
    """Draws every share image (the cards' and the articles' title cards) and links each
    into the output. The images are drawn while the other generators write; when some
    are drawn, they are waited for and linked into the output last of all
    (publish_images, at `finalized`), so that the build's other closing work (the
    sitemap, the search bundle, the page records) runs while the workers still draw,
    not after them (cold build at N = 1000, A/B, 6 pairs: 6.79 s against 6.87 s)."""

    def generate_context(self):
        self.rendering = self.start_images()  # drawn while the other generators write

    def generate_output(self, writer):
        # Linked at `finalized`, when every page is written: a card's image goes into its
        # page's folder, made by then. (Linked while the card pages were written, in a
        # build with every image cached, the build's process made 3,000 of those folders
        # while the page renderers made them too, in the same parent folder.)
        publish_last(self)

    def start_images(self):
        """Begin rendering the missing images in the background (or take over the
        rendering begun when the articles were read); note where each image goes."""
        context = self.context
        jobs = image_jobs(
            context.get("articles", []),
            context.get("hidden_articles", []),
            context.get("drafts", []),
            self.settings,
        )
        cache = self.settings["PROMPT_CARDS_CACHE_PATH"]
        early_jobs, early = _early_renderings.pop(cache, (None, None))
        unchanged = early_jobs == jobs
        if unchanged:
            jobs = early_jobs  # the same images, whose keys are worked out already
        specs = [spec for spec, _ in jobs]
        self.image_outputs = [(spec.key(), url) for spec, url in jobs]
        if early is not None:
            if unchanged or early.covers(specs):
                return early
            early.stop()  # the articles changed since: draw what is missing now
        return imagecache.start_rendering(specs, cache, self.settings["PROMPT_CARDS_WORKERS"])

    def write_images(self):
        """Link each image into the output if it changed: the cached ones at once, the
        others as the workers draw them (the build's process is otherwise idle while it
        waits for them, and the last links no longer follow the last drawing)."""
        rendering = getattr(self, "rendering", None) or self.start_images()
        self.rendering = None
        cache = Path(self.settings["PROMPT_CARDS_CACHE_PATH"])
        unlinked = {}  # key -> the URLs its image goes to
        for key, url in self.image_outputs:
            unlinked.setdefault(key, []).append(url)

        def link(keys):
            for key in keys:
                source = os.path.join(cache, f"{key}.png")
                for url in unlinked.pop(key, ()):
                    imagecache.publish(source, os.path.join(self.output_path, url))

        link([key for key in unlinked if key not in rendering.missing])
        drawing = True
        while drawing:
            drawn, drawing = rendering.drawn(timeout=0.02)
            link(drawn)
        rendering.wait()
        link(list(unlinked))
        keep = {key for key, _ in self.image_outputs}
        imagecache.prune(cache, keep, self.settings["PROMPT_CARDS_CACHE_DAYS"])


# The ShareImagesGenerator whose images publish_images links into the output (one per
# build; one left by a build that failed before `finalized` is replaced).
_publishing = None


def publish_last(generator):
    """Have publish_images wait for `generator`'s images at `finalized`. Connected now,
    while the build writes, it runs after every receiver a plugin connected when it was
    registered (Pelican calls receivers in the order they were connected)."""
    global _publishing
    stale, _publishing = _publishing, generator
    if stale is not None and stale is not generator and stale.rendering is not None:
        stale.rendering.stop()  # its build failed before it was finalized
    signals.finalized.disconnect(publish_images)  # left by that build: connected anew,
    signals.finalized.connect(publish_images)  # so it is the last one again


def publish_cached_images(pelican):
    """finalized, before the other plugins' receivers (sitemap, search index): when no
    image is being drawn, link them now, while Pagefind may still be indexing."""
    generator = _publishing
    rendering = getattr(generator, "rendering", None)
    if rendering is not None and not rendering.missing:
        publish_images(pelican)


def publish_images(pelican):
    """finalized: wait for the images of this build and link them into its output."""
    global _publishing
    generator = _publishing
    if generator is None or str(generator.output_path) != str(pelican.output_path):
        return
    _publishing = None
    signals.finalized.disconnect(publish_images)
    generator.write_images()


def get_generators(pelican):
    return PromptCardsGenerator, ShareImagesGenerator
