"""Checks that run on a built site: the pieces `invoke check` and the tests share."""

import ipaddress
import json
import re
from functools import partial
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

from sitetools.content_lint import line_at

# Attributes whose URLs the browser follows or fetches.
URL_ATTRIBUTES = {
    "a": ("href",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "script": ("src",),
    "source": ("src", "srcset"),
    "form": ("action",),
    "button": ("formaction",),
    "meta": ("content",),
}


class _URLCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls = []  # (line, url)

    def handle_starttag(self, tag, attrs):
        wanted = URL_ATTRIBUTES.get(tag, ())
        attrs = dict(attrs)
        if tag == "meta" and attrs.get("property") not in ("og:image", "og:url", "twitter:image"):
            return
        for name in wanted:
            value = attrs.get(name)
            if not value:
                continue
            if name == "srcset":
                for candidate in value.split(","):
                    self.urls.append((self.getpos()[0], candidate.split()[0]))
            else:
                self.urls.append((self.getpos()[0], value))


def page_urls(html):
    """Every (line, URL) a page links to or loads."""
    collector = _URLCollector()
    collector.feed(html)
    return collector.urls


def resolve_internal(url, page_path, output_dir, site_url=""):
    """The file an internal URL points at, or None for external/non-file URLs."""
    if site_url and url.startswith(site_url + "/"):
        url = url[len(site_url) :]
    elif site_url and url == site_url:
        url = "/"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None  # external, mailto:, tel:, or a fragment on this page
    path = unquote(parts.path)
    base = output_dir if path.startswith("/") else page_path.parent
    target = (base / path.lstrip("/")).resolve()
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def find_broken_links(output_dir, site_url="", include_unresolved=True):
    """List "page:line: URL" for every internal link or asset with no file behind it.

    Unresolved `{filename}` links are listed too unless include_unresolved is False
    (run_checks reports them, in feeds as well, with find_unresolved_links).
    """
    output_dir = Path(output_dir).resolve()
    broken = []
    for page in sorted(output_dir.rglob("*.html")):
        for line, url in page_urls(page.read_text(encoding="utf-8")):
            if "{filename}" in url or "{static}" in url or "%7Bfilename%7D" in url:
                if include_unresolved:
                    broken.append(f"{page.relative_to(output_dir)}:{line}: unresolved link {url}")
                continue
            target = resolve_internal(url, page, output_dir, site_url)
            if target is not None and not target.is_file():
                broken.append(f"{page.relative_to(output_dir)}:{line}: {url} does not exist")
    return broken


# ---- Pre-flight checks: what `invoke check` and `invoke publish` run on a build ----
#
# Each check is a small function returning a list of problems, one readable line each
# ("file:line: what is wrong"); an empty list means the check passed. run_checks()
# composes them and reports each one as it goes.

MANIFEST = "release.json"  # written by plugins/release_manifest (publishconf.py enables it)

# Hosts that are never the production site.
LOCAL_URL = re.compile(
    r"(?:https?:)?//(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\])(?::\d+)?"
    r"(?=[/\"'\s<&]|$)",
    re.IGNORECASE,
)
# Pelican leaves a link it could not resolve as written: href="{filename}/post.md".
UNRESOLVED_LINK = re.compile(
    r"(?:href|src)\s*=\s*(?:&quot;|&#34;|[\"'])?\s*"
    r"((?:\{|%7B)(?:filename|static|attach|index|tag|category|author)(?:\}|%7D)[^\"'\s>&]*)",
    re.IGNORECASE,
)
PLACEHOLDER_MARK = re.compile(r"<mark\b[^>]*\bclass=\"[^\"]*\bplaceholder\b[^\"]*\"[^>]*>([^<]*)")


def _text_files(output_dir, suffixes=(".html", ".xml", ".txt")):
    for path in sorted(output_dir.rglob("*")):
        if path.suffix in suffixes and path.is_file():
            yield path, path.read_text(encoding="utf-8", errors="replace")


def read_manifest(output_dir):
    """The build's release.json as a dict, or None when there is none."""
    path = Path(output_dir) / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None


def site_url_problem(url, name="SITEURL"):
    """Why `url` cannot be the production address, or None when it can."""
    if not url:
        return f"{name} is empty (a local build): build with publishconf.py and SITE_URL set"
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host:
        return f"{name} {url!r} is not an https:// address"
    if host == "localhost" or host.endswith((".localhost", ".local")):
        return f"{name} {url!r} points at this computer, not the production site"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if "." not in host:
            return f"{name} {url!r} has no domain name (no dot in {host!r})"
        return None
    if address.is_loopback or address.is_private or address.is_unspecified:
        return f"{name} {url!r} is a local network address, not the production site"
    return None


def find_drafts(output_dir, manifest):
    """Drafts in a build: a drafts/ folder, or draft articles/pages Pelican wrote."""
    output_dir = Path(output_dir)
    problems = []
    if (output_dir / "drafts").exists():
        problems.append(
            "drafts/: the build contains drafts; build with publishconf.py (DRAFT_SAVE_AS = '')"
        )
    for url in (manifest or {}).get("drafts_written", []):
        problems.append(f"{url}: is a draft (Status: draft) and was written into the build")
    return problems


def find_site_url_problems(output_dir, manifest, expected=None):
    """The build's SITEURL is the production one, and no page or feed points at localhost."""
    output_dir = Path(output_dir)
    problems = []
    if manifest is None:
        problems.append(
            f"{MANIFEST} is missing: this is not a build made with publishconf.py, "
            "so its SITEURL cannot be checked"
        )
    else:
        url = manifest.get("site_url", "")
        problem = site_url_problem(url)
        if problem:
            problems.append(problem)
        elif expected and url != expected.rstrip("/"):
            problems.append(f"SITEURL is {url!r} but SITE_URL asks for {expected!r}")
    for path, text in _text_files(output_dir):
        for match in LOCAL_URL.finditer(text):
            line = line_at(text, match.start())
            problems.append(f"{path.relative_to(output_dir)}:{line}: links to {match.group(0)}")
    return problems


def find_unresolved_links(output_dir):
    """Links Pelican left unresolved ({filename}, {static} ...), in pages and feeds."""
    output_dir = Path(output_dir)
    problems = []
    for path, text in _text_files(output_dir, (".html", ".xml")):
        for match in UNRESOLVED_LINK.finditer(text):
            line = line_at(text, match.start())
            problems.append(
                f"{path.relative_to(output_dir)}:{line}: unresolved link {match.group(1)} "
                "(the file it names does not exist in content/)"
            )
    return problems


def find_feed_problems(output_dir, site_url=""):
    """Every feed parses (feedparser, no bozo) and its entries link to pages in the build."""
    import feedparser

    output_dir = Path(output_dir)
    feeds = sorted({*output_dir.rglob("*.atom.xml"), *output_dir.rglob("*.rss.xml")})
    problems = []
    for feed in feeds:
        name = feed.relative_to(output_dir)
        parsed = feedparser.parse(feed.read_bytes())
        if parsed.bozo:
            error = parsed.get("bozo_exception")
            line = getattr(error, "getLineNumber", lambda: None)()
            where = f"{name}:{line}" if line else f"{name}"
            problems.append(f"{where}: the feed does not parse: {error}")
            continue
        for entry in parsed.entries:
            link = entry.get("link", "")
            problem = listed_url_problem(link, feed, output_dir, site_url)
            if problem:
                problems.append(f"{name}: entry {entry.get('title', '')!r}: {problem}")
    return problems


def listed_url_problem(url, listing, output_dir, site_url=""):
    """Why a URL a feed or the sitemap lists is wrong (off the site, or no file behind
    it), or None when it is fine."""
    if site_url and not url.startswith(site_url + "/"):
        return f"{url!r} is not under SITEURL {site_url}"
    target = resolve_internal(url, listing, Path(output_dir).resolve(), site_url)
    if target is not None and not target.is_file():
        return f"{url} does not exist"
    return None


def sitemap_required(settings):
    """Whether the settings make a sitemap.xml (the pelican-sitemap plugin, XML format)."""
    plugins = [getattr(p, "__name__", p) for p in (settings or {}).get("PLUGINS") or []]
    if not any(str(name).rsplit(".", 1)[-1] == "sitemap" for name in plugins):
        return False
    return (settings.get("SITEMAP") or {}).get("format", "xml") == "xml"


def find_sitemap_problems(output_dir, required=False, site_url=""):
    """sitemap.xml is well-formed and lists pages of this build; required when configured."""
    output_dir = Path(output_dir)
    path = output_dir / "sitemap.xml"
    if not path.is_file():
        return ["sitemap.xml is missing, though the sitemap plugin is enabled"] if required else []
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        return [f"sitemap.xml:{error.position[0]}: not well-formed XML: {error}"]
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    if root.tag not in (f"{namespace}urlset", f"{namespace}sitemapindex"):
        return [f"sitemap.xml: the root element is {root.tag}, not a sitemaps.org urlset"]
    problems = []
    for loc in root.iter(f"{namespace}loc"):
        problem = listed_url_problem((loc.text or "").strip(), path, output_dir, site_url)
        if problem:
            problems.append(f"sitemap.xml: {problem}")
    return problems


def find_placeholder_settings(practice):
    """Every PRACTICE setting still starting with PLACEHOLDER, by its key path.

    The reply_booking plugin owns the PRACTICE block; its own finder is the one rule.
    """
    from plugins.reply_booking.settings import find_placeholders as placeholder_keys

    return [f"{key} is still a placeholder" for key in placeholder_keys(practice)]


def find_placeholder_marks(output_dir, known=()):
    """Placeholders shown on pages (<mark class="placeholder">), one line per text.

    Texts in `known` (already reported from the settings) are left out.
    """
    output_dir = Path(output_dir)
    shown = {}  # text -> ["page:line", ...]
    for path, text in _text_files(output_dir, (".html",)):
        for match in PLACEHOLDER_MARK.finditer(text):
            where = f"{path.relative_to(output_dir)}:{line_at(text, match.start())}"
            shown.setdefault(unescape(match.group(1)).strip(), []).append(where)
    return [
        f"{places[0]}: shows a placeholder ({len(places)} page(s) in all): {text}"
        for text, places in sorted(shown.items())
        if text not in known
    ]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def find_placeholders(output_dir, settings):
    """PRACTICE settings still starting with PLACEHOLDER, and placeholders shown on pages."""
    practice = (settings or {}).get("PRACTICE", {})
    problems = [
        f"{problem} (fill it in, in pelicanconf.py)"
        for problem in find_placeholder_settings(practice)
    ]
    return problems + find_placeholder_marks(output_dir, known=set(_strings(practice)))


def validate_html(output_dir):
    """Every page is valid HTML by the Nu Html Checker (one JVM for all pages)."""
    from sitetools.html_validation import validate_html as nu_html_check

    output_dir = Path(output_dir).resolve()
    pages = sorted(output_dir.rglob("*.html"))
    try:
        return nu_html_check(pages, base=output_dir)
    except RuntimeError as error:  # no Java, or the checker itself failed
        return [str(error)]


def find_removed_articles(manifest, live_manifest):
    """The build has fewer articles than the live release: list the ones that would go."""
    if not manifest or not live_manifest:
        return []
    live_count = live_manifest.get("articles", 0)
    count = manifest.get("articles", 0)
    if count >= live_count:
        return []
    gone = sorted(
        set(live_manifest.get("article_urls", [])) - set(manifest.get("article_urls", []))
    )
    listed = f": {', '.join(gone)} would disappear" if gone else ""
    return [
        f"this build has {count} article(s), the live site {live_count}{listed}; "
        "if that is intended, publish with --allow-removals"
    ]


def run_checks(
    output_dir,
    *,
    settings=None,
    expected_site_url=None,
    live_manifest=None,
    allow_removals=False,
    allow_placeholders=False,
    html_validation=True,
    report=print,
):
    """Run every pre-flight check on a build; report each and return all problems.

    settings: the settings the build was made with (PRACTICE for placeholders, PLUGINS
    to know whether a sitemap is expected). live_manifest: the live release's
    release.json, to refuse dropping articles. html_validation=False skips only the Nu Html
    Checker (for tests about upload mechanics; publishing always runs it).
    """
    output_dir = Path(output_dir).resolve()
    if not output_dir.is_dir():
        problem = f"{output_dir}: no build there (run `invoke build` or `invoke preview` first)"
        report(f"FAIL  {problem}")
        return [problem]
    manifest = read_manifest(output_dir)
    site_url = (manifest or {}).get("site_url", "")
    removals_skipped = None
    if allow_removals:
        removals_skipped = "--allow-removals"
    elif not live_manifest:
        removals_skipped = "no live release.json to compare with"
    checks = [  # (title, check, why it is skipped or None)
        ("no drafts", partial(find_drafts, output_dir, manifest), None),
        (
            "SITEURL is the production address",
            partial(find_site_url_problems, output_dir, manifest, expected_site_url),
            None,
        ),
        (
            "no unresolved {filename}/{static} links",
            partial(find_unresolved_links, output_dir),
            None,
        ),
        (
            "every internal link and asset resolves",
            partial(find_broken_links, output_dir, site_url, include_unresolved=False),
            None,
        ),
        ("feeds parse", partial(find_feed_problems, output_dir, site_url), None),
        (
            "sitemap.xml",
            partial(find_sitemap_problems, output_dir, sitemap_required(settings), site_url),
            None,
        ),
        (
            "no placeholder settings",
            partial(find_placeholders, output_dir, settings),
            "SITE_ALLOW_PLACEHOLDERS=1" if allow_placeholders else None,
        ),
        (
            "valid HTML (Nu Html Checker)",
            partial(validate_html, output_dir),
            None if html_validation else "HTML validation turned off",
        ),
        (
            "no articles removed",
            partial(find_removed_articles, manifest, live_manifest),
            removals_skipped,
        ),
    ]
    problems = []
    for title, check, skipped in checks:
        if skipped:
            report(f"skip  {title} ({skipped})")
            continue
        found = check()
        report(f"FAIL  {title}" if found else f"ok    {title}")
        for problem in found:
            report(f"        {problem}")
        problems += found
    return problems
