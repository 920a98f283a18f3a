"""The content linter's cache: a build lints only the files changed since the last one,
and reports exactly what linting every file would."""

import os
import shutil

import pytest
from pelican.settings import read_settings

from plugins.forking import can_fork
from sitetools.content_lint import format_problem, lint_cache, lint_content
from tests.sitebuild import FIXTURES, ROOT, content_with, run_build


@pytest.fixture
def settings():
    return read_settings(str(ROOT / "pelicanconf.py"))


def messages(content, settings, cache=None):
    return [format_problem(p) for p in lint_content(content, settings, cache=cache)]


def test_cached_results_are_the_fresh_ones_step_by_step(tmp_path, settings):
    content = content_with(tmp_path).resolve()
    cache = tmp_path / "cache" / "content_lint.pickle"
    for fixture in ("unknown-key.md", "duplicate-slug.md", "prompts-unknown-level.md"):
        shutil.copy(FIXTURES / "lint" / fixture, content / fixture)
    steps = []

    def check(step):
        fresh = messages(content, settings)
        assert messages(content, settings, cache) == fresh, step  # from what it kept
        assert messages(content, settings, cache) == fresh, step
        steps.append(len(fresh))

    check("first run: every file read")
    assert cache.is_file()
    post = content / "unknown-key.md"
    post.write_text(post.read_text(encoding="utf-8").replace("Catgory", "Category"), "utf-8")
    check("the mistake corrected")
    target = content / "linked.md"
    linking = content / "links.md"
    target.write_text("Title: Linked\nDate: 2024-01-01\nSummary: Here.\n\nText.\n", "utf-8")
    linking.write_text(
        "Title: Links\nDate: 2024-01-02\nSummary: There.\n\n[x]({filename}linked.md)\n",
        "utf-8",
    )
    check("a post linking to another")
    target.unlink()  # links.md is unchanged, yet its link now points nowhere
    check("the linked post deleted")
    stat = linking.stat()
    text = linking.read_text("utf-8").replace(
        "[x]({filename}linked.md)", "[xy]({filename}links.md)"
    )
    linking.write_text(text, "utf-8")  # the link fixed, the size unchanged
    assert linking.stat().st_size == stat.st_size
    os.utime(linking, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    check("same size, new mtime")
    # The steps did change what is reported: a cache that never read again would fail.
    assert steps == [4, 3, 3, 4, 3]


def test_settings_change_what_is_kept(tmp_path, settings):
    content = content_with(tmp_path).resolve()
    shutil.copy(FIXTURES / "lint" / "duplicate-slug.md", content / "duplicate-slug.md")
    cache = tmp_path / "content_lint.pickle"
    assert len(messages(content, settings, cache)) == 2
    basename = {**settings, "SLUGIFY_SOURCE": "basename"}
    (content / "duplicate-slug.md").write_text(
        "Title: The Ingredients\nDate: 2024-01-01\nSummary: Same title.\n\nText.\n", "utf-8"
    )
    assert messages(content, settings, cache) == messages(content, settings)
    assert messages(content, basename, cache) == messages(content, basename)


def test_builds_keep_it_beside_the_content_cache_and_still_fail_on_a_kept_mistake(tmp_path):
    content = content_with(tmp_path)
    shutil.copy(FIXTURES / "lint" / "unknown-key.md", content / "unknown-key.md")
    output = tmp_path / "output"
    first = run_build(output, content=content)
    second = run_build(output, content=content)
    assert (tmp_path / "cache" / "content_lint.pickle").is_file()
    for result in (first, second):
        assert result.returncode == 1
        assert 'unknown metadata key "Catgory"' in result.stderr
        assert "Nothing was built" in result.stderr
    publish = read_settings(str(ROOT / "publishconf.py"))
    assert lint_cache(publish) is None  # production builds read every file


def test_many_files_are_read_in_two_processes_with_the_same_findings(
    tmp_path, settings, monkeypatch
):
    """From LINT_SPLIT_AT files on, a forked process reads the second half: the findings,
    the cross-file ones too (slugs claimed in both halves), are those of one process."""
    import sitetools.content_lint as content_lint
    from plugins import forking

    content = content_with(tmp_path).resolve()
    count = content_lint.LINT_SPLIT_AT + 6
    many_posts(content, count)
    children = []
    real_child = forking.InChild

    def counted_child(*args):
        children.append(real_child(*args))
        return children[-1]

    monkeypatch.setattr(forking, "InChild", counted_child)
    split = messages(content, settings)
    monkeypatch.setattr(content_lint, "LINT_SPLIT_AT", 10**6)
    whole = messages(content, settings)
    assert split == whole
    assert sum("Catgory" in message for message in whole) == len(range(0, count, 17))
    assert any("shared" in message for message in whole)
    if forking.can_fork():
        assert len(children) == 1


def many_posts(content, count):
    """`count` posts, every 17th with a misspelt key, two sharing a slug."""
    for number in range(count):
        mistake = "Catgory: Notes\n" if number % 17 == 0 else ""
        slug = "Slug: shared\n" if number in (1, count - 1) else ""
        (content / f"post-{number:03}.md").write_text(
            f"Title: Post {number}\nDate: 2024-01-{number % 28 + 1:02}\n{mistake}{slug}"
            f"Summary: Post {number}.\n\nText {number}.\n",
            "utf-8",
        )


def early_lint(content, override=None):
    """An EarlyLint begun as sitetools.build begins one, before the settings are read."""
    from sitetools.content_lint import EarlyLint

    return EarlyLint(ROOT / "pelicanconf.py", {"PATH": str(content), **(override or {})})


def settings_for(content):
    return read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(content)})


