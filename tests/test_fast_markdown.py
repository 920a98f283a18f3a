"""plugins/fast_markdown changes how fast Markdown is read, never what comes out."""

import os
import time

import pytest
from pelican.readers import MarkdownReader
from pelican.settings import read_settings

from bench.corpus import write_corpus
from plugins import forking
from plugins.fast_markdown import ReusingMarkdownReader, files_to_convert, prefetch
from tests.sitebuild import ROOT, assert_same_site_without, content_with_corpus


def markdown_files(tmp_path):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 40)
    return sorted((ROOT / "content").rglob("*.md")) + sorted(corpus.rglob("*.md"))


@pytest.mark.parametrize("formatted_fields", [[], ["summary"]])
def test_one_reused_reader_reads_every_file_like_pelicans(tmp_path, formatted_fields):
    files = markdown_files(tmp_path)
    override = {"FORMATTED_FIELDS": formatted_fields}
    stock_settings = read_settings(str(ROOT / "pelicanconf.py"), override=override)
    fast_settings = read_settings(str(ROOT / "pelicanconf.py"), override=override)
    reused = ReusingMarkdownReader(fast_settings)
    for path in files:
        assert reused.read(str(path)) == MarkdownReader(stock_settings).read(str(path)), path


def test_the_built_site_is_byte_identical_with_and_without_the_plugin(tmp_path):
    # Enough files for the second-process conversion (prefetch.MIN_FILES) to start.
    content = content_with_corpus(tmp_path, prefetch.MIN_FILES + 16)
    assert assert_same_site_without(tmp_path, "fast_markdown", content) > 30


def test_the_child_converts_the_tail_and_hands_each_file_over_once(tmp_path, monkeypatch):
    # Whatever threads earlier tests left in this process, fork for this test.
    monkeypatch.setattr(prefetch, "can_fork", lambda count: count >= prefetch.MIN_FILES)
    files = [str(path) for path in markdown_files(tmp_path)]
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    reader = ReusingMarkdownReader(settings)
    expected = {
        path: MarkdownReader(read_settings(str(ROOT / "pelicanconf.py"))).read(path)
        for path in files
    }
    reader.start_prefetch(files)
    assert reader._prefetch is not None
    mine, theirs = prefetch.split(files)
    assert theirs
    assert mine + theirs == files
    handed_over = [path for path in theirs if reader._prefetch.take(path) is not None]
    assert handed_over == theirs
    assert reader._prefetch.take(theirs[0]) is None  # once only: then it is read here
    assert all(reader._prefetch.take(path) is None for path in mine)
    reader.stop_prefetch()
    reader.start_prefetch(files)
    assert {path: reader.read(path) for path in files} == expected
    reader.stop_prefetch()


def test_a_file_that_fails_or_warns_in_the_child_is_converted_again_by_the_parent(tmp_path):
    paths = [f"file-{number}" for number in range(prefetch.MIN_FILES)]
    logger = prefetch.logging.getLogger("test-prefetch")

    def convert(path):
        if path == "file-1":
            raise ValueError("bad file")
        if path == "file-2":
            logger.warning("suspicious file")
        return path.upper(), {}

    job = prefetch.Prefetch(convert, paths)
    results = {path: job.take(path) for path in paths}
    assert results["file-1"] is None
    assert results["file-2"] is None
    assert results["file-3"] == ("FILE-3", {})
    assert job.pid is None  # the child was waited for


def test_a_build_that_stops_early_leaves_no_process(tmp_path):
    paths = [f"file-{number}" for number in range(prefetch.MIN_FILES)]
    job = prefetch.Prefetch(lambda path: (time.sleep(5), {}), paths)
    pid = job.pid
    job.close()
    assert job.pid is None
    assert job.take(paths[0]) is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)


