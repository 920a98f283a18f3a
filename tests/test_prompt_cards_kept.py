"""Prompt cards read in an earlier dev build are reused while their article is
unchanged, and a kept mistake still fails the build; the cards the content linter
parsed are taken by the plugin for the posts unchanged since."""

from dataclasses import astuple
from types import SimpleNamespace

from pelican.settings import read_settings

from plugins.prompt_cards import generator
from plugins.prompt_cards.generator import configure
from plugins.prompt_cards.parse import Card
from sitetools.content_lint import lint_content
from tests.sitebuild import ROOT, content_with, content_with_corpus, parse, run_build


def build_lines(result):
    summary = result.stderr[result.stderr.index("Build failed:") :].splitlines()[1:]
    return [line for line in summary if line and not line.startswith("(run with --debug")]


def test_a_kept_bad_prompt_still_fails_the_build_and_a_fix_is_read(tmp_path):
    content = content_with(tmp_path, "prompt-cards/unknown-level.md")
    output = tmp_path / "output"
    first = run_build(output, content=content, extra=["--no-lint"])
    second = run_build(output, content=content, extra=["--no-lint"])
    assert (tmp_path / "cache" / "prompt_cards_read.pickle").is_file()
    assert first.returncode == second.returncode == 1
    assert build_lines(second) == build_lines(first)
    assert any('unknown prompt level "deep"' in line for line in build_lines(second))
    post = content / "unknown-level.md"
    post.write_text(post.read_text(encoding="utf-8").replace("- deep |", "- deeper |"), "utf-8")
    third = run_build(output, content=content, extra=["--no-lint"])
    assert third.returncode == 0, third.stderr
    deck = parse(output / "prompts" / "index.html").get_text()
    assert "What do you wish I asked you more often?" in deck


# ---- The cards the content linter parsed (sitetools.build hands them over) ----


def linted_site(tmp_path):
    """The real content plus four corpus posts, linted: (settings as a build has them
    once the plugin configured them, the cards the linter handed over, the posts)."""
    content = content_with_corpus(tmp_path, 4).resolve()
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(content)})
    configure(SimpleNamespace(settings=settings))
    cards = {}
    assert lint_content(content, settings, cards=cards) == []
    posts = sorted(content.glob("*.md"))
    return settings, cards, posts


def read(post, settings):
    return generator.read_cards(SimpleNamespace(source_path=str(post)), settings)


def as_fields(cards):
    return [(type(card).__name__, *astuple(card)) for card in cards]


def test_read_cards_takes_the_linter_s_cards_which_are_those_it_would_parse(tmp_path, monkeypatch):
    settings, cards, posts = linted_site(tmp_path)
    parsed = [read(post, settings) for post in posts]
    assert sum(map(len, parsed)) >= 4 * 3
    generator.take_linted_cards(None, cards)

    def no_parsing(*_args):
        raise AssertionError("a post the linter parsed was parsed again")

    monkeypatch.setattr(generator, "parse_prompts", no_parsing)
    taken = [read(post, settings) for post in posts]
    assert list(map(as_fields, taken)) == list(map(as_fields, parsed))
    assert all(type(card) is Card for cards in taken for card in cards)


def test_a_post_edited_since_the_linting_or_other_options_are_parsed_again(tmp_path):
    settings, cards, posts = linted_site(tmp_path)
    post = next(post for post in posts if "```prompts" in post.read_text("utf-8"))
    generator.take_linted_cards(None, cards)
    before = read(post, settings)
    text = post.read_text("utf-8").replace("```prompts\n", "```prompts\n- A new prompt?\n", 1)
    post.write_text(text, "utf-8")
    assert [card.text for card in read(post, settings)] == [
        "A new prompt?",
        *[card.text for card in before],
    ]
    generator.take_linted_cards(None, cards)
    assert any(len(card.slug) > 12 for card in read(posts[-1], settings))
    fewer_words = {**settings, "PROMPT_CARDS_SLUG_MAX_LENGTH": 12}
    slugs = [card.slug for card in read(posts[-1], fewer_words)]
    assert slugs
    assert all(len(slug) <= 12 for slug in slugs)


def test_the_plugin_listens_for_what_the_build_sends():
    from blinker import signal

    from plugins import prompt_cards
    from sitetools.build import CONTENT_LINTED

    prompt_cards.register()
    signal(CONTENT_LINTED).send(None, cards={"/a/post.md": (1, 2, None, [])})
    assert generator._linted_cards == {"/a/post.md": (1, 2, None, [])}
    generator._linted_cards.clear()
