"""When Pelican or a template fails, the author reads one short message with the file
and the fix; the traceback only with --debug."""

import json
import shutil

import pytest

from tests.sitebuild import ROOT, run_build


def broken_theme(tmp_path, old, new):
    """A copy of the theme with one edit in templates/article.html; returns its path."""
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    article = theme / "templates" / "article.html"
    text = article.read_text(encoding="utf-8")
    assert old in text
    article.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    return theme, article, line


def build_with_theme(tmp_path, theme, *extra):
    return run_build(
        tmp_path / "output", extra=["--set", f"THEME={json.dumps(str(theme))}", *extra]
    )


@pytest.fixture
def unclosed_if(tmp_path):
    return broken_theme(
        tmp_path, "{% endblock after_body %}", "{% if x %}{% endblock after_body %}"
    )


def test_a_template_syntax_error_names_the_template_and_line(tmp_path, unclosed_if):
    theme, article, line = unclosed_if
    result = build_with_theme(tmp_path, theme)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Build failed:"
    assert lines[1].startswith(f"{article}:{line}: template syntax error: Encountered unknown tag")
    assert lines[1].endswith(
        "— check the {% %} tags on that line: every if, for and block needs its end tag"
    )
    assert lines[2] == "(run with --debug for the full traceback)"


def test_debug_shows_the_traceback(tmp_path, unclosed_if):
    theme, article, line = unclosed_if
    result = build_with_theme(tmp_path, theme, "--debug")
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert f"{article}:{line}: template syntax error" in result.stderr


def test_an_undefined_value_in_a_template_names_the_template_and_line(tmp_path):
    theme, article, line = broken_theme(
        tmp_path, "{{ article.title }}</h1>", "{{ article.nothing.deeper }}</h1>"
    )
    result = build_with_theme(tmp_path, theme)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        f"{article}:{line}: 'pelican.contents.Article object' has no attribute 'nothing' — "
        "check the spelling of the name, or write {% if name is defined %} around the line "
        "that uses it"
    ) in result.stderr.splitlines()
