"""The article arrives in the first round trip and reads without JavaScript."""

import gzip

import pytest
from playwright.sync_api import expect

from tests.browser.pages import ARTICLE, read_every_paragraph
from tests.sitebuild import parse

pytestmark = pytest.mark.browser

# What fits in TCP's first round trip (an initial window of 10 segments of ~1.4 KB).
BUDGET = 14 * 1024


def gzipped_size(path):
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def local_file(site, url):
    """The output file behind an absolute URL on the site."""
    assert url.startswith(site.url + "/"), f"{url} is not on {site.url}"
    path = url[len(site.url) + 1 :].split("?")[0].split("#")[0]
    return site.output / (path + "index.html" if path.endswith("/") or not path else path)


def article_file(site):
    return site.output / ARTICLE.strip("/") / "index.html"


def test_the_article_html_and_css_fit_in_14_kb_gzipped(browser_site):
    html = article_file(browser_site)
    stylesheets = [
        local_file(browser_site, link["href"])
        for link in parse(html).find_all("link", rel="stylesheet")
    ]
    sizes = {path.name: gzipped_size(path) for path in [html, *stylesheets]}
    print(f"article weight, gzip -9: {sizes} = {sum(sizes.values())} bytes of {BUDGET}")
    assert sum(sizes.values()) <= BUDGET, sizes


def test_nothing_blocks_rendering_but_one_stylesheet(browser_site):
    head = parse(article_file(browser_site)).head
    stylesheets = head.find_all("link", rel="stylesheet")
    assert len(stylesheets) == 1
    assert not stylesheets[0].get("media") or stylesheets[0]["media"] in ("all", "screen")
    blocking_scripts = [
        script
        for script in head.find_all("script")
        if script.get("src")
        and not script.has_attr("defer")
        and not script.has_attr("async")
        and script.get("type") != "module"
    ]
    assert blocking_scripts == []
    inline_code = [
        script
        for script in head.find_all("script")
        if not script.get("src") and script.get("type") != "application/ld+json"
    ]
    assert inline_code == []
    # ... and the stylesheet pulls in nothing further.
    sheet = local_file(browser_site, stylesheets[0]["href"]).read_text(encoding="utf-8")
    assert "@import" not in sheet


def test_the_article_reads_without_javascript(new_context, browser_site):
    context = new_context("phone", "light", java_script_enabled=False)
    page = context.new_page()
    response = page.goto(browser_site.url + ARTICLE)
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("The Ingredients")
    read_every_paragraph(page)
    expect(page.locator(".post__body")).to_contain_text("necessary ingredient for intimacy")
    # The stylesheet applied: the body is set in the theme's type, not the browser default.
    assert page.evaluate("getComputedStyle(document.body).lineHeight") != "normal"
