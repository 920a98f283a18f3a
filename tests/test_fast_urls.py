"""plugins/fast_urls changes how often URLs are worked out, never what comes out."""

import pytest
from pelican.contents import Content

from plugins import fast_urls
from tests.sitebuild import assert_same_site_without, content_with_corpus


@pytest.mark.parametrize("settings", ["pelicanconf.py", "publishconf.py"])
def test_the_built_site_is_byte_identical_with_and_without_the_plugin(tmp_path, settings):
    content = content_with_corpus(tmp_path, 12)
    extra = ("--set", "SEARCH_INDEX_ENABLED=false")
    assert assert_same_site_without(tmp_path, "fast_urls", content, settings, extra) > 100


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


def test_a_tags_url_is_formatted_without_adding_to_its_attributes():
    from pelican.settings import DEFAULT_CONFIG
    from pelican.urlwrappers import Tag

    fast_urls.install()
    tag = Tag("Quiet Trust", {**DEFAULT_CONFIG, "TAG_URL": "tag/{slug}/{name}/"})
    names = set(vars(tag))
    fields = tag.as_dict()
    assert fields == {**vars(tag), "name": "Quiet Trust", "slug": "quiet-trust"}
    assert tag.url == "tag/quiet-trust/Quiet Trust/"
    assert set(vars(tag)) == names  # Pelican's slug is kept in _slug, as before


@pytest.mark.parametrize(
    ("value", "options"),
    [
        ("Quiet Trust", {}),
        ("Quiet Trust", {"preserve_case": True}),
        ("Étoile & Co", {"use_unicode": True}),
        ("Étoile & Co", {}),
        ("C++ tips", {"regex_subs": [(r"\+", "plus"), (r"[^\w\s-]", ""), (r"[-\s]+", "-")]}),
        ("   ", {}),
    ],
)
def test_slugs_are_pelicans(value, options):
    from pelican.utils import slugify

    remembered = fast_urls.remembered_slugify(slugify)
    assert remembered(value, **options) == slugify(value, **options)
    assert remembered(value, **options) == slugify(value, **options)  # and remembered


def test_a_slug_is_worked_out_once_per_value_and_options():
    calls = []

    def original(value, regex_subs=(), preserve_case=False, use_unicode=False):
        calls.append(value)
        return value.lower()

    remembered = fast_urls.remembered_slugify(original)
    subs = [["a", "b"]]  # as settings hold them: lists
    assert [remembered("Trust", subs) for _ in range(3)] == ["trust"] * 3
    assert remembered("Trust", subs, preserve_case=True) == "trust"
    assert remembered("Trust", [[{}, "b"]]) == "trust"  # unhashable: not remembered
    assert remembered("Trust", [[{}, "b"]]) == "trust"
    assert calls == ["Trust"] * 4


def test_urlwrappers_slugify_is_wrapped_once():
    import pelican.urlwrappers

    fast_urls.install()
    fast_urls.install()
    assert pelican.urlwrappers.slugify.keeps_values
    assert not getattr(pelican.urlwrappers.slugify.original, "keeps_values", False)
