"""plugins/compact_bodies changes how bodies are kept in memory, never what comes out."""

import datetime
from types import SimpleNamespace

import pytest
from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG, read_settings

from plugins.compact_bodies import PackedBody, compact, compact_read, pack_memo
from plugins.content_body import (
    PackedMemo,
    memoized_get_content,
    pack,
    packed_body_as_shown,
    unpack,
)
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
