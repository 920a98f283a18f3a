"""plugins/incremental_output renders pages in two processes: the same site, the same
failures, as rendering them all in the build's own process."""

import json
import logging
import os
import re
import shutil

import jinja2
import pytest
from pelican.writers import Writer

from bench.corpus import write_corpus
from plugins.incremental_output import settings_errors
from plugins.incremental_output import writer as writer_module
from plugins.incremental_output.writer import SPLIT_AT, IncrementalWriter
from sitetools.build import describe_failure
from tests.sitebuild import ROOT, output_tree, run_build


@pytest.fixture(autouse=True)
def forking_allowed(monkeypatch):
    """Threads earlier tests left in this process (a browser suite's server) would keep
    the writer from forking; the pages rendered here never touch them."""
    monkeypatch.setattr(writer_module, "fork_is_safe", lambda: True)


SPLIT_LOG = re.compile(r"incremental_output: (\d+) page\(s\) rendered by 2 processes")


def site_content(tmp_path):
    """The real content and a small benchmark corpus: enough pages to be split."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    write_corpus(tmp_path / "corpus", 40)
    for article in (tmp_path / "corpus").glob("*.md"):
        shutil.copy(article, content / article.name)
    return content


def processes(count):
    return ("--set", f"INCREMENTAL_OUTPUT_PROCESSES={count}")


@pytest.mark.parametrize("settings", ["pelicanconf.py", "publishconf.py"])
def test_the_site_is_byte_identical_rendered_by_one_process_or_two(tmp_path, settings):
    content = site_content(tmp_path)
    env = {"SITE_URL": "https://example.org", "SITE_ALLOW_PLACEHOLDERS": "1", "COLUMNS": "200"}
    outputs = {}
    for count in (1, 2):
        outputs[count] = tmp_path / f"processes-{count}" / "output"
        extra = ("--debug", *processes(count), "--set", "SEARCH_INDEX_ENABLED=false")
        # Card images drawn in this process: no image pool thread, so pages are split
        # (with a thread running they render in the build's own process).
        extra += ("--set", "PROMPT_CARDS_WORKERS=1")
        extra += ("--set", f"PROMPT_CARDS_CACHE_PATH={json.dumps(str(tmp_path / 'images'))}")
        result = run_build(outputs[count], settings=settings, content=content, env=env, extra=extra)
        assert result.returncode == 0, result.stdout + result.stderr
        split = [int(n) for n in SPLIT_LOG.findall(result.stdout + result.stderr)]
        if count == 1:
            assert split == []
        else:  # the articles' pages and the prompt cards' pages at least
            assert len(split) >= 2, split
            assert min(split) >= SPLIT_AT, split
    one, two = output_tree(outputs[1]), output_tree(outputs[2])
    assert len(one) > 100
    assert sorted(one) == sorted(two)
    assert [name for name in one if one[name] != two[name]] == []


def test_the_number_of_processes_renders_no_page_again(tmp_path):
    content = site_content(tmp_path)
    output = tmp_path / "output"
    extra = ("--set", "SEARCH_INDEX_ENABLED=false")
    result = run_build(output, content=content, extra=(*extra, *processes(2)))
    assert result.returncode == 0, result.stderr
    pages = {path: path.stat().st_mtime_ns for path in output.rglob("*.html")}
    result = run_build(output, content=content, extra=(*extra, *processes(1)))
    assert result.returncode == 0, result.stderr
    assert {path: path.stat().st_mtime_ns for path in output.rglob("*.html")} == pages


def test_a_template_error_in_a_page_the_child_renders_fails_the_build_as_usual(tmp_path):
    # Every article but the first fails: the first failing page, the second written,
    # is the child's (pages are shared out in turn: the parent has the first).
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    article = theme / "templates" / "article.html"
    text = article.read_text(encoding="utf-8")
    old = "{{ article.title }}</h1>"
    assert old in text
    broken = (
        "{{ article.title }}{% if article is not sameas articles[0] %}"
        "{{ article[article.slug].deeper }}{% endif %}</h1>"
    )
    article.write_text(text.replace(old, broken, 1), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    content = site_content(tmp_path)
    failures = {}
    for count in (1, 2):
        extra = ("--set", f"THEME={json.dumps(str(theme))}", *processes(count))
        extra += ("--set", "SEARCH_INDEX_ENABLED=false")
        result = run_build(tmp_path / f"processes-{count}", content=content, extra=extra)
        assert result.returncode == 1, result.stderr
        lines = result.stderr.strip().splitlines()
        failures[count] = lines[lines.index("Build failed:") :]
    assert failures[2] == failures[1]
    assert failures[2][1].startswith(
        f"{article}:{line}: 'pelican.contents.Article object' has no attribute "
    )
    assert failures[2][2] == "(run with --debug for the full traceback)"


# -- the writer on its own: which process renders what --

PAGE = (
    "{{ n }} by {{ pid() }}\n"
    "{% if n == failing %}{{ n.missing.deeper }}{% endif %}"
    "{% if n == complaining %}{{ complain(n) }}{% endif %}\n"
)


def complain(n):
    logging.getLogger("a_plugin").error("page %s is wrong", n)
    return ""


def write_pages(tmp_path, count, failing=-1, complaining=-1, pages=100):
    """Write `pages` pages through the writer with `count` processes; the output folder."""
    templates = tmp_path / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "page.html").write_text(PAGE, encoding="utf-8")
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(templates), autoescape=True)
    environment.globals.update(pid=os.getpid, complain=complain)
    template = environment.get_template("page.html")
    output = tmp_path / f"output-{count}"
    writer = IncrementalWriter(Writer(str(output), settings={}), None, {}, False, count)
    for n in range(pages):
        writer.write_file(
            f"{n}/index.html", template, {}, n=n, failing=failing, complaining=complaining
        )
    writer.flush()
    return writer, output


def renderer(output, n):
    text = (output / str(n) / "index.html").read_text(encoding="utf-8")
    return int(text.split(" by ")[1].split()[0])


def test_the_pages_are_shared_between_this_process_and_a_child(tmp_path):
    writer, output = write_pages(tmp_path, 2)
    assert writer.rendered == 100
    ours = os.getpid()
    assert {renderer(output, n) for n in range(0, 100, 2)} == {ours}
    children = {renderer(output, n) for n in range(1, 100, 2)}
    assert len(children) == 1
    assert ours not in children
    writer, output = write_pages(tmp_path, 2, pages=SPLIT_AT - 1)  # too few to fork
    assert {renderer(output, n) for n in range(SPLIT_AT - 1)} == {ours}


def test_a_template_error_in_the_child_is_raised_as_in_this_process(tmp_path):
    errors = {}
    for count in (1, 2):
        with pytest.raises(jinja2.UndefinedError) as raised:
            write_pages(tmp_path, count, failing=7)  # 7: the child's
        errors[count] = raised.value
    assert str(errors[2]) == str(errors[1]) == "'int object' has no attribute 'missing'"
    # sitetools.build finds the template and line in the traceback
    where = describe_failure(errors[2], {})
    assert where == describe_failure(errors[1], {})
    assert where[0].startswith(f"{tmp_path / 'templates' / 'page.html'}:2: ")


def fail(n):
    raise ValueError(f"page {n} failed")


def test_the_earliest_failing_page_is_the_one_reported(tmp_path):
    # Pages 3 (the child's) and 4 (ours) fail: in order, 3 fails first.
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text("{{ n }}{{ fail(n) if n > 2 }}", "utf-8")
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(templates))
    environment.globals["fail"] = fail
    template = environment.get_template("page.html")
    writer = IncrementalWriter(Writer(str(tmp_path / "out"), settings={}), None, {}, False, 2)
    for n in range(SPLIT_AT):
        writer.write_file(f"{n}.html", template, {}, n=n)
    with pytest.raises(ValueError, match=r"^page 3 failed$"):
        writer.flush()
    assert (tmp_path / "out" / "2.html").read_text(encoding="utf-8") == "2"


def test_pages_rendered_in_the_background_are_written_and_their_error_comes_first(tmp_path):
    """A generator's long queue is rendered by two children while this process queues
    the next generator's pages; flush() waits for them. An error in the background
    pages is the one reported, before one in pages queued later."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text("{{ n }} by {{ pid() }}{{ fail(n) if n == bad }}", "utf-8")
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(templates))
    environment.globals.update(fail=fail, pid=os.getpid)
    template = environment.get_template("page.html")
    for bad, expected in ((-1, None), (5, "page 5 failed")):
        output = tmp_path / f"out{bad}"
        writer = IncrementalWriter(Writer(str(output), settings={}), None, {}, False, 2)
        for n in range(SPLIT_AT):
            writer.write_file(f"{n}.html", template, {}, n=n, bad=bad)
        writer.flush_in_background()
        assert writer._pending  # two children render the first generator's pages
        for n in range(SPLIT_AT, SPLIT_AT + 3):  # the next generator's: here, in order
            writer.write_file(f"{n}.html", template, {}, n=n, bad=SPLIT_AT + 1)
        if expected is None:
            with pytest.raises(ValueError, match=f"^page {SPLIT_AT + 1} failed$"):
                writer.flush()
            texts = [(output / f"{n}.html").read_text("utf-8") for n in range(SPLIT_AT)]
            assert os.getpid() not in {int(text.split(" by ")[1]) for text in texts}
        else:
            with pytest.raises(ValueError, match=f"^{expected}$"):
                writer.flush()


def test_a_childs_logged_error_reaches_this_processs_handlers(tmp_path):
    seen = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = seen.append
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        write_pages(tmp_path, 2, complaining=9)  # 9: the child's
    finally:
        root.removeHandler(handler)
    assert [(r.name, r.levelno, r.getMessage()) for r in seen] == [
        ("a_plugin", logging.ERROR, "page 9 is wrong")
    ]


@pytest.mark.parametrize(
    ("value", "errors"), [(None, 0), (1, 0), (2, 0), (0, 1), (True, 1), ("2", 1), (1.5, 1)]
)
def test_the_processes_setting_is_a_whole_number(value, errors):
    found = settings_errors({"INCREMENTAL_OUTPUT_PROCESSES": value})
    assert len(found) == errors
    if errors:
        assert "INCREMENTAL_OUTPUT_PROCESSES must be a whole number" in found[0]
