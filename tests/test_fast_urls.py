"""plugins/fast_urls changes how often URLs are worked out, never what comes out."""

import json
import shutil

import pytest
from pelican.contents import Content
from pelican.settings import read_settings

from bench.corpus import write_corpus
from plugins import fast_urls
from tests.sitebuild import ROOT, output_tree, run_build


@pytest.mark.parametrize("settings", ["pelicanconf.py", "publishconf.py"])
def test_the_built_site_is_byte_identical_with_and_without_the_plugin(tmp_path, settings):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    write_corpus(tmp_path / "corpus", 12)
    for article in (tmp_path / "corpus").glob("*.md"):
        shutil.copy(article, content / article.name)
    plugins = read_settings(str(ROOT / settings))["PLUGINS"]
    assert "fast_urls" in plugins
    without = [name for name in plugins if name != "fast_urls"]
    env = {"SITE_URL": "https://example.org", "SITE_ALLOW_PLACEHOLDERS": "1"}
    outputs = {}
    for name, extra in (("fast", ()), ("stock", ("--set", f"PLUGINS={json.dumps(without)}"))):
        outputs[name] = tmp_path / name / "output"
        extra = (*extra, "--set", "SEARCH_INDEX_ENABLED=false")
        result = run_build(outputs[name], settings=settings, content=content, env=env, extra=extra)
        assert result.returncode == 0, result.stdout + result.stderr
    fast, stock = output_tree(outputs["fast"]), output_tree(outputs["stock"])
    assert len(fast) > 100
    assert sorted(fast) == sorted(stock)
    assert [name for name in fast if fast[name] != stock[name]] == []


class Post:
    def __init__(self):
        self.reads = 0


def test_values_are_kept_only_while_pages_are_written():
    calls = []
    original = property(lambda self: calls.append(self) or f"url-{len(calls)}")
    cached = fast_urls.cached_property("url", original)
    post = Post()
    fast_urls.stop_keeping()
    assert cached.fget(post) == "url-1"
    assert cached.fget(post) == "url-2"  # not kept before writing starts
    fast_urls._values = {}
    try:
        assert cached.fget(post) == "url-3"
        assert cached.fget(post) == "url-3"  # kept while writing
    finally:
        fast_urls.stop_keeping()
    assert cached.fget(post) == "url-4"


def test_installing_twice_wraps_once():
    fast_urls.install()
    fast_urls.install()
    assert Content.__dict__["url"].fget.keeps_values
    assert not getattr(Content.__dict__["url"].fget.original.fget, "keeps_values", False)
    relative = Content.__dict__["get_relative_source_path"]
    assert relative.keeps_values
    assert not getattr(relative.original, "keeps_values", False)


class Source:
    def __init__(self, source_path, root):
        self.source_path = source_path
        self.settings = {"PATH": root}


@pytest.mark.parametrize(
    ("source_path", "root", "asked"),
    [
        ("/site/content/post.md", "/site/content", None),
        ("/site/content/2026/11/post.md", "/site/content/", None),
        ("/site/content/../shared/post.md", "/site/content", None),
        ("/elsewhere/post.md", "/site/content", None),
        ("/site/content/post.md", "/site/content", "/site/content/pages/about.md"),
        ("/site/content/post.md", "/site/content", "images/photo.jpg"),
        ("post.md", "content", None),
        (None, "/site/content", None),
    ],
)
def test_relative_source_paths_are_pelicans(source_path, root, asked):
    pelicans = Content.__dict__["get_relative_source_path"]
    pelicans = getattr(pelicans, "original", pelicans)
    remembered = fast_urls.remembered_relative_path(pelicans)
    source = Source(source_path, root)
    expected = pelicans(source, asked)
    assert remembered(source, asked) == expected
    assert remembered(source, asked) == expected  # and again, once remembered


def test_a_relative_source_path_is_worked_out_once_per_path():
    calls = []

    def original(self, source_path=None):
        calls.append(source_path)
        return f"relative:{source_path or self.source_path}"

    remembered = fast_urls.remembered_relative_path(original)
    first, second = Source("/site/content/a.md", "/site/content"), Source("b.md", "content")
    fast_urls._relative_paths.clear()
    assert [remembered(first) for _ in range(3)] == ["relative:/site/content/a.md"] * 3
    assert len(calls) == 1
    assert [remembered(second) for _ in range(2)] == ["relative:b.md"] * 2  # relative: asked
    assert len(calls) == 3
