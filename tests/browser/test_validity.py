"""Every generated page passes the Nu Html Checker; feeds and the sitemap parse."""

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from pelican.settings import read_settings

from sitetools.html_validation import validate_html
from tests.sitebuild import ROOT, html_pages

pytestmark = pytest.mark.browser


def test_every_page_passes_the_nu_html_checker(browser_site, hostile_site):
    pages = html_pages(browser_site.output) + html_pages(hostile_site.output)
    base = Path(os.path.commonpath([browser_site.output, hostile_site.output]))
    assert validate_html(pages, base=base) == []


@pytest.mark.parametrize("which", ["browser_site", "hostile_site"])
def test_every_feed_is_well_formed_and_parses(which, request):
    site = request.getfixturevalue(which)
    feeds = sorted((site.output / "feeds").rglob("*.xml"))
    assert len(feeds) >= 3
    for feed in feeds:
        ET.parse(feed)  # well-formed XML, or ParseError naming line and column
        parsed = feedparser.parse(str(feed))
        assert not parsed.bozo, (feed, parsed.get("bozo_exception"))
        assert parsed.entries, feed
        assert all(entry.link.startswith(site.url + "/") for entry in parsed.entries)


def test_the_sitemap_is_well_formed_when_the_site_makes_one(browser_site, monkeypatch):
    monkeypatch.setenv("SITE_ALLOW_PLACEHOLDERS", "1")
    settings = read_settings(str(ROOT / "publishconf.py"))
    makes_sitemap = any("sitemap" in str(plugin) for plugin in settings["PLUGINS"])
    sitemap = browser_site.output / "sitemap.xml"
    assert sitemap.is_file() == makes_sitemap, f"PLUGINS: {settings['PLUGINS']}"
    if makes_sitemap:
        root = ET.parse(sitemap).getroot()
        namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
        assert root.tag == f"{namespace}urlset"
        locations = [loc.text for loc in root.iter(f"{namespace}loc")]
        assert browser_site.url + "/the-ingredients/" in locations
        assert all(loc.startswith(browser_site.url + "/") for loc in locations)