def test_cached_files_are_not_converted_ahead(tmp_path):
    content = tmp_path / "content"
    write_corpus(content, 3)
    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={"PATH": str(content), "CACHE_PATH": str(tmp_path / "cache")},
    )
    from pelican.generators import ArticlesGenerator

    generator = ArticlesGenerator(
        context={},
        settings=settings,
        path=str(content),
        theme=settings["THEME"],
        output_path=str(tmp_path / "out"),
    )
    found = files_to_convert(generator, "ARTICLE_PATHS", "ARTICLE_EXCLUDES")
    articles = [str(p) for p in content.rglob("*.md") if p.parent.name != "pages"]
    assert sorted(found) == sorted(articles)
    cached = found[0]
    generator.readers.cache_data(cached, ("<p>cached</p>", {}))
    assert cached not in files_to_convert(generator, "ARTICLE_PATHS", "ARTICLE_EXCLUDES")


def test_plain_dates_are_read_as_pelican_reads_them():
    """Every form parse_date reads itself, and forms near them, give what Pelican's own
    processors give: the same datetime of the same type, or the same error."""
    from plugins.fast_markdown.dates import FAST_PROCESSORS, PELICAN_PROCESSORS

    days = [
        f"{year}-{month}-{day}"
        for year in ("0001", "0099", "0999", "1000", "2024", "2023", "9999")
        for month in ("00", "01", "02", "12", "13")
        for day in ("00", "01", "28", "29", "30", "31", "32")
    ]
    times = ["", " 00:00", " 23:59", " 24:00", " 10:60", " 10:00:59", " 10:00:60", "T10:00"]
    times += ["_10:00", "  10:00", " 9:00", " 10:00 ", " 10:00:00.5", " 10:00+02:00"]
    texts = [day + time for day in days for time in times] + ["2024/05/01", "May 1, 2024"]

    def outcome(processor, text):
        try:
            value = processor(text, None)
        except ValueError as error:
            return ("error", str(error))
        return (type(value), value, value.tzinfo)

    for name in ("date", "modified"):
        for text in texts:
            expected = outcome(PELICAN_PROCESSORS[name], text)
            assert outcome(FAST_PROCESSORS[name], text) == expected, (name, text)


def test_fast_dates_replace_only_pelicans_own_processors(monkeypatch):
    from pelican import readers

    from plugins.fast_markdown.dates import FAST_PROCESSORS, PELICAN_PROCESSORS, use_fast_dates

    def another(value, _settings):
        return value

    monkeypatch.setitem(readers.METADATA_PROCESSORS, "date", PELICAN_PROCESSORS["date"])
    monkeypatch.setitem(readers.METADATA_PROCESSORS, "modified", another)
    use_fast_dates()
    assert readers.METADATA_PROCESSORS["date"] is FAST_PROCESSORS["date"]
    assert readers.METADATA_PROCESSORS["modified"] is another


def test_the_childs_results_arrive_while_it_converts_the_rest(tmp_path):
    go = tmp_path / "go"
    paths = [f"file-{number}" for number in range(4 * prefetch.BATCH)]
    _mine, theirs = prefetch.split(paths)

    def convert(path):
        if path == theirs[-1]:  # the child's last file waits for the parent's go
            deadline = time.monotonic() + 30
            while not go.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        return path.upper(), {}

    job = prefetch.Prefetch(convert, theirs)
    started = time.monotonic()
    assert job.take(theirs[0]) == (theirs[0].upper(), {})
    assert time.monotonic() - started < 15  # not after the child's last file
    go.touch()
    assert [job.take(path) for path in theirs[1:]] == [(p.upper(), {}) for p in theirs[1:]]
    assert job.pid is None  # the child was waited for


def test_a_stream_ends_with_none_when_its_child_fails_midway():
    def items():
        yield "first"
        yield "second"
        raise ValueError("midway")

    child = forking.InChild.streaming(items)
    assert [child.next_item(), child.next_item(), child.next_item()] == ["first", "second", None]
    assert child.pid is None
    assert child.next_item() is None
