"""Search index: the bundle plugins/search_index builds from the articles is the one the
Pagefind CLI builds from the written pages, and failures say what to do."""

import datetime
import os
import re
import shutil
import subprocess
import sys

import pytest
from PIL import Image

import plugins.search_index
from plugins.content_body import pack, unpack
from plugins.search_index import (
    BUNDLE_DIR,
    Document,
    PagefindRun,
    SearchIndex,
    SearchIndexError,
    kept_paths,
    marks_search_body,
    page_url,
    search_document,
    shard_documents,
    unchanged_prefix,
)
from tests.pagefind_reader import Bundle, cli_command
from tests.sitebuild import content_with, parse, run_build

FIXTURES = (
    "discovery/hostile.md",
    "discovery/long-read.md",
    "discovery/short-headings.md",
    "discovery/draft.md",
    "search/pictured.md",
    "search/hidden.md",
)


def site_content(tmp_path):
    content = content_with(tmp_path, *FIXTURES)
    (content / "images").mkdir(exist_ok=True)
    for name in ("long-read-card.png", "search-chairs.png"):
        Image.new("RGB", (600, 315), "#7a3e48").save(content / "images" / name)
    return content


def cli_bundle(output):
    """Index the written pages with the Pagefind CLI, as the build once did."""
    subprocess.run(
        cli_command(output, "pagefind-cli"), check=True, capture_output=True, timeout=300
    )
    return Bundle(output / "pagefind-cli")


def word_urls(bundle):
    urls = [fragment["url"] for fragment in bundle.fragments()]
    return {word: sorted(urls[n] for n in pages) for word, pages in bundle.words().items()}


def bundle_files(bundle):
    """The bundle's file names; the metadata and word-index files are named by a hash
    of their content, which holds the pages' order: only their number is compared."""
    names = [path.relative_to(bundle.dir).as_posix() for path in bundle.dir.rglob("*")]
    hashed = [name for name in names if name.endswith((".pf_meta", ".pf_index"))]
    return sorted(set(names) - set(hashed)), len(hashed)


@pytest.mark.parametrize("relative_urls", [False, True])
def test_the_index_is_the_one_pagefind_builds_from_the_written_pages(tmp_path, relative_urls):
    output = tmp_path / "output"
    extra = ["--set", f"RELATIVE_URLS={'true' if relative_urls else 'false'}"]
    result = run_build(output, content=site_content(tmp_path), extra=extra)
    assert result.returncode == 0, result.stdout + result.stderr
    ours, cli = Bundle(output / BUNDLE_DIR), cli_bundle(output)
    assert ours.entry["languages"] == {
        "en": {**cli.entry["languages"]["en"], "hash": ours.entry["languages"]["en"]["hash"]}
    }
    by_url = {fragment["url"]: fragment for fragment in ours.fragments()}
    assert by_url == {fragment["url"]: fragment for fragment in cli.fragments()}
    assert word_urls(ours) == word_urls(cli)
    assert bundle_files(ours) == bundle_files(cli)
    # What the comparison covers: escaped titles, a picture, anchors, ignored elements.
    pictured = by_url["/pictured-words/"]
    assert pictured["meta"]["title"] == 'Pictured & <Quoted> "Words"'
    # The picture's {static} link resolved, in the index and on the page, without a
    # warning (the reading aids once had Pelican resolve it before the static files
    # were known: the page showed "{static}/images/...").
    picture = "../images/search-chairs.png" if relative_urls else "/images/search-chairs.png"
    assert pictured["meta"]["image"] == picture
    page = parse(output / "pictured-words" / "index.html")
    assert [img["src"] for img in page.select(".post__body img")] == [picture]
    assert "Unable to find" not in result.stdout + result.stderr
    assert pictured["anchors"]
    assert ours.search("zanzibar") == ["/pictured-words/"]
    assert ours.search("quixot") == []
    assert ours.search("xylophon") == []  # hidden article
    assert ours.search("zeppel") == []  # draft


def write_note(content, name, day, body, mtime_ns):
    path = content / f"{name}.md"
    path.write_text(
        f"Title: {name.title()} Note\nDate: 2024-05-{day:02d} 10:00\nCategory: Relationships\n"
        f"Slug: {name}-note\nSummary: A note.\n\n{body}\n",
        encoding="utf-8",
    )
    os.utime(path, ns=(mtime_ns, mtime_ns))


