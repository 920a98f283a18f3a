"""Prompt cards on a real build: the article's deck, card pages, the deck, images, cache."""

import datetime

import pytest
from PIL import Image

from plugins.prompt_cards import deck
from plugins.prompt_cards.parse import Card, parse_prompts
from sitetools.checks import resolve_internal
from tests.sitebuild import ROOT, content_with, parse, run_build

LEVELS = ("Gentle", "Deeper", "Vulnerable")
OPENING = "When it comes to making a relationship work, you have to have ____"


def source_cards():
    text = (ROOT / "content" / "the-ingredients.md").read_text(encoding="utf-8")
    cards, errors = parse_prompts(text, "content/the-ingredients.md")
    assert errors == []
    return cards


def target(output, url, page=None):
    """The file behind a URL found on `page` (default: the site root)."""
    return resolve_internal(url, page or output / "index.html", output)


def assert_share_png(path):
    assert path is not None
    assert path.is_file(), path
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (1200, 630)


def deck_links(page):
    """Card URLs in the themed lists of a deck page (not the prompt of the day)."""
    return [a["href"] for a in page.select("[data-prompt-list] .prompt-card__text a")]


# ---- the article ----


def test_the_ingredients_has_at_least_six_prompts_including_the_opening_question():
    cards = source_cards()
    assert len(cards) >= 6
    assert any(card.text.startswith(OPENING) for card in cards)
    assert {card.level for card in cards} == {"gentle", "deeper", "vulnerable"}


def test_the_article_shows_its_cards_after_the_body(site):
    page = parse(site / "the-ingredients" / "index.html")
    section = page.select_one("section.prompt-deck")
    assert section is not None
    heading = section.find("h2")
    assert section["aria-labelledby"] == heading["id"]
    assert "prompts" in heading.get_text().lower()
    items = section.select("ul.prompt-deck__list > li")
    cards = source_cards()
    assert [li.select_one(".prompt-card__text").get_text(strip=True) for li in items] == [
        card.text for card in cards
    ]
    for li, card in zip(items, cards, strict=True):
        assert li.select_one(".prompt-card__level").get_text(strip=True) == card.level_label
        link = li.select_one(".prompt-card__text a")
        assert link["href"] == f"/prompts/{card.slug}/"
    # The block itself is gone from the body (and from the feed).
    body = page.select_one(".post__body")
    assert "```" not in body.get_text()
    assert body.select("code") == []
    assert cards[1].text not in body.get_text()
    assert cards[1].text not in (site / "feeds" / "all.atom.xml").read_text(encoding="utf-8")
    # The deck comes after the body, inside the article.
    assert body.find_next("section", class_="prompt-deck") is section


def test_the_article_gets_a_generated_title_card(site):
    assert_share_png(site / "share" / "the-ingredients.png")


def test_prompts_is_in_the_navigation(site):
    nav = parse(site / "prompts" / "index.html").select_one("nav.site-nav")
    current = nav.select_one('a[aria-current="page"]')
    assert current.get_text() == "Prompts"
    assert current["href"] == "/prompts/"


# ---- card pages ----


def test_every_card_has_a_page_with_a_share_image(site):
    for card in source_cards():
        path = site / "prompts" / card.slug / "index.html"
        page = parse(path)
        assert page.find("h1").get_text(strip=True) == card.text
        assert page.select_one(".prompt-card__level").get_text(strip=True) == card.level_label
        back = page.select_one(".prompt-page__source a")
        assert back["href"] == "/the-ingredients/"
        assert back.get_text() == "“The Ingredients”"

        og_image = page.find("meta", property="og:image")["content"]
        assert page.find("meta", attrs={"name": "twitter:image"})["content"] == og_image
        assert page.find("meta", attrs={"name": "twitter:card"})["content"] == (
            "summary_large_image"
        )
        alt = page.find("meta", property="og:image:alt")["content"]
        assert card.text in alt
        assert card.level in alt
        assert_share_png(target(site, og_image, path))


