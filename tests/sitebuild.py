"""Helpers for tests: build the real site the way `invoke build` does, and read it."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from bs4 import BeautifulSoup
from pelican.settings import read_settings

from bench.corpus import write_corpus
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


def content_with_corpus(tmp_path, articles):
    """A copy of the real content/ plus `articles` synthetic articles (bench.corpus)."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    write_corpus(tmp_path / "corpus", articles)
    for article in (tmp_path / "corpus").glob("*.md"):
        shutil.copy(article, content / article.name)
    return content


# The publish settings need a site URL; placeholders allowed, as in the other tests.
PUBLISH_ENV = {"SITE_URL": "https://example.org", "SITE_ALLOW_PLACEHOLDERS": "1"}


def assert_same_site_without(tmp_path, plugin, content, settings="pelicanconf.py", extra=()):
    """Build `content` with every plugin of `settings` and again without `plugin` (one
    that must not change what comes out); assert every file is the same, byte for byte
    (the build's own time aside). Returns how many files the builds wrote."""
    plugins = read_settings(str(ROOT / settings))["PLUGINS"]
    assert plugin in plugins
    without = [name for name in plugins if name != plugin]
    trees = []
    for name, more in (("with", ()), ("without", ("--set", f"PLUGINS={json.dumps(without)}"))):
        output = tmp_path / name / "output"
        result = run_build(output, settings, content, env=PUBLISH_ENV, extra=(*extra, *more))
        assert result.returncode == 0, result.stdout + result.stderr
        trees.append(output_tree(output))
    built, plain = trees
    assert sorted(built) == sorted(plain)
    assert [name for name in built if built[name] != plain[name]] == []
    return len(built)


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
