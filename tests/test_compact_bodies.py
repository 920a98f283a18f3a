"""plugins/compact_bodies changes how bodies are kept in memory, never what comes out."""

import datetime
import json
import subprocess
import sys
from types import SimpleNamespace

import pytest
from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG, read_settings

from bench.corpus import write_corpus
from plugins.compact_bodies import (
    ARTICLE_ATTRIBUTES,
    PackedBody,
    compact,
    compact_read,
    pack_memo,
    share_keys,
)
from plugins.content_body import (
    PackedMemo,
    memoized_get_content,
    pack,
    packed_body_as_shown,
    unpack,
)
from sitetools.build import build_command
from tests.sitebuild import ROOT, assert_same_site_without, content_with_corpus

BODY = '<p>Tea, «café» and 💬: see <a href="{filename}/other.md">the other post</a>.</p>'


@pytest.mark.parametrize(
    ("settings", "search"), [("pelicanconf.py", "true"), ("publishconf.py", "false")]
)
def test_the_built_site_is_byte_identical_with_and_without_the_plugin(tmp_path, settings, search):
    content = content_with_corpus(tmp_path, 12)
    extra = ("--set", f"SEARCH_INDEX_ENABLED={search}")
    assert assert_same_site_without(tmp_path, "compact_bodies", content, settings, extra) > 100


def article(body=BODY):
    settings = {**DEFAULT_CONFIG, "SITEURL": ""}
    metadata = {"title": "Post", "date": datetime.datetime(2026, 1, 1)}
    context = {"generated_content": {}, "static_content": {}, "localsiteurl": ""}
    return Article(body, metadata=metadata, settings=settings, context=context)


def test_a_compacted_body_reads_as_before_for_any_site_url():
    post, original = article(), article()
    assert compact(post) is True
    assert "_content" not in vars(post)
    long_post = article(BODY * 40)
    compact(long_post)
    assert len(long_post._get_content.data) * 3 < len((BODY * 40).encode())
    for siteurl in ("", "https://example.org"):
        assert post.get_content(siteurl) == original.get_content(siteurl)
    assert post._get_content() == BODY


def test_a_body_is_compacted_once_and_only_when_it_is_text():
    post = article()
    assert compact(post) is True
    assert compact(post) is False  # it has its _get_content now
    empty = article(body=None)
    assert compact(empty) is False
    assert vars(empty)["_content"] is None


def test_every_body_read_so_far_is_compacted_and_the_reader_cache_emptied():
    first, second = article(), article("<p>Second</p>")
    readers = SimpleNamespace(_cache={"first.md": ("mtime", (BODY, {}))})
    contents = {"first.md": first, "second.md": second, "unreadable.md": None}
    generator = SimpleNamespace(context={"generated_content": contents}, readers=readers)
    compact_read(generator)
    assert generator.readers._cache == {}
    assert isinstance(first._get_content, PackedBody)
    assert second._get_content() == "<p>Second</p>"
    compact_read(generator)  # the pages generator's turn: the articles' stay as they are
    assert first._get_content() == BODY


def test_the_plugin_comes_before_those_that_use_memory_once_the_articles_are_read():
    """Its receivers run first, so the cards, reading aids and search documents reuse
    the memory the bodies leave (Pelican calls receivers in the order plugins register)."""
    plugins = read_settings(str(ROOT / "pelicanconf.py"))["PLUGINS"]
    for later in ("prompt_cards", "reading_aids", "search_index", "site_meta"):
        assert plugins.index("compact_bodies") < plugins.index(later)


def test_the_memo_of_the_bodies_as_shown_keeps_them_packed_and_gives_them_back_whole():
    pack_memo()
    memo = memoized_get_content().cache
    assert getattr(memo, "packs_text", False)
    pack_memo()  # once a process
    assert memoized_get_content().cache is memo
    post, original = article(), article()
    compact(post)
    for siteurl in ("", "https://example.org"):
        shown = post.get_content(siteurl)
        assert shown == original.get_content(siteurl)
        assert type(dict.get(memo, (post, siteurl))) is bytes  # kept packed
        assert post.get_content(siteurl) == shown  # read from the memo, whole
    # The search index's documents share the memo's bytes instead of packing a copy.
    assert packed_body_as_shown(post, "") is dict.get(memo, (post, ""))
    assert unpack(packed_body_as_shown(post, "")) == post.get_content("")


def test_a_packed_memo_keeps_what_is_not_text_as_it_is():
    memo = PackedMemo()
    memo["empty"], memo["none"], memo["text"] = "", None, "Tea «café» 💬"
    assert memo["empty"] == ""
    assert memo["none"] is None
    assert memo["text"] == "Tea «café» 💬"
    assert memo.get("missing", 7) == 7
    assert memo.get("text") == "Tea «café» 💬"
    assert dict.get(memo, "text") == pack("Tea «café» 💬")
    assert PackedMemo({"kept": "as it was"})["kept"] == "as it was"  # from Pelican's dict


def shares_its_keys(obj):
    """Whether `obj`'s attributes are kept in its class's shared table of names: its
    values alone, smaller than a dict of its own holding the same."""
    return sys.getsizeof(vars(obj)) < sys.getsizeof(dict(vars(obj)))


def test_names_put_in_the_table_first_stay_shared_once_articles_are_many():
    class Post(Article):  # a class of its own: a fresh table, whatever the tests made
        pass

    share_keys(Post, ARTICLE_ATTRIBUTES)
    settings = {**DEFAULT_CONFIG, "SITEURL": ""}
    posts = [
        Post(
            BODY,
            metadata={"title": f"Post {n}", "date": datetime.datetime(2026, 1, 1)},
            settings=settings,
            context={"generated_content": {}, "static_content": {}},
        )
        for n in range(300)
    ]
    for post in posts:
        compact(post)
        for name in ARTICLE_ATTRIBUTES[1:]:
            setattr(post, name, None)
    assert all(shares_its_keys(post) for post in posts)


# Run in the build's own process: at the end, every article's attribute names and
# whether they are kept in the shared table.
PROBE = """
import gc, json, sys
from pelican import signals
from pelican.contents import Article
from sitetools.build import main
found = {}
def probe(_pelican):
    articles = [o for o in gc.get_objects() if type(o) is Article]
    found["names"] = sorted({name for a in articles for name in vars(a)})
    found["shared"] = sum(sys.getsizeof(vars(a)) < sys.getsizeof(dict(vars(a))) for a in articles)
    found["articles"] = len(articles)
    print("PROBE" + json.dumps(found), flush=True)  # the build may leave with os._exit
signals.finalized.connect(probe)
sys.exit(main(sys.argv[1:]))
"""


def test_a_builds_articles_share_their_table_of_attribute_names(tmp_path):
    """The names the plugins give articles are ARTICLE_ATTRIBUTES (put in the table
    before any article is made), so every article of a real build keeps its attributes
    in the shared table: a plugin giving articles more names than the table has room
    for fails here. (An article with more metadata than the corpus', `Modified:` say,
    has a table of its own: the shared one is full.)"""
    content = tmp_path / "corpus"  # articles with the same metadata, as a large site's
    write_corpus(content, 40)
    command = build_command(tmp_path / "output", "pelicanconf.py", content)
    command[1:3] = ["-c", PROBE]  # the same build, with the probe connected first
    built = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    found = json.loads(built.stdout.split("PROBE", 1)[1].splitlines()[0])
    assert found["articles"] == 40
    assert set(ARTICLE_ATTRIBUTES) - {"_get_content"} <= set(found["names"])
    assert found["shared"] == found["articles"], f"attribute names: {found['names']}"