def test_card_pages_link_to_the_next_and_previous_cards_around_the_whole_deck(site):
    slugs = {card.slug for card in source_cards()}
    start = next(iter(sorted(slugs)))
    seen, slug = [], start
    for _ in slugs:
        seen.append(slug)
        page = parse(site / "prompts" / slug / "index.html")
        next_link = page.select_one('a[rel="next"][data-prompt-key="next"]')
        assert next_link.get_text(strip=True) == "Draw another card"
        previous = page.select_one('a[rel="prev"][data-prompt-key="previous"]')
        assert previous is not None
        slug = next_link["href"].strip("/").split("/")[-1]
    assert slug == start
    assert sorted(seen) == sorted(slugs)


def test_another_card_of_the_same_level(site):
    for card in source_cards():
        page = parse(site / "prompts" / card.slug / "index.html")
        link = page.find("a", string=f"Another {card.level} card")
        assert link is not None
        other = parse(target(site, link["href"]))
        assert other.select_one(".prompt-card__level").get_text(strip=True) == card.level_label
        assert other.find("h1").get_text(strip=True) != card.text


def test_the_script_only_enhances_and_comes_from_the_site(site):
    for path in ("prompts/index.html", "prompts/level/gentle/index.html"):
        page = parse(site / path)
        [script] = page.select("script[src]")
        assert script.has_attr("defer")
        assert script["src"].startswith("/theme/js/")
        assert target(site, script["src"]).is_file()
        # Without the script, drawing is a plain link to a card page.
        draw = page.select_one("a[data-prompt-draw]")
        assert target(site, draw["href"]).is_file()
        assert page.select("button") == []  # the script adds its own buttons


# ---- the deck ----


def test_the_deck_lists_every_card_grouped_by_theme_and_level(site):
    page = parse(site / "prompts" / "index.html")
    cards = source_cards()
    assert sorted(deck_links(page)) == sorted(f"/prompts/{card.slug}/" for card in cards)
    themes = [h2.get_text(strip=True) for h2 in page.select("section.prompt-theme > h2")]
    assert themes == sorted({card.theme_label for card in cards}, key=str.lower)
    for section in page.select("section.prompt-theme"):
        levels = [h3.get_text(strip=True) for h3 in section.select("h3")]
        assert levels == [level for level in LEVELS if level in levels]
        for h3 in section.select("h3"):
            for li in h3.find_next_sibling("ul").select("li"):
                assert li.select_one(".prompt-card__level").get_text(strip=True) == h3.get_text()


def test_the_prompt_of_the_day_is_one_of_the_cards(site):
    page = parse(site / "prompts" / "index.html")
    today = page.select_one(".prompt-today")
    assert today.find("h2").get_text(strip=True) == "Prompt of the day"
    datetime.date.fromisoformat(today.find("time")["datetime"])
    link = today.select_one(".prompt-card__text a")
    assert link["href"] in deck_links(page)


@pytest.mark.parametrize("level", ["gentle", "deeper", "vulnerable"])
def test_level_filter_pages_work_without_javascript(site, level):
    page = parse(site / "prompts" / "level" / level / "index.html")
    expected = sorted(f"/prompts/{c.slug}/" for c in source_cards() if c.level == level)
    assert sorted(deck_links(page)) == expected
    current = page.select_one('.prompt-filter a[aria-current="page"]')
    assert current["href"] == f"/prompts/level/{level}/"
    assert current.get_text().startswith(level.capitalize())
    for link in page.select(".prompt-filter a"):
        assert target(site, link["href"]).is_file()
    draw = page.select_one("a[data-prompt-draw]")
    assert draw["href"] in expected


