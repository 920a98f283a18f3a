"""plugins/compact_bodies changes how bodies are kept in memory, never what comes out."""

import datetime
from types import SimpleNamespace

import pytest
from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG, read_settings

from plugins.compact_bodies import CompressedBody, compact, compact_read
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
    assert isinstance(first._get_content, CompressedBody)
    assert second._get_content() == "<p>Second</p>"
    compact_read(generator)  # the pages generator's turn: the articles' stay as they are
    assert first._get_content() == BODY


def test_the_plugin_comes_before_those_that_use_memory_once_the_articles_are_read():
    """Its receivers run first, so the cards, reading aids and search documents reuse
    the memory the bodies leave (Pelican calls receivers in the order plugins register)."""
    plugins = read_settings(str(ROOT / "pelicanconf.py"))["PLUGINS"]
    for later in ("prompt_cards", "reading_aids", "search_index", "site_meta"):
        assert plugins.index("compact_bodies") < plugins.index(later)
