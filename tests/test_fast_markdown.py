"""plugins/fast_markdown changes how fast Markdown is read, never what comes out."""

import json
import re
import shutil

import pytest
from pelican.readers import MarkdownReader
from pelican.settings import read_settings

from bench.corpus import write_corpus
from plugins.fast_markdown import ReusingMarkdownReader
from tests.sitebuild import ROOT, run_build


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


def tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_the_built_site_is_byte_identical_with_and_without_the_plugin(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    write_corpus(tmp_path / "corpus", 20)
    for article in (tmp_path / "corpus").glob("*.md"):
        shutil.copy(article, content / article.name)
    plugins = read_settings(str(ROOT / "pelicanconf.py"))["PLUGINS"]
    assert "fast_markdown" in plugins
    stock_plugins = [name for name in plugins if name != "fast_markdown"]
    outputs = {}
    for name, extra in (
        ("fast", ()),
        ("stock", ("--set", f"PLUGINS={json.dumps(stock_plugins)}")),
    ):
        outputs[name] = tmp_path / name / "output"
        result = run_build(outputs[name], content=content, extra=extra)
        assert result.returncode == 0, result.stdout + result.stderr
    fast, stock = tree(outputs["fast"]), tree(outputs["stock"])
    assert len(fast) > 30
    assert sorted(fast) == sorted(stock)
    # sitemap.xml dates the listing pages with the build's own time: compare it without.
    lastmod = re.compile(rb"<lastmod>[^<]*</lastmod>")
    for files in (fast, stock):
        files["sitemap.xml"] = lastmod.sub(b"", files["sitemap.xml"])
    different = [name for name in fast if fast[name] != stock[name]]
    assert different == []