def test_the_print_page_has_every_card_as_a_cut_out(site):
    page = parse(site / "prompts" / "print" / "index.html")
    printed = [
        li.select_one(".prompt-print__text").get_text(strip=True)
        for li in page.select("ul.prompt-print > li.prompt-print__card")
    ]
    assert sorted(printed) == sorted(card.text for card in source_cards())
    css = (site / "theme" / "css" / "site.css").read_text(encoding="utf-8")
    print_css = css[css.index("/* ---- Prompt cards ---- */") :]
    assert "@media print" in print_css
    assert ".prompt-print__card" in print_css.split("@media print")[1]


def test_published_card_pages_use_absolute_image_urls(published_site):
    card = source_cards()[0]
    page = parse(published_site / "prompts" / card.slug / "index.html")
    og_image = page.find("meta", property="og:image")["content"]
    assert og_image == f"https://example.org/prompts/{card.slug}/{card.slug}.png"
    assert_share_png(published_site / "prompts" / card.slug / f"{card.slug}.png")


# ---- cache and a second article ----


def cache_state(cache):
    return {path.name: path.stat().st_mtime_ns for path in (cache / "prompt_cards").glob("*.png")}


@pytest.fixture(scope="module")
def cached_builds(tmp_path_factory):
    """Three builds sharing one cache: cold, unchanged, then one card reworded."""
    tmp = tmp_path_factory.mktemp("prompt-cache")
    content = content_with(tmp, "prompt-cards/second-article.md")
    output, cache = tmp / "output", tmp / "cache"
    extra = ("--set", 'PROMPT_CARDS_DATE="2024-02-14"')
    states, pages = [], []
    for step in range(3):
        if step == 2:
            post = content / "second-article.md"
            text = post.read_text(encoding="utf-8")
            post.write_text(text.replace("makes you feel loved", "makes you feel cared for"))
        result = run_build(output, content=content, extra=extra)
        assert result.returncode == 0, result.stderr
        states.append(cache_state(cache))
        pages.append(parse(output / "the-ingredients" / "index.html"))
    return {"output": output, "cache": cache, "states": states, "pages": pages}


def test_a_second_build_renders_nothing_again(cached_builds):
    first, second, _ = cached_builds["states"]
    cards = len(source_cards()) + 2
    articles = 2
    assert len(first) == cards + articles
    assert second == first  # same files, untouched


def test_a_cached_build_still_shows_the_cards(cached_builds):
    assert (cached_builds["cache"] / "ArticlesGenerator-Readers").is_file()
    first, second, _ = cached_builds["pages"]
    assert len(second.select(".prompt-deck li")) == len(source_cards())
    assert str(second.select_one(".prompt-deck")) == str(first.select_one(".prompt-deck"))


def test_rewording_one_card_renders_only_that_card(cached_builds):
    _, second, third = cached_builds["states"]
    new = set(third) - set(second)
    assert len(new) == 1
    assert {name: third[name] for name in second if name in third} == {
        name: second[name] for name in third if name in second
    }
    output = cached_builds["output"]
    slug = "whats-a-small-thing-i-do-that-makes-you"
    page = parse(output / "prompts" / slug / "index.html")
    assert page.find("h1").get_text(strip=True).endswith("makes you feel cared for?")


def test_cards_without_level_or_theme_and_code_examples(cached_builds):
    output = cached_builds["output"]
    page = parse(output / "prompt-cards-fixture-a-second-article" / "index.html")
    items = page.select(".prompt-deck li")
    assert [li.select_one(".prompt-card__level").get_text(strip=True) for li in items] == [
        "Gentle",
        "Deeper",
    ]
    assert "about connection" in items[0].get_text()
    paragraphs = [p.get_text() for p in page.select(".post__body > p")]
    assert paragraphs == ["A body paragraph before the cards.", "A paragraph after the cards."]
    example = page.select_one(".post__body code").get_text()
    assert "this block is an example" in example
    assert "this block is an example" not in page.select_one(".prompt-deck").get_text()


