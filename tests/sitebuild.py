"""Helpers for tests: build the real site the way `invoke build` does, and read it."""

import os
import re
import shutil
import subprocess
from pathlib import Path

from bs4 import BeautifulSoup

from sitetools.build import build_command

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# A copy of ../shared/seeds/the-ingredients.txt, so the tests run from any clone.
SEED = FIXTURES / "the-ingredients.seed.txt"


def run_build(output, settings="pelicanconf.py", content=None, env=None, extra=()):
    """Build the site the way `invoke build` does; return the CompletedProcess."""
    return subprocess.run(
        build_command(output, settings, content, extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def content_with(tmp_path, *fixture_files):
    """A copy of the real content/ plus the given fixture files."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    for fixture in fixture_files:
        shutil.copy(FIXTURES / fixture, content / Path(fixture).name)
    return content


def parse(path):
    return BeautifulSoup(Path(path).read_text(encoding="utf-8"), "lxml")


def html_pages(output):
    return sorted(Path(output).rglob("*.html"))


# The build's own time: sitemap.xml dates listing pages with it, release.json records it.
BUILD_TIME = {
    "sitemap.xml": re.compile(rb"<lastmod>[^<]*</lastmod>"),
    "release.json": re.compile(rb'"built_at": "[^"]*"'),
}


def output_tree(folder):
    """{relative path: bytes} of every file of a build, the build's own time left out:
    two builds of the same content compare equal."""
    files = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            name = str(path.relative_to(folder))
            files[name] = path.read_bytes()
            if name in BUILD_TIME:
                files[name] = BUILD_TIME[name].sub(b"", files[name])
    return files