def noted_site(tmp_path):
    """The real content and three notes, in index order: The Ingredients, "first"
    (links to "second" and a tag), "paged" (links to a page), "second"."""
    content = content_with(tmp_path)
    base = 1_700_000_000 * 10**9
    os.utime(content / "the-ingredients.md", ns=(base, base))
    notes = [
        ("first", "See [the second]({filename}second.md), [trust]({tag}trust)."),
        ("paged", "See [the about page]({filename}pages/about.md)."),
        ("second", "A second note, about marmalade."),
    ]
    for day, (name, body) in enumerate(notes, start=1):
        write_note(content, name, day, body, base + day * 10**9)
    return content


def debug_build(output, content, extra=()):
    """Build with --debug; the log's lines as one, without the column of code locations
    they are printed with."""
    result = run_build(output, content=content, extra=["--debug", *extra])
    assert result.returncode == 0, result.stdout + result.stderr
    return " ".join(re.sub(r"\S+\.py:\d+", "", result.stdout + result.stderr).split())


def test_pagefind_starts_once_the_articles_are_read_on_those_shown_as_read(tmp_path):
    """Once the articles are read, Pagefind is handed them in index order up to the
    first whose body may show otherwise when the pages are read (here one linking to a
    page); the rest at all_generators_finalized. The bundle is still the CLI's, and the
    link to the page is resolved."""
    output = tmp_path / "output"
    logged = debug_build(output, noted_site(tmp_path))
    assert "search_index: pagefind: Pagefind has 2 of 4 article(s) once they are read" in logged
    assert "Unable to find" not in logged
    ours, cli = Bundle(output / BUNDLE_DIR), cli_bundle(output)
    by_url = {fragment["url"]: fragment for fragment in ours.fragments()}
    assert by_url == {fragment["url"]: fragment for fragment in cli.fragments()}
    assert word_urls(ours) == word_urls(cli)
    assert ours.search("marmalad") == ["/second-note/"]
    links = parse(output / "paged-note" / "index.html").select(".post__body a")
    assert [a["href"] for a in links] == ["/about/"]
    links = parse(output / "first-note" / "index.html").select(".post__body a")
    assert [a["href"] for a in links] == ["/second-note/", "/tag/trust/"]


@pytest.mark.parametrize(("size", "early"), [(2, ["pagefind", "pagefind-1"]), (1, ["pagefind"])])
def test_every_shard_starts_early_only_when_each_has_a_pagefind_process(tmp_path, size, early):
    """Two shards, two Pagefind processes: both begin once the articles are read. Three
    (four, one empty): the first only (the others would wait for a process, holding
    their bodies)."""
    output = tmp_path / "output"
    logged = debug_build(output, noted_site(tmp_path), ["--set", f"SEARCH_INDEX_SHARD_SIZE={size}"])
    begun = re.findall(r"search_index: (pagefind(?:-\d+)?): Pagefind has \d+ of", logged)
    assert begun == early
    pages = bundle_pages(output)
    assert len(pages) == (2 if size == 2 else 3)
    assert sorted(url for urls in pages.values() for url in urls) == sorted(
        ["/the-ingredients/", "/first-note/", "/paged-note/", "/second-note/"]
    )


def test_a_body_is_shown_as_read_when_its_links_resolve_from_what_is_read(tmp_path):
    from pelican.contents import Article
    from pelican.settings import DEFAULT_CONFIG

    from plugins.content_body import shown_once_read

    settings = {**DEFAULT_CONFIG, "PATH": str(tmp_path)}
    context = {"generated_content": {}, "static_content": {}, "localsiteurl": ""}

    def article(name, body):
        metadata = {"title": name, "date": datetime.datetime(2024, 5, 1)}
        made = Article(body, metadata, settings, str(tmp_path / name), context)
        context["generated_content"][name] = made
        return made

    article("read.md", "<p>Read already.</p>")
    cases = {
        "<p>No links.</p>": True,
        "": True,
        '<a href="https://example.org/">out</a>': True,
        '<a href="{filename}read.md">': True,
        '<a href="{filename}/read.md#part">': True,
        '<a href="{tag}love"> <a href="{category}x"> <a href="{author}y"> <a href="{index}">': True,
        '<a href="{filename}pages/about.md">': False,  # a page: read after the articles
        '<img src="{static}/images/x.png">': False,  # static files: after the pages
        '<a href="{attach}x.pdf">': False,
        '<a href="{filename}read%2Emd">': False,  # found only unquoted: Pelican's 2nd try
        '<a href="{unknown}x">': False,
    }
    for body, expected in cases.items():
        assert shown_once_read(article("case.md", body)) is expected, body


