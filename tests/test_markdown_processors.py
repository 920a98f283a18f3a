"""plugins/fast_markdown/processors.py skips regex tries that cannot match: the HTML
must be exactly stock Python-Markdown's, for any document."""

import random
from types import SimpleNamespace

import pytest
from markdown import Markdown, blockprocessors
from markdown.treeprocessors import InlineProcessor
from pelican.readers import MarkdownReader
from pelican.settings import read_settings

from bench.corpus import write_corpus
from plugins.fast_markdown import processors
from plugins.prompt_cards.generator import configure
from tests.sitebuild import ROOT


def site_markdown():
    """The site's Markdown configuration as a build has it: `prompt_cards`' extension
    (put in place at `initialized`) and those Pelican's reader adds from
    `extension_configs`."""
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    configure(SimpleNamespace(settings=settings))
    return MarkdownReader(settings).settings["MARKDOWN"]


SITE_MARKDOWN = site_markdown()
CONFIGURATIONS = {
    "site": SITE_MARKDOWN,
    "bare": {},
    "extra, html": {"extensions": ["extra"]},
    "toc, sane_lists, smarty": {"extensions": ["toc", "sane_lists", "smarty", "nl2br"]},
}

# Pieces of text chosen for the characters the checks look for, and the syntax around
# them: code spans, escapes, links and references, images, autolinks, raw HTML,
# entities, emphasis, footnotes, abbreviations, attribute lists, tables, definition
# lists, headers (both kinds), rules, quotes and lists.
# fmt: off
INLINE_PIECES = [
    "word", "love", "trust", "`code`", "``a ` b``", "\\`", "\\\\`x`", "\\[", "\\*",
    "[link](http://example.com)", "[ref]", "[ref][]", "[text][ref]", "![alt](a.png)",
    "![alt][ref]", "[^1]", "[^note]", "<http://example.com>", "<me@example.com>",
    "<b>bold</b>", "<span class=\"x\">", "&amp;", "&#169;", "&", "*em*", "**strong**",
    "***both***", "_em_", "__strong__", "a*b", "*", "_", "HTML", "ABBR", "{: .cls }",
    "|", "a | b", ":", "#", "##", "-", "--", "=", "!", "[", "]", "(", ")", "  \n", "\n",
    ">", "<", "`", "~~~", "'quoted'", "\"double\"", "--", "...",
]
LINE_STARTS = [
    "", "", "", "# ", "### ", "> ", "> > ", "- ", "* ", "1. ", "    ", "\t", ": ", "| ",
    "|", "[ref]: http://example.com/ref", "[^1]: A note.", "[^note]: Another.",
    "*[HTML]: Hyper Text", "*[ABBR]: An abbreviation", "---", "***", "___", "- - -",
    "===", "Title\n=====", "Title\n-----", "Term\n:   Definition", "a | b\n--- | ---",
    "| a | b |\n|---|---|", "```\n", "~~~\n", "<div markdown=\"1\">", "</div>",
]
# fmt: on


def generated_documents(count, seed):
    rng = random.Random(seed)
    for _ in range(count):
        blocks = []
        for _ in range(rng.randint(1, 6)):
            lines = []
            for _ in range(rng.randint(1, 4)):
                words = rng.choices(INLINE_PIECES, k=rng.randint(0, 12))
                lines.append(rng.choice(LINE_STARTS) + " ".join(words))
            blocks.append("\n".join(lines))
        yield rng.choice(["\n\n", "\n", "\n\n\n"]).join(blocks)


def converters(config):
    stock = Markdown(**config)
    fast = processors.speed_up(Markdown(**config))
    return stock, fast


@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_generated_documents_convert_exactly_as_stock(name):
    stock, fast = converters(CONFIGURATIONS[name])
    for number, text in enumerate(generated_documents(1500, seed=name)):
        expected = stock.reset().convert(text)
        assert fast.reset().convert(text) == expected, f"document {number}:\n{text}"


def test_the_sites_articles_and_the_corpus_convert_exactly_as_stock(tmp_path):
    write_corpus(tmp_path, 60)
    files = sorted((ROOT / "content").rglob("*.md")) + sorted(tmp_path.rglob("*.md"))
    stock, fast = converters(SITE_MARKDOWN)
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert fast.reset().convert(text) == stock.reset().convert(text), path


