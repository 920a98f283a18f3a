"""Readers' journeys through the features: prompt cards, the reply routes, the deck, search."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import ARTICLE

pytestmark = pytest.mark.browser

BOOKING_ROUTES = {
    "In California": ("/book/california/", "Licensed Marriage and Family Therapist"),
    "In Connecticut": ("/book/connecticut/", "Licensed Marital and Family Therapist"),
    "Somewhere else": ("/book/elsewhere/", "licensed therapist where you are"),
}


def test_read_the_cards_open_one_and_come_back(watched):
    page = watched.page
    watched.goto(ARTICLE)
    deck = page.locator(".prompt-deck")
    deck.scroll_into_view_if_needed()
    expect(deck.get_by_role("heading", level=2)).to_be_visible()
    cards = deck.get_by_role("listitem")
    assert cards.count() >= 6
    first = cards.first
    expect(first.locator(".prompt-card__level")).to_be_visible()
    text = first.locator(".prompt-card__text").inner_text()
    first.get_by_role("link").click()
    page.wait_for_url("**/prompts/*/")
    expect(page.get_by_role("heading", level=1)).to_have_text(text)
    page.get_by_role("link", name="“The Ingredients”").click()
    page.wait_for_url(f"**{ARTICLE}")
    page.go_back()
    page.wait_for_url("**/prompts/*/")
    page.go_back()
    page.wait_for_url(f"**{ARTICLE}")
    watched.assert_clean()


@pytest.mark.parametrize("answer", list(BOOKING_ROUTES))
def test_each_reply_route_lands_on_the_right_booking_page(watched, answer):
    page = watched.page
    path, says = BOOKING_ROUTES[answer]
    watched.goto(ARTICLE)
    reply = page.locator(".reply")
    reply.scroll_into_view_if_needed()
    expect(reply.get_by_role("heading", name="Reply to Yasmine")).to_be_visible()
    expect(reply.locator(".crisis-line")).to_be_visible()
    reply.get_by_role("link", name=answer, exact=True).click()
    page.wait_for_url(f"**{path}")
    assert "?" not in page.url
    expect(page.locator("main")).to_contain_text(says)
    watched.assert_clean()


def deck_card_paths(page):
    return page.eval_on_selector_all(
        ".prompt-card__text a", "links => links.map(a => new URL(a.href).pathname)"
    )


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_draw_a_card_from_the_deck(new_context, browser_site, javascript):
    context = new_context(java_script_enabled=javascript)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(f"{browser_site.url}/prompts/")
    cards = set(deck_card_paths(page))
    assert len(cards) >= 6
    page.get_by_role("link", name="Draw a card").click()
    page.wait_for_url("**/prompts/*/")
    path = page.evaluate("location.pathname")
    assert path in cards
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(f"{browser_site.url}/prompts/level/deeper/")
    deeper = set(deck_card_paths(page))
    page.get_by_role("link", name="Draw a deeper card").click()
    page.wait_for_url("**/prompts/*/")
    assert page.evaluate("location.pathname") in deeper
    assert errors == []


def test_the_deck_script_shuffles_and_the_arrow_keys_move_between_cards(new_context, browser_site):
    page = new_context(viewport="desktop").new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(f"{browser_site.url}/prompts/")
    before = sorted(deck_card_paths(page))
    page.get_by_role("button", name="Shuffle the cards").click()
    assert sorted(deck_card_paths(page)) == before
    expect(page.locator("[role=status]")).to_have_text("The cards are shuffled.")
    page.goto(f"{browser_site.url}/prompts/when-it-comes-to-making-a-relationship/")
    next_href = page.get_attribute("a[rel=next]", "href")
    page.keyboard.press("ArrowRight")
    page.wait_for_url(f"**{next_href}")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url("**/prompts/when-it-comes-to-making-a-relationship/")
    assert errors == []


def test_search_finds_the_article(watched):
    page = watched.page
    watched.goto("/search/")
    field = page.get_by_role("textbox")
    expect(field).to_be_visible()
    field.fill("armor")
    result = page.locator(".pagefind-ui__result-link").first
    expect(result).to_be_visible(timeout=15_000)
    expect(result).to_have_text("The Ingredients")
    result.click()
    page.wait_for_url(f"**{ARTICLE}")
    watched.assert_clean()


def test_search_without_javascript_points_to_the_archives(new_context, browser_site):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{browser_site.url}/search/")
    note = page.locator(".search__no-js")
    expect(note).to_be_visible()
    note.get_by_role("link", name="by date").click()
    page.wait_for_url("**/archives/")