def test_a_failing_pagefind_fails_the_build_with_the_way_out(tmp_path):
    output = tmp_path / "output"
    result = run_build(output, env={"PAGEFIND_BINARY_PATH": "/bin/false"})
    assert result.returncode == 1
    assert "Pagefind could not index the articles" in result.stderr
    assert "Set SEARCH_INDEX_ENABLED = False to build without search." in result.stderr


def test_the_pagefind_binary_is_the_pinned_one_unless_configured(monkeypatch, tmp_path):
    monkeypatch.delenv("PAGEFIND_BINARY_PATH", raising=False)
    pinned = plugins.search_index.pagefind_executable()
    assert pinned.is_file()
    assert pinned.parent.name == "pagefind_bin"
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "pagefind"))
    assert plugins.search_index.pagefind_executable() == tmp_path / "pagefind"
    monkeypatch.delenv("PAGEFIND_BINARY_PATH")
    monkeypatch.setitem(sys.modules, "pagefind_bin", None)  # not installed
    assert plugins.search_index.pagefind_executable() is None
    with pytest.raises(SearchIndexError, match=r"not installed \(pip: pagefind\[bin\]\)"):
        PagefindRun(tmp_path / "bundle").finish()


@pytest.mark.parametrize(
    ("save_as", "url"),
    [
        ("the-ingredients/index.html", "/the-ingredients/"),
        ("2024/notes.html", "/2024/notes.html"),
        ("index.html", "/"),  # the home page
    ],
)
def test_page_url_is_the_one_pagefind_records(save_as, url):
    assert page_url(save_as) == url


def test_search_document_holds_the_marked_title_and_body():
    html = search_document("A <b> & c", "<p>Body</p>", "en")
    assert '<html lang="en">' in html
    assert '<h1 class="post__title" data-pagefind-body>A &lt;b&gt; &amp; c</h1>' in html
    assert "<p>Body</p>" in html


def test_only_templates_with_the_mark_are_indexed():
    from jinja2 import Environment, FileSystemLoader, FunctionLoader

    from sitetools.build import ROOT

    theme = Environment(loader=FileSystemLoader(ROOT / "theme" / "templates"))
    assert marks_search_body(theme, "article")
    assert not marks_search_body(theme, "page")
    custom = {
        "child.html": '{% extends "article.html" %}',
        "plain.html": '{% extends "base.html" %}',
        "base.html": "<html></html>",
        "article.html": '{% extends "base.html" %}<h1 data-pagefind-body></h1>',
    }
    env = Environment(loader=FunctionLoader(lambda name: custom[name]))
    assert marks_search_body(env, "child")
    assert not marks_search_body(env, "plain")


def text_document(source, stamp, url, title, body, lang):
    """A Document whose body is given as text (Documents keep it packed)."""
    return Document(source, stamp, url, title, pack(body), lang)


def stamped(source, mtime, url="/x/", body="<p>x</p>"):
    return text_document(source, (mtime, 10), url, "X", body, "en")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ({"a": (1, 10), "b": (2, 10), "c": (3, 10)}, ["a", "b", "c"]),  # nothing changed
        ({"a": (1, 10), "b": None, "c": (3, 10)}, ["a"]),  # b deleted, nothing else
        ({"a": (1, 10), "b": (2, 10), "c": (9, 10)}, ["a", "b"]),  # the last one edited
        ({"a": (1, 10), "b": (9, 10), "c": (3, 10)}, ["a"]),  # c now sorts before b
        ({"a": (1, 10), "b": (2, 10), "c": (3, 11)}, ["a", "b"]),  # same mtime, new size
        ({"a": (1, 10), "b": None, "c": (9, 10)}, ["a"]),  # b deleted
        ({"a": (1, 10), "b": (2, 10), "c": (0, 10)}, []),  # c edited, its mtime set back
    ],
)
def test_the_unchanged_articles_indexed_first(now, expected):
    previous = [stamped("a", 1), stamped("b", 2), stamped("c", 3)]
    assert [document.source for document in unchanged_prefix(previous, now)] == expected