def test_the_checks_catch_a_wrong_rule(monkeypatch):
    # Sabotage: a quote check that looks for the wrong character must show up as a
    # difference, or the generated documents prove nothing.
    quote = blockprocessors.BlockQuoteProcessor
    monkeypatch.setitem(
        processors.CHECKED_BLOCK_CLASSES, quote, processors.checked_block_class(quote, ("!",))
    )
    stock, fast = converters(SITE_MARKDOWN)
    documents = list(generated_documents(300, seed="sabotage"))
    assert any(fast.reset().convert(t) != stock.reset().convert(t) for t in documents)


def test_the_checks_catch_a_wrong_inline_rule(monkeypatch):
    monkeypatch.setitem(processors.INLINE_NEEDS, processors.inlinepatterns.BACKTICK_RE, "~")
    stock, fast = converters(SITE_MARKDOWN)
    documents = list(generated_documents(300, seed="sabotage"))
    assert any(fast.reset().convert(t) != stock.reset().convert(t) for t in documents)


def test_the_checks_catch_a_wrong_trigger(monkeypatch):
    text = "A line that ends in two spaces  \nbreaks."
    stock, fast = converters(SITE_MARKDOWN)
    assert (
        fast.convert(text)
        == stock.convert(text)
        == "<p>A line that ends in two spaces<br>\nbreaks.</p>"
    )
    monkeypatch.setitem(processors.INLINE_TRIGGERS, processors.inlinepatterns.LINE_BREAK_RE, "#")
    stock, fast = converters(SITE_MARKDOWN)
    assert fast.convert(text) != stock.convert(text)


def test_texts_are_skipped_whole_only_when_every_patterns_triggers_are_known():
    md = processors.speed_up(Markdown(extensions=["extra", "smarty"]))
    md.convert("*a* 'b'")
    assert md.treeprocessors["inline"]._any_trigger is not None
    # smarty's own InlineProcessor, with patterns whose triggers are not in the table
    assert type(md.treeprocessors["smarty"]) is processors.CheckingInlineProcessor
    assert md.treeprocessors["smarty"]._any_trigger is None


def test_only_stock_processors_are_given_checks():
    class OwnInline(InlineProcessor):
        pass

    md = Markdown(extensions=["extra"])
    md.treeprocessors.register(OwnInline(md), "inline", 20)
    processors.speed_up(md)
    assert type(md.treeprocessors["inline"]) is OwnInline
    assert type(md.parser.blockprocessors["hashheader"]).__name__ == "CheckingHashHeaderProcessor"
    assert isinstance(md.parser.blockprocessors["table"], processors.tables.TableProcessor)
    checked = {type(p) for p in md.parser.blockprocessors} & set(
        processors.CHECKED_BLOCK_CLASSES.values()
    )
    assert len(checked) == len(processors.BLOCK_NEEDS)


def test_block_level_elements_answer_as_the_list_does_through_every_change():
    md = processors.speed_up(Markdown(extensions=["extra"]))
    elements = md.block_level_elements
    assert isinstance(elements, processors.BlockLevelElements)
    assert list(elements) == Markdown(extensions=["extra"]).block_level_elements
    tags = ["p", "div", "a", "em", "custom", "P", "", "details", "del", 1, None]
    plain = list(elements)
    changes = [
        lambda e: e.append("custom"),
        lambda e: e.remove("div"),
        lambda e: e.extend(["em", "x"]),
        lambda e: e.insert(0, "a"),
        lambda e: e.pop(),
        lambda e: e.__setitem__(slice(0, 2), ["del"]),
        lambda e: e.__delitem__(0),
        lambda e: e.__iadd__(["p"]),
        lambda e: e.clear(),
    ]
    for change in changes:
        change(elements)
        change(plain)
        assert list(elements) == plain
        assert [tag in elements for tag in tags] == [tag in plain for tag in tags]
    assert ([] in elements) is False  # unhashable: compared as the list compares
    elements.append([])
    assert [] in elements
    assert "p" not in elements
