"""Checks that run on a built site: the pieces `invoke check` and the tests share."""

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

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


def find_broken_links(output_dir, site_url=""):
    """List "page:line: URL" for every internal link or asset with no file behind it."""
    output_dir = Path(output_dir).resolve()
    broken = []
    for page in sorted(output_dir.rglob("*.html")):
        for line, url in page_urls(page.read_text(encoding="utf-8")):
            if "{filename}" in url or "{static}" in url or "%7Bfilename%7D" in url:
                broken.append(f"{page.relative_to(output_dir)}:{line}: unresolved link {url}")
                continue
            target = resolve_internal(url, page, output_dir, site_url)
            if target is not None and not target.is_file():
                broken.append(f"{page.relative_to(output_dir)}:{line}: {url} does not exist")
    return broken
