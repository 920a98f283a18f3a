"""plugins/incremental_output skips unchanged pages and never leaves a page stale.

One site (the real content plus a small benchmark corpus) is built once, then edited
step by step; after each edit it is rebuilt incrementally (output and caches kept) and
every output file is compared byte for byte with a clean build of the same state.
"""

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest

from bench.corpus import write_corpus
from plugins.incremental_output import fingerprint, remove_stale, settings_errors
from plugins.incremental_output.fingerprint import (
    Encoder,
    Unfingerprintable,
    body_digest,
    unrendered_fields,
)
from plugins.incremental_output.writer import (
    NO_BODIES,
    IncrementalWriter,
    PageContext,
    PageRecord,
    context_values,
    load_state,
    pack_records,
    rendered_pieces,
    save_state,
    unpack_records,
)
from tests.sitebuild import ROOT, run_build

NO_SEARCH = ("--set", "SEARCH_INDEX_ENABLED=false")
LASTMOD = re.compile(rb"<lastmod>[^<]*</lastmod>")


def tree(folder):
    files = {str(p.relative_to(folder)): p for p in Path(folder).rglob("*") if p.is_file()}
    return dict(sorted(files.items()))


def read(path):
    data = path.read_bytes()
    # sitemap.xml dates listing pages with the build's own time.
    return LASTMOD.sub(b"", data) if path.name == "sitemap.xml" else data


def assert_same_site(incremental, clean, step):
    built, expected = tree(incremental), tree(clean)
    missing = sorted(set(expected) - set(built))
    # Images are the prompt_cards plugin's, which leaves a deleted article's behind (as
    # Pelican leaves every file); every page this plugin wrote is removed with it.
    extra = sorted(name for name in set(built) - set(expected) if not name.endswith(".png"))
    assert (missing, extra) == ([], []), step
    different = [name for name in expected if read(built[name]) != read(expected[name])]
    assert different == [], step


def mtimes(folder):
    return {name: path.stat().st_mtime_ns for name, path in tree(folder).items()}


class Site:
    """A content folder and theme of our own, built incrementally and from clean."""

    def __init__(self, tmp_path, search=False):
        self.root = tmp_path
        self.content = tmp_path / "content"
        shutil.copytree(ROOT / "content", self.content)
        write_corpus(tmp_path / "corpus", 8)
        for article in sorted((tmp_path / "corpus").glob("*.md")):
            shutil.copy(article, self.content / article.name)
        self.theme = tmp_path / "theme"
        shutil.copytree(ROOT / "theme", self.theme)
        self.images = tmp_path / "image-cache"  # shared: images are not under test here
        self.extra = [
            *(() if search else NO_SEARCH),
            "--set",
            f"THEME={json.dumps(str(self.theme))}",
            "--set",
            f"PROMPT_CARDS_CACHE_PATH={json.dumps(str(self.images))}",
        ]
        self.output = tmp_path / "incremental" / "output"
        self.clean_builds = 0

    def build(self, output):
        result = run_build(output, content=self.content, extra=self.extra)
        assert result.returncode == 0, result.stdout + result.stderr

    def incremental(self):
        self.build(self.output)
        return self.output

    def clean(self):
        self.clean_builds += 1
        output = self.root / f"clean-{self.clean_builds}" / "output"
        self.build(output)
        return output

    def edit(self, name, old, new):
        path = self.content / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


def body_edit(site):
    site.edit("bench-00003.md", "\n## ", "\nA sentence added to the body.\n\n## ")


def title_edit(site):
    site.edit("bench-00002.md", "Title: ", "Title: Retitled: ")


def tag_change(site):
    site.edit("bench-00001.md", "Tags: ", "Tags: newly-tagged, ")


def new_article(site):
    text = (site.content / "bench-00004.md").read_text(encoding="utf-8")
    text = text.replace("Slug: bench-00004", "Slug: bench-new").replace(
        "Question ", "New question "
    )
    (site.content / "bench-new.md").write_text(text.replace("Title: ", "Title: New: "), "utf-8")