def reads_here(monkeypatch):
    """The files this process reads from now on (a child forked before reads its own)."""
    import sitetools.content_lint as content_lint

    read, real_read = [], content_lint.LintPlan.read

    def counted(plan, item):
        read.append(item[0])
        return real_read(plan, item)

    monkeypatch.setattr(content_lint.LintPlan, "read", counted)
    return read


@pytest.mark.skipif(not hasattr(os, "fork"), reason="EarlyLint forks; elsewhere it never starts")
def test_the_early_child_s_half_is_used_and_the_findings_are_the_same(tmp_path, monkeypatch):
    import sitetools.content_lint as content_lint

    content = content_with(tmp_path).resolve()
    many_posts(content, content_lint.LINT_SPLIT_AT + 6)
    settings = settings_for(content)
    whole = messages(content, settings)
    early = early_lint(content)
    read = reads_here(monkeypatch)
    problems = lint_content(content, settings, early=early)
    assert [format_problem(p) for p in problems] == whole
    if can_fork():  # this process read the first half only
        first, second = content_lint.plan_lint(content, settings).halves()
        assert read == [item[0] for item in first]
        assert second


@pytest.mark.skipif(not hasattr(os, "fork"), reason="EarlyLint forks; elsewhere it never starts")
def test_a_file_changed_after_the_child_read_it_is_read_again(tmp_path, monkeypatch):
    import sitetools.content_lint as content_lint

    content = content_with(tmp_path).resolve()
    count = content_lint.LINT_SPLIT_AT + 6
    many_posts(content, count)
    settings = settings_for(content)
    early = early_lint(content)
    read = reads_here(monkeypatch)
    plan = content_lint.plan_lint(content, settings)
    early.results(plan)
    if can_fork():  # the files as the child read them: its findings are used
        assert read == []
    early = early_lint(content)
    last = content / f"post-{count - 1:03}.md"
    if early._child is not None:
        early._child.finished(timeout=30)  # it has read the old text
    last.write_text(last.read_text("utf-8").replace("Title:", "Titel:"), "utf-8")
    read.clear()
    messages_now = [format_problem(p) for p in lint_content(content, settings, early=early)]
    assert sorted(read) == sorted(item[0] for item in plan.to_read)  # all read here
    assert messages_now == messages(content, settings)
    assert any("Titel" in message for message in messages_now)


def test_with_few_files_the_early_child_is_stopped_not_waited_for(tmp_path):
    import sitetools.content_lint as content_lint

    content = content_with(tmp_path).resolve()
    settings = settings_for(content)
    early = early_lint(content)
    plan = content_lint.plan_lint(content, settings)
    assert len(plan.to_read) < content_lint.LINT_SPLIT_AT
    assert early.started(plan) is False
    assert early._child is None
    assert [format_problem(p) for p in lint_content(content, settings, early=early)] == messages(
        content, settings
    )


def test_no_early_child_when_the_linter_s_cache_is_kept(tmp_path):
    """A rebuild with the linter's cache in CACHE_PATH reads few files: no child."""
    from sitetools.content_lint import LINT_CACHE_NAME

    content = content_with(tmp_path).resolve()
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / LINT_CACHE_NAME).write_bytes(b"")
    early = early_lint(content, {"CACHE_PATH": str(cache)})
    assert early._child is None
    early.close()
