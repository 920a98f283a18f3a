"""The foundation: the real site builds, reads right and links right."""

import re

import feedparser
import pytest

from sitetools.checks import find_broken_links
from tests.sitebuild import SEED, content_with, html_pages, parse, run_build


def normalise(text):
    return " ".join(text.replace("\\_", "_").split())


def seed_paragraphs():
    """The seed's paragraphs, minus the title, the bio and the WordPress comment box."""
    paragraphs = [p.strip() for p in SEED.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    _title, *body = paragraphs
    dropped = ("Yasmine Binghalib is", "Leave a Reply", "Your email address will not")
    return [normalise(p) for p in body if not p.startswith(dropped)]


def test_article_matches_the_seed_paragraph_by_paragraph(site):
    page = parse(site / "the-ingredients" / "index.html")
    assert page.find("h1").get_text(strip=True) == "The Ingredients"
    body = page.select_one(".post__body")
    paragraphs = [normalise(p.get_text()) for p in body.find_all("p", recursive=False)]
    assert paragraphs == seed_paragraphs()
    assert "REALLY" in body.get_text()
    assert "you have to have____”" in body.get_text()


def test_article_shows_the_author_bio_and_about_page_too(site):
    for path in ("the-ingredients/index.html", "about/index.html"):
        bio = parse(site / path).select_one(".author-bio")
        assert bio is not None, path
        assert "Relationship Specialist and Licensed Marriage and Family" in bio.get_text()


def test_no_comment_box_survives(site):
    text = parse(site / "the-ingredients" / "index.html").get_text()
    assert "Leave a Reply" not in text
    assert "will not be published" not in text


@pytest.mark.parametrize(
    "path",
    [
        "index.html",
        "the-ingredients/index.html",
        "about/index.html",
        "404.html",
        "category/relationships/index.html",
        "tag/vulnerability/index.html",
        "tags/index.html",
        "categories/index.html",
        "archives/index.html",
        "author/yasmine-binghalib/index.html",
        "feeds/all.atom.xml",
        "feeds/all.rss.xml",
        "feeds/category/relationships.atom.xml",
    ],
)
def test_urls_that_last(site, path):
    assert (site / path).is_file()


def test_every_internal_link_and_asset_resolves(site):
    assert find_broken_links(site) == []


def test_every_page_has_the_same_footer(site):
    for page_path in html_pages(site):
        page = parse(page_path)
        footers = page.find_all("footer", class_="site-footer")
        assert len(footers) == 1, page_path
        text = normalise(footers[0].get_text())
        assert "Yasmine Binghalib" in text
        assert "California: Licensed Marriage and Family Therapist, license no." in text
        assert "Connecticut: Licensed Marital and Family Therapist, license no." in text
        assert "online for people located in California and Connecticut" in text
        assert "911" in text
        assert "Call or text 988" in text
        assert "Text HOME to 741741" in text
        assert "does not create a therapist–client relationship" in text


def test_placeholders_are_visibly_marked(site):
    footer = parse(site / "index.html").select_one(".site-footer")
    marks = footer.select("mark.placeholder")
    assert len(marks) == 2
    assert all(m.get_text().startswith("PLACEHOLDER") for m in marks)


def test_pages_have_landmarks_and_a_skip_link(site):
    for page_path in html_pages(site):
        page = parse(page_path)
        assert page.html["lang"] == "en"
        skip = page.select_one("a.skip-link")
        assert skip is not None
        assert skip["href"] == "#main"
        assert page.find("main", id="main") is not None
        assert page.find("header") is not None
        assert page.find("nav") is not None
        assert page.find("h1") is not None, page_path


def test_nothing_is_loaded_from_another_origin(site):
    external = re.compile(r"""(src|href)=["']?(https?:)?//""")
    for page_path in html_pages(site):
        page = parse(page_path)
        for tag in page.find_all(["script", "link", "img", "iframe", "source", "video", "audio"]):
            url = tag.get("src") or (tag.get("href") if tag.name == "link" else None)
            if url and tag.name == "link" and tag.get("rel") == ["alternate"]:
                continue  # feed links are not fetched by the page
            assert not url or not external.match(f'src="{url}"'), (page_path, url)
        assert page.find("iframe") is None
    css = (site / "theme" / "css" / "site.css").read_text()
    assert "@import" not in css
    assert "url(" not in css


@pytest.mark.parametrize("feed", ["all.atom.xml", "all.rss.xml", "category/relationships.atom.xml"])
def test_feeds_parse_with_full_content(site, feed):
    parsed = feedparser.parse(str(site / "feeds" / feed))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries
    entry = next(e for e in parsed.entries if e.title == "The Ingredients")
    content = entry.content[0].value if "content" in entry else entry.description
    assert "necessary ingredient for intimacy" in content


def test_publish_build_has_absolute_feed_urls_and_no_drafts(published_site):
    parsed = feedparser.parse(str(published_site / "feeds" / "all.atom.xml"))
    assert not parsed.bozo
    assert all(e.link.startswith("https://example.org/") for e in parsed.entries)
    assert not (published_site / "drafts").exists()
    assert find_broken_links(published_site, site_url="https://example.org") == []


def test_autoescape_renders_markup_in_metadata_as_text(tmp_path):
    output = tmp_path / "output"
    result = run_build(output, content=content_with(tmp_path, "escaping/escaping.md"))
    assert result.returncode == 0, result.stderr
    html = (output / "escaping-check" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    page = parse(output / "escaping-check" / "index.html")
    assert page.find("h1").get_text() == 'Tom & Jerry <script>alert("x")</script>'
    assert "Tom &amp; Jerry" in html
    index = (output / "index.html").read_text(encoding="utf-8")
    assert "<em>not emphasised</em>" not in index
    assert "</script><script>" not in index


def test_an_impossible_date_fails_the_build_naming_the_file(tmp_path):
    output = tmp_path / "output"
    content = content_with(tmp_path, "impossible-date/impossible-date.md")
    result = run_build(output, content=content)
    assert result.returncode != 0
    assert "impossible-date.md" in result.stderr
    assert "Traceback" not in result.stderr