def deleted_article(site):
    (site.content / "bench-00005.md").unlink()


def template_change(site):
    footer = site.theme / "templates" / "partials" / "footer.html"
    footer.write_text(footer.read_text(encoding="utf-8") + "<!-- footer edited -->\n", "utf-8")


def settings_change(site):
    site.extra += ["--set", 'SITENAME="Renamed for the test"']


def prompt_card_change(site):
    site.edit("bench-00006.md", "- gentle | ", "- gentle | Reworded: ")


def summary_edit(site):
    site.edit("bench-00007.md", "Summary: ", "Summary: Summarised anew. ")


def no_change(site):
    pass


STEPS = [
    no_change,
    body_edit,
    title_edit,
    tag_change,
    new_article,
    deleted_article,
    template_change,
    settings_change,
    prompt_card_change,
    summary_edit,
]


def test_every_incremental_build_equals_a_clean_build(tmp_path):
    site = Site(tmp_path)
    assert_same_site(site.incremental(), site.clean(), "first build")
    for step in STEPS:
        before = mtimes(site.output)
        step(site)
        output = site.incremental()
        assert_same_site(output, site.clean(), step.__name__)
        after = mtimes(output)
        untouched = [name for name in before if name in after and before[name] == after[name]]
        pages = [name for name in after if name.endswith(".html")]
        if step is no_change:
            assert set(untouched) >= set(pages), "an unchanged site rewrote pages"
        if step is body_edit:
            # Only the edited article's own page shows its body.
            rewritten = sorted(set(pages) - set(untouched))
            assert rewritten == ["bench-00003/index.html"]
        if step in (template_change, settings_change):
            assert not set(untouched) & set(pages), f"{step.__name__} left pages unrendered"


def test_publish_settings_turn_it_off():
    from pelican.settings import read_settings

    assert read_settings(str(ROOT / "pelicanconf.py"))["INCREMENTAL_OUTPUT"] is True
    assert read_settings(str(ROOT / "publishconf.py"))["INCREMENTAL_OUTPUT"] is False


@pytest.mark.parametrize(("value", "errors"), [(True, 0), (False, 0), ("yes", 1), (1, 1)])
def test_the_setting_must_be_a_boolean(value, errors):
    assert len(settings_errors({"INCREMENTAL_OUTPUT": value})) == errors


def test_unknown_values_cannot_be_fingerprinted():
    class Opaque:
        pass

    with pytest.raises(Unfingerprintable):
        Encoder().encode({"key": [Opaque()]})


def test_equal_values_encode_equal_and_different_values_differently():
    encoder = Encoder()
    assert encoder.encode({"a": [1, "1", 1.0, None]}) == Encoder().encode(
        {"a": [1, "1", 1.0, None]}
    )
    values = [1, "1", 1.0, True, None, [1], (1,), {"1": 1}, {1}, b"1"]
    assert len({encoder.encode(value) for value in values}) == len(values)


def test_a_dataclass_encodes_its_rendered_fields_the_same_each_time():
    from plugins.prompt_cards.parse import Card

    card = Card(text="Ask?", level="gentle", theme="us", slug="ask", line=3)
    moved = dataclasses.replace(card, line=30)
    edited = dataclasses.replace(card, text="Ask again?")
    encoder = Encoder(unrendered_fields([]))
    assert encoder.encode(card, remember=False) == encoder.encode(moved, remember=False)
    assert encoder.encode(card, remember=False) != encoder.encode(edited, remember=False)
    assert "line" not in encoder.encode(card, remember=False)
    assert "line:3" in Encoder(frozenset()).encode(card)  # a template that shows it


def test_a_packed_body_is_fingerprinted_by_what_it_packs():
    class Post:
        def __init__(self, body, packed):
            if packed:  # the class the fingerprint module knows, however it was imported
                self._get_content = fingerprint.PackedBody(body)
            else:
                self._content = body

    body = "<p>One body, 💬 & more</p>" * 50
    assert body_digest(Post(body, True)).startswith("P")  # its packed bytes
    assert not body_digest(Post(body, False)).startswith("P")
    assert body_digest(Post(body, True)) == body_digest(Post(body, True))
    assert body_digest(Post(body, True)) != body_digest(Post(body + " ", True))
    assert body_digest(Post(body, False)) == body_digest(Post(body, False))
    assert body_digest(Post(body, False)) != body_digest(Post(body + " ", False))


