"""Writing a post: `invoke new`, drafts and scheduled posts in the preview and in publish."""

import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from plugins.post_status import preview_status
from sitetools.checks import find_broken_links
from sitetools.new_post import SUMMARY_PROMPT, new_post_text, slug_for
from tests.sitebuild import FIXTURES, ROOT, content_with, parse, run_build

INVOKE = Path(sys.executable).parent / "invoke"
TITLE = "Why we fight about the dishes"
SLUG = "why-we-fight-about-the-dishes"
SCHEDULED_SLUG = "a-letter-from-the-future"
PUBLISH_ENV = {"SITE_URL": "https://example.org", "SITE_ALLOW_PLACEHOLDERS": "1"}


def invoke_new(*args):
    return subprocess.run(
        [str(INVOKE), "new", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def authored(tmp_path_factory):
    """A copy of the site with a post started by `invoke new` and a scheduled post,
    built once with the local settings and once with the publish settings."""
    tmp = tmp_path_factory.mktemp("authoring")
    content = content_with(tmp, "authoring/scheduled.md").resolve()
    shutil.copy(FIXTURES / "authoring" / "draft-page.md", content / "pages" / "draft-page.md")
    before = datetime.now(ZoneInfo("America/Los_Angeles")).replace(second=0, microsecond=0)
    created = invoke_new(TITLE, "--content", str(content))
    after = datetime.now(ZoneInfo("America/Los_Angeles"))
    local, published = tmp / "local", tmp / "published"
    local_build = run_build(local, content=content)
    publish_build = run_build(
        published, settings="publishconf.py", content=content, env=PUBLISH_ENV
    )
    assert local_build.returncode == 0, local_build.stderr
    assert publish_build.returncode == 0, publish_build.stderr
    return {
        "content": content,
        "created": created,
        "window": (before, after),
        "local": local,
        "published": published,
    }


def test_invoke_new_writes_a_draft_and_prints_its_path(authored):
    created, content = authored["created"], authored["content"]
    assert created.returncode == 0, created.stderr
    path = content / f"{SLUG}.md"
    assert created.stdout == f"{path}\n"
    header = path.read_text(encoding="utf-8").split("\n\n", 1)[0].splitlines()
    assert header[0] == f"Title: {TITLE}"
    assert header[2:] == [
        "Category: Relationships",
        "Tags:",
        f"Slug: {SLUG}",
        f"Summary: {SUMMARY_PROMPT}",
        "Status: draft",
    ]
    date = datetime.strptime(header[1], "Date: %Y-%m-%d %H:%M").replace(
        tzinfo=ZoneInfo("America/Los_Angeles")
    )
    before, after = authored["window"]
    assert before <= date <= after


def test_invoke_new_refuses_to_overwrite(authored):
    path = authored["content"] / f"{SLUG}.md"
    text = path.read_text(encoding="utf-8")
    again = invoke_new(TITLE, "--content", str(authored["content"]))
    assert again.returncode == 1
    assert f"Not created: {path} already exists; nothing was written." in again.stderr
    assert path.read_text(encoding="utf-8") == text


def test_the_preview_shows_the_draft_with_its_banner(authored):
    page = parse(authored["local"] / "drafts" / SLUG / "index.html")
    banner = page.select_one(".status-banner--draft[role=status]")
    assert banner is not None
    assert banner.get_text(" ", strip=True).startswith("Draft Only the preview shows this")
    assert page.find("h1").get_text(strip=True) == TITLE
    body = page.select_one(".post__body")
    assert "Write the post here" in body.get_text()
    assert "prompts" not in body.get_text()  # the example stays inside its comment


def test_the_preview_index_lists_drafts_marked_as_drafts(authored):
    drafts = parse(authored["local"] / "index.html").select_one(".draft-list")
    assert drafts is not None
    assert drafts.find("h2").get_text(" ", strip=True) == "Drafts (only in this preview)"
    link = drafts.find("a")
    assert link["href"] == f"/drafts/{SLUG}/"
    assert link.get_text() == TITLE
    assert link.find_next_sibling("span").get_text(strip=True) == "Draft"
    assert find_broken_links(authored["local"]) == []


def test_the_preview_shows_a_draft_page_with_its_banner_and_lists_it(authored):
    page = parse(authored["local"] / "drafts" / "pages" / "fees" / "index.html")
    assert page.select_one(".status-banner--draft[role=status]") is not None
    assert page.find("h1").get_text(strip=True) == "Fees and insurance"
    drafts = parse(authored["local"] / "index.html").select_one(".draft-list")
    assert drafts.find("a", href="/drafts/pages/fees/").get_text() == "Fees and insurance"


def test_the_preview_marks_a_future_post_scheduled(authored):
    local = authored["local"]
    banner = parse(local / SCHEDULED_SLUG / "index.html").select_one(".status-banner--scheduled")
    assert banner is not None
    assert banner.get_text(" ", strip=True).startswith("Scheduled for January 1, 2999 .")
    for listing in ("index.html", "archives/index.html", "tag/trust/index.html"):
        link = parse(local / listing).find("a", href=f"/{SCHEDULED_SLUG}/")
        assert link is not None, listing
        badge = link.find_next_sibling("span", class_="status-badge--scheduled")
        assert badge.get_text(strip=True) == "Scheduled", listing


def test_published_posts_have_no_banner_or_badge(authored):
    for output in (authored["local"], authored["published"]):
        page = parse(output / "the-ingredients" / "index.html")
        assert page.select(".status-banner, .status-badge") == []


def test_publish_leaves_out_drafts_and_scheduled_posts_everywhere(authored):
    published = authored["published"]
    assert not (published / "drafts").exists()
    assert not (published / SCHEDULED_SLUG).exists()
    for path in published.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".txt", ".json"):
            text = path.read_text(encoding="utf-8")
            unpublished_texts = (
                SLUG,
                TITLE,
                SCHEDULED_SLUG,
                "A letter from the future",
                "Fees and insurance",
            )
            for unpublished in unpublished_texts:
                assert unpublished not in text, (path, unpublished)
    index = parse(published / "index.html")
    assert index.select(".draft-list, .status-badge, .status-banner") == []


def test_a_new_post_with_a_title_that_makes_no_address_is_refused(tmp_path):
    result = invoke_new("!!!", "--content", str(tmp_path))
    assert result.returncode == 1
    assert "has no letters or digits to make an address from" in result.stderr
    assert list(tmp_path.iterdir()) == []


# ---- The pieces, directly ----


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Why we fight about the dishes", "why-we-fight-about-the-dishes"),
        ("Love & trust: a how-to", "love-trust-a-how-to"),
        ("Café conversations", "cafe-conversations"),
    ],
)
def test_slugs_are_pelicans(title, slug):
    assert slug_for(title) == slug


def test_new_post_text_is_a_complete_draft():
    text = new_post_text("Why we fight", "why-we-fight", datetime(2024, 3, 1, 9, 5))
    header, body = text.split("\n\n", 1)
    assert header.splitlines() == [
        "Title: Why we fight",
        "Date: 2024-03-01 09:05",
        "Category: Relationships",
        "Tags:",
        "Slug: why-we-fight",
        f"Summary: {SUMMARY_PROMPT}",
        "Status: draft",
    ]
    assert body.startswith("<!--\n")
    assert "    ```prompts\n    - gentle | trust |" in body
    assert "-->\n" in body


NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "date", "expected"),
    [
        ("published", NOW - timedelta(days=1), ""),
        ("published", NOW + timedelta(minutes=1), "scheduled"),
        ("draft", NOW - timedelta(days=1), "draft"),
        ("draft", NOW + timedelta(days=1), "draft"),
        ("hidden", None, ""),
        ("published", datetime(2030, 1, 1), "scheduled"),  # a naive date
    ],
)
def test_preview_status(status, date, expected):
    assert preview_status(status, date, NOW) == expected
