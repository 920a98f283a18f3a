"""reading_aids' fast paths give exactly what the plain algorithms give.

`analyse` reads Markdown's plain markup with regular expressions and leaves anything
else to HTMLParser (`analyse_with_parser`); `RelatedIndex` scores only the articles
sharing a tag instead of every article (`related_articles_by_scan`). Both are checked
against their reference on the benchmark corpus, the real content and random input.
"""

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from pelican.readers import MarkdownReader
from pelican.settings import read_settings
from pelican.utils import slugify

from bench.corpus import make_corpus, write_corpus
from plugins.prompt_cards.generator import configure
from plugins.reading_aids.aids import (
    RelatedIndex,
    analyse,
    analyse_with_parser,
    plain_text,
    related_articles,
    related_articles_by_scan,
)
from tests.sitebuild import ROOT


def converted_articles(tmp_path):
    """(path, HTML body) of the real content and 150 benchmark articles, as the site
    converts them (prompt blocks and all)."""
    write_corpus(tmp_path / "corpus", 150)
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    configure(SimpleNamespace(settings=settings))
    files = sorted((ROOT / "content").rglob("*.md")) + sorted((tmp_path / "corpus").rglob("*.md"))
    return [(path, MarkdownReader(settings).read(str(path))[0]) for path in files]


def test_analyse_matches_the_parser_on_every_article(tmp_path):
    articles = converted_articles(tmp_path)
    assert len(articles) > 150
    for path, html in articles:
        assert analyse(html) == analyse_with_parser(html), path
    # The corpus is plain Markdown output: the fast path read it, not the fallback.
    plain = [path for path, html in articles if plain_text(html) is not None]
    assert len(plain) >= 150


PIECES = [
    "word ",
    "two words",
    " ",
    "\n",
    "don’t",
    "well-known.",
    "AT&T",
    "&amp;",
    "&amp",
    "&am",
    "p;",
    "&nbsp;",
    "&#8217;",
    "&#x27;",
    "&lt;h2&gt;",
    "<p>",
    "</p>",
    "<em>",
    "</em>",
    "<br>",
    "<br/>",
    "<br />",
    '<a href="https://example.org/?a=1&amp;b=2" title="x > y">',
    "</a>",
    '<h2 id="why">',
    "<h2 id='single&amp;quote'>",
    '<H3 ID="upper" id="last">',
    "<h2>",
    "<h3 hidden>",
    "</h2>",
    "</h3>",
    "</H2>",
    '<h2 id="empty"/>',
    "<h4>",
    "</h4>",
    "<script>var a = '<h2>no</h2>';</script>",
    "<style>p { x: 1 }</style>",
    "<!-- a <h2>comment</h2> -->",
    "<![CDATA[ x ]]>",
    "a < b",
    "x<y",
    "<p class=unquoted>",
    '<p class="a"id="b">',
    "<my-element>",
    "</ p>",
    "<textarea><h2>x</h2></textarea>",
    "<",
    ">",
]


def test_analyse_matches_the_parser_on_random_fragments():
    rng = random.Random(9)
    fast = 0
    for _ in range(4000):
        html = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))
        assert analyse(html) == analyse_with_parser(html), html
        fast += plain_text(html) is not None
    assert fast > 500  # both paths were exercised


@pytest.mark.parametrize(
    ("html", "plain"),
    [
        ('<h2 id="a">A <em>b</em></h2><p>Text &amp; more</p>', True),
        ("<p>a < b</p>", False),
        ("<!-- note --><p>x</p>", False),
        ("<script>x</script>", False),
        ("<p class=x>y</p>", False),
    ],
)
def test_only_plain_markup_takes_the_fast_path(html, plain):
    assert (plain_text(html) is not None) == plain


def corpus_posts(count):
    """The benchmark corpus's articles as the candidates reading_aids sees."""
    posts = []
    for article in make_corpus(count):
        meta = article.metadata
        posts.append(
            SimpleNamespace(
                title=meta["Title"],
                date=datetime.strptime(meta["Date"], "%Y-%m-%d %H:%M").replace(tzinfo=UTC),
                tags=[SimpleNamespace(slug=slugify(t)) for t in meta["Tags"].split(", ")],
                source_path=f"/content/{article.filename}",
            )
        )
    return posts


def test_the_tag_index_ranks_the_corpus_like_the_scan():
    posts = corpus_posts(300)
    index = RelatedIndex(posts)
    for limit in (0, 1, 3, 10):
        for post in posts:
            assert index.related(post, limit) == related_articles_by_scan(post, posts, limit)


def test_the_tag_index_breaks_ties_like_the_scan():
    """Equal dates and titles, repeated tags, the same source twice, no tags at all."""
    rng = random.Random(3)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for _ in range(200):
        posts = [
            SimpleNamespace(
                title=rng.choice("ABC"),
                date=start + timedelta(days=rng.randint(0, 2)),
                tags=[SimpleNamespace(slug=rng.choice("xyzw")) for _ in range(rng.randint(0, 4))],
                source_path=f"/content/{rng.randint(0, 12)}.md",
            )
            for _ in range(rng.randint(0, 15))
        ]
        candidates = posts + rng.sample(posts, k=min(2, len(posts)))  # some listed twice
        outsider = SimpleNamespace(
            title="Z", date=start, tags=[SimpleNamespace(slug="x")], source_path="/content/z.md"
        )
        for post in [*posts, outsider]:
            limit = rng.randint(0, 6)
            expected = related_articles_by_scan(post, candidates, limit)
            assert related_articles(post, candidates, limit) == expected