def test_a_site_up_to_the_shard_size_has_one_bundle():
    documents = [stamped(f"{n}.md", n, f"/post-{n}/") for n in range(4)]
    assert shard_documents(documents, 4) == {BUNDLE_DIR: documents}
    assert shard_documents([], 4) == {BUNDLE_DIR: []}


def test_each_article_stays_in_the_shard_its_url_hashes_to():
    documents = [stamped(f"{n}.md", n, f"/post-{n}/") for n in range(40)]
    shards = shard_documents(documents, 10)  # 4 shards
    assert set(shards) <= {"pagefind", "pagefind-1", "pagefind-2", "pagefind-3"}
    assert len(shards) > 1
    assert sorted(d.url for shard in shards.values() for d in shard) == sorted(
        d.url for d in documents
    )
    for shard in shards.values():  # index order (mtime) within each shard
        assert shard == sorted(shard, key=lambda document: document.stamp[0])
    # An edited article moves last in index order; with the same number of shards every
    # article keeps its shard, so only the edited one's bundle changes.
    edited = [*documents[:7], *documents[8:], documents[7]._replace(stamp=(99, 10))]
    again = shard_documents(edited, 10)
    changed = {name for name in shards if shards[name] != again[name]}
    assert len(changed) == 1
    assert documents[7].url in [d.url for d in shards[changed.pop()]]


def test_pagefind_yields_the_cores_only_while_the_whole_site_is_written(tmp_path, monkeypatch):
    lowered = []  # the processes whose priority was lowered
    monkeypatch.setattr(plugins.search_index, "lower_priority", lowered.append)
    settings, output = {"CACHE_PATH": str(tmp_path / "cache")}, tmp_path / "output"
    body = "<p>Toast and marmalade.</p>"
    document = text_document(str(tmp_path / "a.md"), (1, 10), "/a/", "Marmalade", body, "en")

    first = SearchIndex(settings, output)  # no bundle in the output: every page is written
    assert first.low_priority
    first.start([document])
    first.finish()
    assert len(lowered) == 1
    assert Bundle(output / BUNDLE_DIR).search("marmalad") == ["/a/"]

    rebuild = SearchIndex(settings, output)  # the output holds a bundle: a few pages
    assert not rebuild.low_priority
    rebuild.start([document._replace(body=pack(body.replace("Toast", "Bread")))])
    rebuild.finish()
    assert len(lowered) == 1  # Pagefind ran again, at the build's own priority
    assert Bundle(output / BUNDLE_DIR).search("bread") == ["/a/"]

    run = PagefindRun(tmp_path / "elsewhere")  # by default: lower
    run.add([document], last=True)
    assert run.finish() == 1
    assert len(lowered) == 2


def test_a_record_of_another_shape_is_ignored_and_the_documents_kept_whole(tmp_path):
    import pickle

    settings, output = {"CACHE_PATH": str(tmp_path / "cache")}, tmp_path / "output"
    state_path, _copy = kept_paths(settings["CACHE_PATH"], BUNDLE_DIR)
    state_path.parent.mkdir(parents=True)
    older = {
        "site": str(output),
        "digest": "d",
        "bundle": None,
        "documents": [("a", (1, 2), "/a/", "<p>")],
    }
    state_path.write_bytes(pickle.dumps(older))
    assert SearchIndex(settings, output).previous == {}  # an older build's: started afresh
    unpacked = {  # the format before the bodies were kept packed: bodies as text
        "site": str(output),
        "digest": "d",
        "bundle": None,
        "documents": [(str(tmp_path / "a.md"), (1, 10), "/a/", "Marmalade", "<p>", "en")],
    }
    state_path.write_bytes(pickle.dumps(unpacked))
    assert SearchIndex(settings, output).previous == {}

    body = "<p>Toast and marmalade.</p>"
    document = text_document(str(tmp_path / "a.md"), (1, 10), "/a/", "Marmalade", body, "en")
    index = SearchIndex(settings, output)
    index.start([document])
    index.finish()
    assert SearchIndex(settings, output).previous["documents"] == [document]
    assert document.html == search_document("Marmalade", body, "en")
    assert unpack(document.body) == body


