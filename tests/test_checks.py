"""The pre-flight checks (sitetools/checks.py) and `invoke check`, on real builds."""

import os
import shutil
import subprocess
import sys

import pytest

from sitetools.checks import (
    find_broken_links,
    find_drafts,
    find_feed_problems,
    find_placeholder_marks,
    find_placeholder_settings,
    find_removed_articles,
    find_site_url_problems,
    find_sitemap_problems,
    find_unresolved_links,
    read_manifest,
    run_checks,
    site_url_problem,
    sitemap_required,
)
from tests.sitebuild import ROOT, content_with, run_build

SITE_URL = "https://example.org"


@pytest.fixture
def build(published_site, tmp_path):
    """A copy of the real site built with the publish settings, free to break."""
    copy = tmp_path / "build"
    shutil.copytree(published_site, copy)
    return copy


@pytest.fixture(scope="module")
def faulty_build(tmp_path_factory):
    """Publish settings with drafts turned back on, a draft and an unresolved link."""
    folder = tmp_path_factory.mktemp("faulty")
    output = folder / "output"
    result = run_build(
        output,
        settings="publishconf.py",
        content=content_with(folder, "publish/draft.md", "publish/unresolved-link.md"),
        env={"SITE_URL": SITE_URL, "SITE_ALLOW_PLACEHOLDERS": "1"},
        # --no-lint: the linter would refuse the unresolved link before building; the
        # checks are the second line of defence, for builds made some other way.
        extra=("--no-lint", "--set", 'DRAFT_SAVE_AS="drafts/{slug}/index.html"'),
    )
    assert result.returncode == 0, result.stderr
    return output


def test_the_release_manifest_describes_the_build(published_site):
    manifest = read_manifest(published_site)
    assert manifest["site_url"] == SITE_URL
    assert manifest["articles"] == 1
    assert manifest["article_urls"] == ["the-ingredients/"]
    assert manifest["drafts_written"] == []
    assert manifest["built_at"].endswith("Z")


def test_the_published_site_passes_every_check_but_the_slow_one(published_site):
    lines = []
    problems = run_checks(
        published_site,
        expected_site_url=SITE_URL,
        allow_placeholders=True,
        html_validation=False,
        report=lines.append,
    )
    assert problems == []
    assert "ok    no drafts" in lines
    assert "ok    feeds parse" in lines
    assert "skip  valid HTML (Nu Html Checker) (HTML validation turned off)" in lines
    assert "skip  no articles removed (no live release.json to compare with)" in lines


def test_drafts_are_found(faulty_build, published_site):
    problems = find_drafts(faulty_build, read_manifest(faulty_build))
    assert problems[0].startswith("drafts/: the build contains drafts")
    assert "drafts/not-ready-yet/: is a draft (Status: draft)" in problems[1]
    assert find_drafts(published_site, read_manifest(published_site)) == []


def test_unresolved_links_are_found_in_pages_and_feeds(faulty_build):
    problems = find_unresolved_links(faulty_build)
    files = sorted(problem.split(":")[0] for problem in problems)
    assert files == [
        "feeds/all.atom.xml",
        "feeds/all.rss.xml",
        "feeds/category/relationships.atom.xml",
        "unresolved-link/index.html",
    ]
    page = next(p for p in problems if p.startswith("unresolved-link/"))
    assert page.startswith("unresolved-link/index.html:")
    assert "unresolved link {filename}/no-such-post.md" in page
    # Not reported twice: the link check leaves them to this one.
    assert find_broken_links(faulty_build, SITE_URL, include_unresolved=False) == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://yasminebinghalib.com", None),
        ("https://www.example.org/blog", None),
        ("", "SITEURL is empty"),
        ("http://example.org", "is not an https:// address"),
        ("/relative", "is not an https:// address"),
        ("https://localhost:8000", "points at this computer"),
        ("https://blog.localhost", "points at this computer"),
        ("https://127.0.0.1", "is a local network address"),
        ("https://[::1]:8000", "is a local network address"),
        ("https://192.168.1.20", "is a local network address"),
        ("https://0.0.0.0", "is a local network address"),
        ("https://staging", "has no domain name"),
    ],
)
def test_site_url_problem(url, expected):
    problem = site_url_problem(url)
    assert problem is None if expected is None else expected in problem


def test_site_url_is_read_from_the_build(build):
    manifest = read_manifest(build)
    assert find_site_url_problems(build, manifest, SITE_URL) == []
    assert find_site_url_problems(build, manifest, "https://other.org") == [
        "SITEURL is 'https://example.org' but SITE_URL asks for 'https://other.org'"
    ]
    assert "release.json is missing" in find_site_url_problems(build, None)[0]
    page = build / "about" / "index.html"
    page.write_text(
        page.read_text().replace("</main>", '<a href="http://localhost:8000/x/">x</a></main>')
    )
    lines = page.read_text().splitlines()
    line = next(number for number, text in enumerate(lines, 1) if "localhost" in text)
    assert find_site_url_problems(build, manifest) == [
        f"about/index.html:{line}: links to http://localhost:8000"
    ]