@pytest.mark.parametrize(
    ("source", "left_out"),
    [
        ("{{ article.title }} A crisis line, a crisis-line", True),
        ("{{ article.word_count }} words", False),
        ("{{ cards|sort(attribute='line') }}", False),
        ('{{ card["line"] }}', False),
    ],
)
def test_a_field_a_template_names_is_fingerprinted(source, left_out):
    fields = unrendered_fields([source])
    name = "word_count" if "word_count" in source else "line"
    assert (name in fields) == left_out


def test_stale_pages_are_removed_only_when_untouched(tmp_path):
    (tmp_path / "gone" / "deep").mkdir(parents=True)
    gone = tmp_path / "gone" / "deep" / "index.html"
    gone.write_text("old")
    kept = tmp_path / "kept.html"
    kept.write_text("edited by hand since")
    stamp = (gone.stat().st_size, gone.stat().st_mtime_ns)
    previous = {
        "gone/deep/index.html": PageRecord("", stamp, (), NO_BODIES),
        "kept.html": PageRecord("", (0, 0), (), NO_BODIES),
    }
    removed = remove_stale(str(tmp_path), previous, {}, set())
    assert removed == ["gone/deep/index.html"]
    assert not (tmp_path / "gone").exists()
    assert kept.exists()


def test_the_speed_settings_change_no_output(tmp_path):
    """INCREMENTAL_OUTPUT and Jinja's auto_reload off: the same site as without them."""
    from pelican.settings import read_settings

    site = Site(tmp_path)
    jinja = dict(read_settings(str(ROOT / "pelicanconf.py"))["JINJA_ENVIRONMENT"])
    assert jinja["auto_reload"] is False
    fast = site.clean()
    site.extra += [
        *("--set", "INCREMENTAL_OUTPUT=false"),
        *("--set", f"JINJA_ENVIRONMENT={json.dumps({**jinja, 'auto_reload': True})}"),
    ]
    assert_same_site(fast, site.clean(), "speed settings")


def test_the_search_index_is_kept_only_while_no_page_changed(tmp_path):
    site = Site(tmp_path, search=True)
    output = site.incremental()
    bundle = mtimes(output / "pagefind")
    assert bundle
    assert mtimes(site.incremental() / "pagefind") == bundle  # nothing changed: kept
    for step in (body_edit, deleted_article):
        step(site)
        output = site.incremental()
        assert mtimes(output / "pagefind") != bundle, step.__name__
        assert_same_site(output, site.clean(), step.__name__)  # the index included
        bundle = mtimes(output / "pagefind")


def test_a_function_is_fingerprinted_with_what_it_closes_over():
    def make(value):
        def function():
            return value

        return function

    encoder = Encoder()
    assert encoder.encode(make("a")) == Encoder().encode(make("a"))
    assert encoder.encode(make("a")) != encoder.encode(make("b"))


def test_values_met_once_encode_alike_without_being_remembered():
    """An article's own attributes are encoded once (Encoder.own): the containers in
    them are looked up among those remembered, and not kept once they are encoded."""
    shared = ["remembered from the context"]
    attributes = {"tags": ["a", "b"], "shared": shared, "dates": ({"y": 2026}, (1, 2))}
    expected = Encoder().encode_with_refs(attributes, remember=False)
    encoder = Encoder()
    encoder.encode(shared)
    remembered = dict(encoder._memo)
    assert encoder.encode_with_refs(attributes, remember=False, keep_nested=False) == expected
    assert encoder._memo == remembered
    encoder.encode_with_refs(attributes, remember=False)
    assert len(encoder._memo) == len(remembered) + 4  # the two lists, the dict, the tuple


def test_a_value_containing_itself_cannot_be_fingerprinted():
    loop = []
    loop.append(loop)
    with pytest.raises(Unfingerprintable):
        Encoder().encode(loop)


