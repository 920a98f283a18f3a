"""prompt_cards shows each source's path as Path.resolve() would."""

import os
from pathlib import Path

import pytest

from plugins.prompt_cards.generator import content_parent, display_path


def old_display_path(source_path, settings):
    base = Path(settings["PATH"]).resolve().parent
    try:
        return str(Path(source_path).resolve().relative_to(base))
    except ValueError:
        return str(source_path)


@pytest.fixture
def site(tmp_path):
    real = tmp_path / "real" / "content"
    (real / "sub").mkdir(parents=True)
    for name in ("a.md", "sub/b.md", "target.md"):
        (real / name).write_text("x", encoding="utf-8")
    (tmp_path / "linked").mkdir()
    os.symlink(real, tmp_path / "linked" / "content")  # a symlinked content folder
    os.symlink(real / "target.md", real / "alias.md")  # a symlinked post
    os.symlink(tmp_path / "elsewhere.md", real / "dangling.md")
    return tmp_path


def test_display_paths_are_the_resolved_ones(site, monkeypatch):
    monkeypatch.chdir(site)
    sources = ["a.md", "sub/b.md", "alias.md", "dangling.md", "sub/../a.md", "missing.md"]
    for root in (site / "real" / "content", site / "linked" / "content", Path("linked/content")):
        settings = {"PATH": str(root)}
        parent = content_parent(settings)
        for name in sources:
            for source in (f"{root}/{name}", f"{root}//{name}", f"{site}/outside.md"):
                expected = old_display_path(source, settings)
                assert display_path(source, settings, parent) == expected, source
                assert display_path(source, settings) == expected, source