def test_a_run_waiting_for_a_free_slot_can_be_abandoned_and_then_runs_in_turn(tmp_path):
    import time

    slots = plugins.search_index._PAGEFIND_SLOTS
    body = "<p>Toast and marmalade.</p>"
    document = text_document(str(tmp_path / "a.md"), (1, 10), "/a/", "Marmalade", body, "en")
    slots.acquire()
    slots.acquire()  # two other runs hold both slots
    try:
        waiting = PagefindRun(tmp_path / "abandoned")
        waiting.add([document], last=True)
        started = time.monotonic()
        waiting.abandon()  # returns although no slot came free
        assert time.monotonic() - started < 5
        queued = PagefindRun(tmp_path / "queued")
        queued.add([document], last=True)
    finally:
        slots.release()
        slots.release()
    assert queued.finish() == 1  # it ran once a slot came free
    assert not (tmp_path / "abandoned").exists()


def bundle_bytes(output):
    bundle = output / BUNDLE_DIR
    return {
        path.relative_to(bundle).as_posix(): path.read_bytes()
        for path in sorted(bundle.rglob("*"))
        if path.is_file()
    }


def test_a_rebuild_indexes_what_a_clean_build_indexes(tmp_path):
    """After an edit Pagefind starts early on the unchanged articles; when those turn
    out to be indexed differently (here every URL changed), it starts again."""
    content = site_content(tmp_path)
    output, clean = tmp_path / "output", tmp_path / "clean" / "output"
    assert run_build(output, content=content).returncode == 0
    article = content / "pictured.md"
    steps = [
        ("body edited", [], "\nA new closing line about marmalade.\n"),
        ("URLs changed", ["--set", 'ARTICLE_SAVE_AS="posts/{slug}.html"'], "\nMore.\n"),
    ]
    for step, extra, addition in steps:
        article.write_text(article.read_text(encoding="utf-8") + addition, encoding="utf-8")
        result = run_build(output, content=content, extra=extra)
        assert result.returncode == 0, result.stderr
        shutil.rmtree(clean.parent, ignore_errors=True)
        assert run_build(clean, content=content, extra=extra).returncode == 0
        assert bundle_bytes(output) == bundle_bytes(clean), step
    assert Bundle(output / BUNDLE_DIR).search("marmalad") == ["/posts/pictured-words.html"]


def test_the_bundle_is_updated_in_place_writing_only_what_changed(tmp_path):
    from plugins.search_index import ENTRY_FILE, SearchIndexError, write_bundle

    def files(contents):
        return [{"path": path, "content": data} for path, data in contents.items()]

    bundle = tmp_path / "pagefind"
    first = {ENTRY_FILE: b'{"v": 1}', "fragment/en_a.pf_fragment": b"a", "pagefind.js": b"js"}
    write_bundle(files(first), bundle)
    kept = (bundle / "fragment" / "en_a.pf_fragment").stat()
    (bundle / "stray.tmp").write_bytes(b"left by an interrupted build")
    second = {
        ENTRY_FILE: b'{"v": 2}',
        "fragment/en_a.pf_fragment": b"a",
        "index/en_b.pf_index": b"b",
    }
    write_bundle(files(second), bundle)
    on_disk = {
        path.relative_to(bundle).as_posix(): path.read_bytes()
        for path in bundle.rglob("*")
        if path.is_file()
    }
    assert on_disk == second
    assert (bundle / "fragment" / "en_a.pf_fragment").stat().st_ino == kept.st_ino
    assert (bundle / "fragment" / "en_a.pf_fragment").stat().st_mtime_ns == kept.st_mtime_ns
    with pytest.raises(SearchIndexError, match="outside its bundle"):
        write_bundle(files({"../escape.js": b"x"}), bundle)
    assert not (tmp_path / "escape.js").exists()


def test_answers_are_decoded_whichever_way_their_bytes_arrive():
    """Pagefind's answers decode the same however its output is cut into reads: mid
    answer, mid base64 quantum, on a comma."""
    from plugins.search_index import AnswerDecoder, request

    payloads = [
        {"type": "NewIndex", "index_id": 0},
        {"type": "IndexedFile", "url": "/a/"},
        {"type": "GetFiles", "files": [{"path": "pagefind.js", "content": "eA=="}]},
        {"type": "IndexedFile", "url": "/ä/"},
    ]
    stream = b"".join(request(number, payload) for number, payload in enumerate(payloads, 1))
    expected = dict(enumerate(payloads, 1))
    expected[3] = {"type": "GetFiles", "files": [{"path": "pagefind.js", "content": b"x"}]}
    for size in (1, 2, 3, 5, 7, 64, len(stream)):
        answers = AnswerDecoder()
        for start in range(0, len(stream), size):
            answers.feed(stream[start : start + size])
        assert answers.responses == expected, size