def test_feeds_must_parse_and_link_to_pages_of_the_build(build):
    assert find_feed_problems(build, SITE_URL) == []
    atom = build / "feeds" / "all.atom.xml"
    atom.write_text(atom.read_text().replace("https://example.org/the-ingredients/", "/gone/"))
    rss = build / "feeds" / "all.rss.xml"
    rss.write_text(rss.read_text().replace("</channel>", ""))
    problems = find_feed_problems(build, SITE_URL)
    assert problems[0] == (
        f"feeds/all.atom.xml: entry 'The Ingredients': '/gone/' is not under SITEURL {SITE_URL}"
    )
    assert problems[1].startswith("feeds/all.rss.xml:")
    assert "the feed does not parse" in problems[1]
    assert len(problems) == 2


@pytest.mark.parametrize(
    ("settings", "required"),
    [
        ({}, False),
        ({"PLUGINS": ["strict_build"]}, False),
        ({"PLUGINS": ["strict_build", "sitemap"]}, True),
        ({"PLUGINS": ["pelican.plugins.sitemap"]}, True),
        ({"PLUGINS": ["sitemap"], "SITEMAP": {"format": "txt"}}, False),
    ],
)
def test_a_sitemap_is_required_once_the_plugin_is_enabled(settings, required):
    assert sitemap_required(settings) is required


def test_sitemap_must_be_well_formed_and_list_pages_of_the_build(build):
    assert find_sitemap_problems(build, required=False) == []
    assert find_sitemap_problems(build, required=True, site_url=SITE_URL) == []
    (build / "sitemap.xml").unlink()
    assert find_sitemap_problems(build, required=False) == []
    assert find_sitemap_problems(build, required=True) == [
        "sitemap.xml is missing, though the sitemap plugin is enabled"
    ]
    sitemap = build / "sitemap.xml"
    urlset = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{}</urlset>'
    sitemap.write_text(
        urlset.format(
            "<url><loc>https://example.org/the-ingredients/</loc></url>"
            "<url><loc>https://example.org/gone/</loc></url>"
        )
    )
    assert find_sitemap_problems(build, True, SITE_URL) == [
        "sitemap.xml: https://example.org/gone/ does not exist"
    ]
    sitemap.write_text(urlset.format("<url><loc>x</url>"))
    assert "sitemap.xml:1: not well-formed XML" in find_sitemap_problems(build, True)[0]


def test_placeholder_settings_are_found_by_their_path():
    practice = {
        "name": "Yasmine Binghalib",
        "email": "PLACEHOLDER: e-mail",
        "states": {"california": {"number": "PLACEHOLDER: number", "title": "LMFT"}},
        "links": ["https://example.org", "PLACEHOLDER: link"],
    }
    assert find_placeholder_settings(practice) == [
        'PRACTICE["email"] is still a placeholder',
        'PRACTICE["states"]["california"]["number"] is still a placeholder',
        'PRACTICE["links"][1] is still a placeholder',
    ]
    assert find_placeholder_settings({"name": "Yasmine", "fees": ""}) == []


def test_placeholders_shown_on_pages_are_found_once_per_text(tmp_path):
    mark = '<p>No. <mark class="placeholder">PLACEHOLDER: license &amp; number</mark></p>'
    for page in ("index.html", "about/index.html"):
        (tmp_path / page).parent.mkdir(exist_ok=True)
        (tmp_path / page).write_text(f"<main>\n{mark}\n</main>")
    assert find_placeholder_marks(tmp_path) == [
        "about/index.html:2: shows a placeholder (2 page(s) in all): PLACEHOLDER: license & number"
    ]
    assert find_placeholder_marks(tmp_path, known={"PLACEHOLDER: license & number"}) == []


@pytest.mark.parametrize(
    ("count", "live_count", "expected"),
    [(1, 1, []), (2, 1, []), (1, 2, ["this build has 1 article(s), the live site 2: b/ would"])],
)
def test_articles_may_not_disappear(count, live_count, expected):
    manifest = {"articles": count, "article_urls": ["a/", "c/"][:count]}
    live = {"articles": live_count, "article_urls": ["a/", "b/"][:live_count]}
    problems = find_removed_articles(manifest, live)
    assert [p[: len(e)] for p, e in zip(problems, expected, strict=True)] == expected
    assert find_removed_articles(manifest, None) == []


def test_run_checks_on_a_missing_folder(tmp_path):
    problems = run_checks(tmp_path / "nope", report=lambda line: None)
    assert len(problems) == 1
    assert "no build there" in problems[0]


def test_invoke_check_validates_html_and_fails_with_file_and_line(build):
    (build / "broken").mkdir()
    (build / "broken" / "index.html").write_text(
        '<!doctype html>\n<html lang="en">\n<head><title>x</title></head>\n'
        "<body>\n<p><div>unclosed</p>\n</body>\n</html>\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITE_")}
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "check", "--path", str(build)],
        cwd=ROOT,
        env={**env, "SITE_ALLOW_PLACEHOLDERS": "1"},
        capture_output=True,
        encoding="utf-8",
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "ok    every internal link and asset resolves" in result.stdout
    assert "FAIL  valid HTML (Nu Html Checker)" in result.stdout
    assert "broken/index.html:5:" in result.stdout
    assert "No “p” element in scope but a “p” end tag seen." in result.stdout
    assert "about/index.html" not in result.stdout  # the real pages are valid
    assert "problem(s) found" in result.stderr
