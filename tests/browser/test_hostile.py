"""Text that looks like markup stays text: in the browser, in JSON-LD and in the feeds.

tests/fixtures/hostile/hostile.md puts `</script><script>alert(1)</script>` and
`"><svg onload=alert(1)>` in an article's title, tags, summary, body text and prompts.
"""

import json
import re
import xml.etree.ElementTree as ET

import feedparser
import pytest
from bs4 import BeautifulSoup

from tests.browser.watch import PageWatch
from tests.sitebuild import ROOT, html_pages, parse

pytestmark = pytest.mark.browser

SCRIPT = "</script><script>alert(1)</script>"
SVG = '"><svg onload=alert(1)>'
TITLE = f"{SCRIPT} {SVG}"
SUMMARY = f"{SCRIPT} {SVG} must show as text."
TAGS = [SCRIPT, f"{SVG} love"]
ARTICLE = "/hostile-text/"
ATOM = "{http://www.w3.org/2005/Atom}"
# The discovery feature's JSON-LD partial: when it is in the theme, the article has JSON-LD.
STRUCTURED_DATA = ROOT / "theme" / "templates" / "partials" / "structured_data.html"


def url_path(output, page):
    relative = page.relative_to(output).as_posix()
    return "/" + (
        relative.removesuffix("index.html") if relative.endswith("index.html") else relative
    )


def test_no_page_of_the_hostile_site_opens_a_dialog(new_context, hostile_site):
    watch = PageWatch(new_context("desktop", "light").new_page(), hostile_site.url)
    pages = html_pages(hostile_site.output)
    assert len(pages) > 10
    for page in pages:
        watch.goto(url_path(hostile_site.output, page))
    assert watch.dialogs == []
    watch.assert_clean()


def test_the_hostile_text_reads_as_text_in_the_browser(new_context, hostile_site):
    watch = PageWatch(new_context("phone", "light").new_page(), hostile_site.url)
    page = watch.page
    watch.goto(ARTICLE)
    assert page.locator("h1").inner_text() == TITLE
    assert page.title().startswith(TITLE)
    assert page.locator(".tag-list a").all_inner_texts() == [SCRIPT, f"{SVG} love", "trust"]
    body = page.locator(".post__body").inner_text()
    assert body.count(SCRIPT) >= 3
    assert body.count(SVG) >= 3
    assert page.locator("meta[name=description]").get_attribute("content") == SUMMARY
    assert page.locator("svg, script:not([type='application/ld+json'])").count() == 0
    watch.goto("/")
    assert SUMMARY in page.locator(".summary__text").all_inner_texts()
    watch.assert_clean()


def walk_strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from walk_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_strings(item)
    elif isinstance(value, str):
        yield value


def test_json_ld_keeps_the_hostile_text_as_data(hostile_site):
    page = parse(hostile_site.output / "hostile-text" / "index.html")
    blocks = page.find_all("script", type="application/ld+json")
    if STRUCTURED_DATA.is_file():
        assert blocks, "the theme has JSON-LD, but not on the article"
    for block in blocks:
        raw = block.string or ""
        assert not re.search(r"</script|<!--", raw, re.IGNORECASE), raw
        assert TITLE in set(walk_strings(json.loads(raw)))


def feed_entries(path):
    """(title, [category terms], [html of summary/description/content]) per entry."""
    root = ET.parse(path).getroot()
    entries = []
    if root.tag == f"{ATOM}feed":
        for entry in root.iter(f"{ATOM}entry"):
            terms = [c.get("term") for c in entry.iter(f"{ATOM}category")]
            html = [e.text or "" for e in entry if e.tag in (f"{ATOM}summary", f"{ATOM}content")]
            entries.append((entry.findtext(f"{ATOM}title"), terms, html))
    else:
        for item in root.iter("item"):
            terms = [c.text for c in item.iter("category")]
            entries.append((item.findtext("title"), terms, [item.findtext("description") or ""]))
    return entries


@pytest.mark.parametrize("feed", ["all.atom.xml", "all.rss.xml", "category/relationships.atom.xml"])
def test_feeds_carry_the_hostile_text_as_inert_text(hostile_site, feed):
    path = hostile_site.output / "feeds" / feed
    parsed = feedparser.parse(str(path))
    assert not parsed.bozo, parsed.get("bozo_exception")
    entries = [entry for entry in feed_entries(path) if entry[0] == TITLE]
    assert len(entries) == 1, "the hostile article's title must be in the feed, exactly"
    _title, terms, html_parts = entries[0]
    assert set(TAGS) <= set(terms)
    for html in html_parts:
        fragment = BeautifulSoup(html, "lxml")
        assert fragment.find(["script", "svg"]) is None, html
        handlers = [a for tag in fragment.find_all(True) for a in tag.attrs if a.startswith("on")]
        assert handlers == [], html
    shown = " ".join(BeautifulSoup(h, "lxml").get_text() for h in html_parts)
    assert SCRIPT in shown
    assert SVG in shown
    if feed.endswith(".atom.xml"):
        assert SUMMARY in [BeautifulSoup(h, "lxml").get_text() for h in html_parts]
