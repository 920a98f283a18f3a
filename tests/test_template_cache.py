"""plugins/template_cache keeps compiled templates between builds, never changing a page."""

import json
import shutil

import pytest
from pelican.settings import read_settings

from plugins import template_cache
from tests.sitebuild import ROOT, output_tree, run_build


def build(output, content=None, extra=()):
    result = run_build(
        output, content=content, extra=(*extra, "--set", "SEARCH_INDEX_ENABLED=false")
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return output_tree(output)


def test_rebuilds_load_compiled_templates_and_write_the_same_site(tmp_path):
    output = tmp_path / "site" / "output"
    first = build(output)
    folder = output.parent / "cache" / template_cache.FOLDER
    compiled = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    assert len(compiled) >= 10  # base, article, listings, partials ...
    shutil.rmtree(output)
    assert build(output) == first
    # Loaded, not compiled again: no cache file was rewritten.
    assert {path.name: path.stat().st_mtime_ns for path in folder.iterdir()} == compiled
    plugins = read_settings(str(ROOT / "pelicanconf.py"))["PLUGINS"]
    without = [name for name in plugins if name != "template_cache"]
    plain = build(tmp_path / "plain" / "output", extra=("--set", f"PLUGINS={json.dumps(without)}"))
    assert plain == first


def test_an_edited_template_is_compiled_again(tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    output = tmp_path / "site" / "output"
    extra = ("--set", f"THEME={json.dumps(str(theme))}")
    build(output, extra=extra)
    footer = theme / "templates" / "partials" / "footer.html"
    footer.write_text(footer.read_text().replace("</footer>", "<p>Edited footer</p></footer>"))
    shutil.rmtree(output)
    build(output, extra=extra)
    assert "Edited footer" in (output / "index.html").read_text()


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_a_setting_that_is_not_a_boolean_is_refused(value):
    assert template_cache.settings_errors({"TEMPLATE_CACHE": value}) == [
        f"template_cache: TEMPLATE_CACHE must be True or False, got {value!r}"
    ]
    assert template_cache.settings_errors({"TEMPLATE_CACHE": True}) == []