def test_the_prompt_of_the_day_follows_the_pinned_date(cached_builds):
    output = cached_builds["output"]
    page = parse(output / "prompts" / "index.html")
    cards = [
        Card(text="", level="", theme="", slug=href.strip("/").split("/")[-1])
        for href in deck_links(page)
    ]
    expected = deck.prompt_of_the_day(cards, datetime.date(2024, 2, 14))
    today = page.select_one(".prompt-today")
    assert today.find("time")["datetime"] == "2024-02-14"
    assert today.select_one(".prompt-card__text a")["href"] == f"/prompts/{expected.slug}/"


# ---- errors ----


@pytest.fixture(scope="module", params=["linter", "plugin"])
def broken_build(request, tmp_path_factory):
    """The same broken posts caught twice: by the content linter that runs before every
    build (with the plugin's parser), and by the plugin itself (`--no-lint`)."""
    tmp = tmp_path_factory.mktemp("prompt-errors")
    fixtures = ["unknown-level", "empty-text", "duplicate-slug", "unclosed-block"]
    content = content_with(tmp, *(f"prompt-cards/{name}.md" for name in fixtures))
    extra = ("--no-lint",) if request.param == "plugin" else ()
    result = run_build(tmp / "output", content=content, extra=extra)
    return request.param, content, result


def failure_lines(broken_build):
    """One line per error, as the author reads it, with paths relative to the site."""
    kind, content, result = broken_build
    if kind == "plugin":  # the build's closing summary
        summary = result.stderr[result.stderr.index("Build failed:") :].splitlines()[1:]
        lines = [line for line in summary if line and not line.startswith("(run with --debug")]
    else:  # the linter: `path:line: what — fix`, then a blank line and a count
        lines = result.stderr.split("\n\n")[0].splitlines()
    return [line.replace(str(content.parent) + "/", "") for line in lines]


def expected_line(kind, what, fix):
    if not fix:
        return what
    return f"{what}. {fix}" if kind == "plugin" else f"{what} — {fix[0].lower()}{fix[1:]}"


@pytest.mark.parametrize(
    ("what", "fix"),
    [
        (
            'content/unknown-level.md:10: unknown prompt level "deep" in '
            "'- deep | trust | What do you wish I asked you more often?'",
            'Write one of gentle, deeper, vulnerable before the first "|", e.g. '
            '"- deeper | trust | What do you wish I asked you more often?"',
        ),
        (
            "content/empty-text.md:9: prompt card has no text in '- deeper | trust |'",
            'Write the question after the last "|", e.g. "- deeper | trust | What do you '
            'need from me this week?"',
        ),
        (
            "content/unclosed-block.md:8: the ```prompts block opened here is never closed",
            "Add a line with just ``` after the last prompt (line 9)",
        ),
        (
            'content/duplicate-slug.md:10: prompt card slug "whats-one-need-youve-felt-silly-'
            'asking" is already used by content/the-ingredients.md:',
            "",
        ),
    ],
)
def test_bad_prompts_fail_the_build_with_a_readable_message(broken_build, what, fix):
    kind, _content, result = broken_build
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    expected = expected_line(kind, what, fix)
    assert any(line.startswith(expected) for line in failure_lines(broken_build)), result.stderr


def test_each_bad_prompt_is_reported_once(broken_build):
    assert len(failure_lines(broken_build)) == 4


def test_bad_settings_fail_the_build_naming_each_key(tmp_path):
    result = run_build(
        tmp_path / "output",
        extra=(
            "--set",
            'PROMPT_CARDS_DEFAULT_LEVEL="mild"',
            "--set",
            'PROMPT_CARDS_LEVLES={"a": "b"}',
        ),
    )
    assert result.returncode != 0
    assert "Invalid 'PROMPT_CARDS_DEFAULT_LEVEL': 'mild' is not one of the levels" in result.stderr
    assert "Invalid 'PROMPT_CARDS_LEVLES': unknown setting; did you mean" in result.stderr
    assert "Traceback" not in result.stderr