def test_bundle_files_written_some_other_way_are_parsed_with_the_whole_answer():
    """A file whose content has a JSON escape, or an object with more than a path and a
    content, is not taken out as it arrives: the answer's parsing handles it."""
    import base64

    from plugins.search_index import AnswerDecoder

    text = (
        '{"message_id": 4, "payload": {"type": "GetFiles", "files": ['
        '{"path": "a.js", "content": "\\/w=="}, {"path": "b.js", "content": "eA=="}, '
        '{"path": "c.js", "content": "eA==", "note": 1}]}}'
    )
    stream = base64.b64encode(text.encode()) + b","
    expected = [
        {"path": "a.js", "content": b"\xff"},
        {"path": "b.js", "content": b"x"},
        {"path": "c.js", "content": "eA==", "note": 1},
    ]
    for size in (1, 3, 4, 64, len(stream)):
        answers = AnswerDecoder()
        for start in range(0, len(stream), size):
            answers.feed(stream[start : start + size])
        assert answers.responses[4]["files"] == expected, size


def test_a_bundles_files_are_taken_out_of_the_answer_as_they_arrive():
    """The GetFiles answer never sits whole in memory: each file is decoded and cut out
    as soon as its bytes are there, in Pagefind's own compact JSON as in spaced JSON."""
    import base64
    import json
    import os

    from plugins.search_index import AnswerDecoder

    files = {f"fragment/f{n}.pf_fragment": os.urandom(200_000) for n in range(6)}
    payload = {
        "type": "GetFiles",
        "files": [
            {"path": path, "content": base64.b64encode(data).decode()}
            for path, data in files.items()
        ],
    }
    expected = [{"path": path, "content": data} for path, data in files.items()]
    for separators in ((",", ":"), (", ", ": ")):
        message = json.dumps({"message_id": 9, "payload": payload}, separators=separators)
        stream = base64.b64encode(message.encode()) + b","
        answers, largest = AnswerDecoder(), 0
        for start in range(0, len(stream), 65536):
            answers.feed(stream[start : start + 65536])
            largest = max(largest, len(answers._json))
        assert answers.responses == {9: {"type": "GetFiles", "files": expected}}
        assert largest < 400_000  # about one file's base64, never the 1.6 MB answer


@pytest.mark.parametrize(
    "garbage",
    [
        b"not base64!,",
        b"bm90IGpzb24=,",  # "not json"
        b"eyJwYXRoIjogImEiLCAiY29udGVudCI6ICIhISEifQ==,",  # a file whose content is not base64
    ],
)
def test_an_answer_that_is_not_base64_json_is_reported(garbage):
    from plugins.search_index import AnswerDecoder

    with pytest.raises(SearchIndexError, match="answered something unexpected"):
        AnswerDecoder().feed(garbage)


def test_requests_are_written_in_batches_of_about_a_megabyte():
    from plugins.search_index import REQUEST_BATCH_BYTES, add_file, request, request_batches

    documents = [
        text_document(f"{n}.md", (1, 1), f"/{n}/", "T", "<p>" + "word " * 20_000 + "</p>", "en")
        for n in range(30)
    ]
    batches = list(request_batches(documents, 2))
    one_by_one = [request(n, add_file(d.url, d.html)) for n, d in enumerate(documents, 2)]
    assert b"".join(batches) == b"".join(one_by_one)
    assert len(batches) > 1
    assert all(len(batch) < REQUEST_BATCH_BYTES + len(one_by_one[0]) for batch in batches)


def test_a_rebuild_into_a_deleted_output_indexes_what_a_clean_build_indexes(tmp_path):
    """Nothing changed but the output is gone: the copy of the bundle kept in CACHE_PATH
    is put back (its files keep their times: Pagefind did not run), and it is the clean
    build's; a copy that was tampered with is not used."""
    content = site_content(tmp_path)
    output, clean = tmp_path / "output", tmp_path / "clean" / "output"
    assert run_build(output, content=content).returncode == 0
    entry = output / BUNDLE_DIR / "pagefind-entry.json"
    written = entry.stat().st_mtime_ns
    assert run_build(clean, content=content).returncode == 0
    for step in ("copy put back", "copy tampered with"):
        shutil.rmtree(output)
        result = run_build(output, content=content)
        assert result.returncode == 0, result.stderr
        assert bundle_bytes(output) == bundle_bytes(clean), step
        if step == "copy put back":
            assert entry.stat().st_mtime_ns == written
            kept = tmp_path / "cache" / "search_bundle"
            fragment = next(kept.rglob("*.pf_fragment"))
            fragment.unlink()
            fragment.write_bytes(b"not a fragment")
        else:
            assert entry.stat().st_mtime_ns != written  # indexed again