def test_pages_share_one_copy_of_the_context_while_it_does_not_change():
    writer = IncrementalWriter(writer=None, site_code="", previous={})
    context = {"SITENAME": "Site", "articles": [1], "last": None}

    def copy():
        return writer._shared_copy(context, context_values(context))

    first = copy()
    assert first == context
    assert first is not context
    assert copy() is first
    context["articles"] = [2]  # a value replaced
    second = copy()
    assert second is not first
    assert (second["articles"], first["articles"]) == ([2], [1])
    context["more"] = None  # a key added
    third = copy()
    assert third is not second
    assert "more" in third
    del context["more"]
    context["other"] = None  # the last key replaced, by a key with the same value
    assert copy() is not third


def test_a_page_context_is_the_one_pelicans_writer_makes():
    context = {"SITEURL": "", "SITENAME": "Site", "localsiteurl": "", "article": None}
    own = {"localsiteurl": "", "output_file": "a/index.html", "article": "A", "extra": 1}
    pelicans = context.copy()  # pelican.writers.Writer.write_file's _get_localcontext
    pelicans["localsiteurl"] = pelicans.get("localsiteurl", None)
    pelicans["output_file"] = "a/index.html"
    pelicans.update({"article": "A", "extra": 1})
    full = PageContext(context.copy(), own).full()
    assert full == pelicans
    assert list(full) == list(pelicans)  # the same order, as templates iterate it


def test_the_record_reads_back_as_written_and_a_malformed_one_as_none(tmp_path):
    state = tmp_path / "incremental_output.json"
    pages = {
        "a/index.html": PageRecord("f1", (12, 34), ("content/a.md",), "b1"),
        "tags/index.html": PageRecord("f2", (5, 6), (), NO_BODIES),
    }
    save_state(state, "/site/output", [pages])
    assert load_state(state) == {"/site/output": pages}
    first, second = dict(list(pages.items())[:1]), dict(list(pages.items())[1:])
    save_state(state, "/site/output", [{}, first, {}, second])  # a batch per process
    assert load_state(state) == {"/site/output": pages}
    assert unpack_records(pack_records(pages)) == pages
    many = {f"p{n}/index.html": PageRecord(f"f{n}", (n, n), (), NO_BODIES) for n in range(2500)}
    save_state(state, "/site/output", [pages, many])  # written a thousand records at a time
    assert load_state(state) == {"/site/output": {**pages, **many}}
    state.write_text(json.dumps({"version": 2, "pages": {"/site/output": {"a": [1, 2]}}}))
    assert load_state(state) == {}


def test_a_page_is_rendered_in_few_pieces_that_join_to_what_render_gives():
    """A long page (the deck of every prompt card) is kept as a few joined pieces, not
    as the many short strings Jinja makes; written one after another they are the page."""
    from jinja2 import Environment

    template = Environment(autoescape=True).from_string(
        "<ul>{% for n in items %}<li>{{ n }} &amp; {{ n * 2 }}</li>{% endfor %}</ul>"
    )
    context = {"items": list(range(1000))}
    pieces = rendered_pieces(template, context, batch=100)
    assert "".join(pieces) == template.render(context)
    assert 10 <= len(pieces) <= 60  # ~5,000 chunks, 100 at a time
    assert rendered_pieces(template, {"items": []}, batch=100) == ["<ul></ul>"]


def test_an_error_while_rendering_pieces_names_the_template_line_as_render_does(tmp_path):
    import traceback

    from jinja2 import Environment, FileSystemLoader

    (tmp_path / "broken.html").write_text("<p>fine</p>\n{{ 1 // zero }}")
    template = Environment(loader=FileSystemLoader(tmp_path)).get_template("broken.html")
    with pytest.raises(ZeroDivisionError) as raised:
        rendered_pieces(template, {"zero": 0})
    frames = traceback.extract_tb(raised.value.__traceback__)
    assert (frames[-1].filename, frames[-1].lineno) == (str(tmp_path / "broken.html"), 2)
