"""A reader's way through the site, in a real browser, on a phone and a laptop, light and dark."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import ARTICLE, read_every_paragraph

pytestmark = pytest.mark.browser


def fits_the_window(page):
    """No sideways scrolling (WCAG 1.4.10 Reflow): the page is no wider than the window."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def looks_dark(page):
    """True when the page is drawn light on dark (the colour scheme took effect)."""
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    red, green, blue = (int(value) for value in re.findall(r"\d+", background)[:3])
    return (red + green + blue) / 3 < 128


def test_from_the_index_into_the_article_its_topics_and_back(watched, display, browser_site):
    page = watched.page
    site = browser_site.url
    article_url = site + ARTICLE

    watched.goto("/")
    assert looks_dark(page) == (display[1] == "dark")
    expect(page.get_by_role("heading", level=1)).to_have_text("Latest articles")
    page.locator(".summary__title").get_by_role("link", name="The Ingredients").click()
    expect(page).to_have_url(article_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("The Ingredients")
    expect(page.locator(".post__body")).to_contain_text("necessary ingredient for intimacy")
    read_every_paragraph(page)
    assert fits_the_window(page)

    tags = page.get_by_role("list", name="Tags")
    for tag, slug in (("vulnerability", "vulnerability"), ("couples therapy", "couples-therapy")):
        tags.get_by_role("link", name=tag, exact=True).click()
        expect(page).to_have_url(f"{site}/tag/{slug}/")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Topic: {tag}")
        expect(page.get_by_role("link", name="The Ingredients", exact=True)).to_be_visible()
        assert fits_the_window(page)
        page.go_back()
        expect(page).to_have_url(article_url)

    page.locator(".post__header").get_by_role("link", name="Relationships").click()
    expect(page).to_have_url(f"{site}/category/relationships/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Category: Relationships")
    page.go_back()
    expect(page).to_have_url(article_url)

    page.get_by_role("link", name="More about Yasmine and her work").click()
    expect(page).to_have_url(f"{site}/about/")
    expect(page.get_by_role("heading", level=1)).to_have_text("About Yasmine")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("The Ingredients")
    watched.assert_clean()


def test_the_main_navigation_leads_everywhere_and_marks_where_you_are(watched, browser_site):
    page = watched.page
    watched.goto(ARTICLE)
    for label, path, heading in (
        ("Articles", "/archives/", "All articles"),
        ("Topics", "/tags/", "Topics"),
        ("About", "/about/", "About Yasmine"),
    ):
        nav = page.get_by_role("navigation", name="Main")
        nav.get_by_role("link", name=label).click()
        expect(page).to_have_url(browser_site.url + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        current = page.get_by_role("navigation", name="Main").locator("[aria-current=page]")
        expect(current).to_have_text(label)
        assert fits_the_window(page)
    page.get_by_role("link", name=re.compile("^Yasmine Binghalib, LMFT$")).click()
    expect(page).to_have_url(browser_site.url + "/")
    watched.assert_clean()


def test_an_unknown_address_shows_the_404_page_with_status_404(watched, browser_site):
    address = browser_site.url + "/no-such-article/"
    watched.goto("/no-such-article/", expect_status=404)
    page = watched.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    page.get_by_role("link", name="Every article, by date").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All articles")
    # Chromium logs the 404 of the address itself; nothing else may go wrong.
    expected = (
        "Failed to load resource: the server responded with a status of 404 (Not Found)"
        f" ({address})"
    )
    assert expected in watched.console_errors
    watched.console_errors.remove(expected)
    watched.assert_clean()