def bundle_pages(output):
    """{bundle folder: its pages' URLs} for every search bundle in the output."""
    return {
        path.name: sorted(fragment["url"] for fragment in Bundle(path).fragments())
        for path in sorted(output.glob("pagefind*"))
    }


def test_a_sharded_index_holds_every_article_once_and_rebuilds_only_what_changed(tmp_path):
    """Shards of one article: a bundle each (but for shards left empty); the search page
    names them all; after an edit only the edited article's bundle is written again; with
    fewer shards the others go, from the output and from CACHE_PATH."""
    from bs4 import BeautifulSoup

    content = site_content(tmp_path)
    output, cache = tmp_path / "output", tmp_path / "cache"
    clean = run_build(tmp_path / "clean" / "output", content=content)
    assert clean.returncode == 0, clean.stderr
    everything = bundle_pages(tmp_path / "clean" / "output")[BUNDLE_DIR]
    assert len(everything) > 2

    sharded = ["--set", "SEARCH_INDEX_SHARD_SIZE=1"]
    result = run_build(output, content=content, extra=sharded)
    assert result.returncode == 0, result.stderr
    pages = bundle_pages(output)
    assert len(pages) > 1
    assert sorted(url for urls in pages.values() for url in urls) == everything
    assert all(urls for urls in pages.values())
    search = BeautifulSoup((output / "search" / "index.html").read_text(), "lxml")
    box = search.find(id="search")
    names = [box["data-bundle"], *box["data-merge"].split()]
    assert sorted(name.strip("/") for name in names) == sorted(pages)

    entries = {name: (output / name / "pagefind-entry.json").stat().st_mtime_ns for name in pages}
    article = content / "pictured.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nMarmalade.\n", "utf-8")
    result = run_build(output, content=content, extra=sharded)
    assert result.returncode == 0, result.stderr
    holding = next(name for name, urls in pages.items() if "/pictured-words/" in urls)
    assert Bundle(output / holding).search("marmalad") == ["/pictured-words/"]
    now = {name: (output / name / "pagefind-entry.json").stat().st_mtime_ns for name in pages}
    assert [name for name in pages if now[name] != entries[name]] == [holding]

    result = run_build(output, content=content)  # one shard again
    assert result.returncode == 0, result.stderr
    assert list(bundle_pages(output)) == [BUNDLE_DIR]
    assert bundle_pages(output)[BUNDLE_DIR] == everything
    kept = sorted(path.name for path in cache.glob("search_*"))
    assert kept == ["search_bundle", "search_index.pickle"]


def test_a_first_build_works_out_the_digest_while_pagefind_runs(tmp_path, monkeypatch):
    """No record to compare with: start() leaves the digest for finish(), which records
    the same one; a rebuild with that record works it out at once and keeps the bundle."""
    from plugins.search_index import documents_digest

    settings, output = {"CACHE_PATH": str(tmp_path / "cache")}, tmp_path / "output"
    source = tmp_path / "a.md"
    source.write_text("Title: Marmalade\n\nToast.\n", encoding="utf-8")
    stamp = (source.stat().st_mtime_ns, source.stat().st_size)
    documents = [text_document(str(source), stamp, "/a/", "Marmalade", "<p>Toast.</p>", "en")]
    digests = []

    def counted(documents):
        digests.append(documents_digest(documents))
        return digests[-1]

    monkeypatch.setattr(plugins.search_index, "documents_digest", counted)
    index = SearchIndex(settings, output)
    index.start(documents)
    assert digests == []
    index.finish()
    assert len(digests) == 1
    rebuild = SearchIndex(settings, output)
    assert rebuild.previous["digest"] == digests[0]
    rebuild.start(documents)
    assert len(digests) == 2
    assert rebuild.kept  # the same documents: Pagefind does not run
    rebuild.finish()
