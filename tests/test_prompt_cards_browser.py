"""Prompt cards in a real browser: the optional script enhances, and nothing breaks."""

import functools
import http.server
import threading

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def base_url(site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def page(base_url):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context()
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.errors = errors
        yield page
        browser.close()


def card_hrefs(page):
    return page.eval_on_selector_all(
        "[data-prompt-list] [data-prompt-card-url]", "links => links.map(a => a.pathname)"
    )


def test_shuffle_keeps_every_card_and_announces_itself(page, base_url):
    page.goto(f"{base_url}/prompts/")
    before = sorted(card_hrefs(page))
    page.get_by_role("button", name="Shuffle the cards").click()
    assert sorted(card_hrefs(page)) == before
    assert page.locator("[role=status]").text_content() == "The cards are shuffled."
    assert page.errors == []


def test_draw_goes_to_a_card_on_this_level(page, base_url):
    page.goto(f"{base_url}/prompts/level/deeper/")
    allowed = card_hrefs(page)
    page.get_by_role("link", name="Draw a deeper card").click()
    page.wait_for_url("**/prompts/*/")
    assert page.evaluate("location.pathname") in allowed
    assert page.errors == []


def test_arrow_keys_move_between_cards(page, base_url):
    page.goto(f"{base_url}/prompts/when-it-comes-to-making-a-relationship/")
    next_href = page.get_attribute("a[rel=next]", "href")
    page.keyboard.press("ArrowRight")
    page.wait_for_url(f"**{next_href}")
    previous_href = page.get_attribute("a[rel=prev]", "href")
    assert previous_href == "/prompts/when-it-comes-to-making-a-relationship/"
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(f"**{previous_href}")
    assert page.errors == []
