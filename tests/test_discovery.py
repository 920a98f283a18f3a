"""Discovery: search, structured data, social cards, sitemap, robots.txt, reading aids.

Real builds of the real content plus fixtures (tests/fixtures/discovery/), asserting on
the parsed output.
"""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

import pelicanconf
from sitetools.checks import find_broken_links
from tests.pagefind_reader import Bundle
from tests.sitebuild import content_with, html_pages, parse, run_build

FIXTURES = (
    "discovery/hostile.md",
    "discovery/long-read.md",
    "discovery/short-headings.md",
    "discovery/draft.md",
)
HOSTILE = ("</script><script>alert(1)</script>", '"><svg onload=alert(1)>')
HOSTILE_TITLE = f"Hostile {HOSTILE[0]} {HOSTILE[1]}"
PUBLISHED = {
    "hostile-check/": HOSTILE_TITLE,
    "the-ingredients/": "The Ingredients",
    "a-long-read/": "A Long Read About Repair",
    "short-with-headings/": "Short With Headings",
}
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The real content plus the discovery fixtures, built with the local settings."""
    tmp_path = tmp_path_factory.mktemp("discovery")
    content = content_with(tmp_path, *FIXTURES)
    (content / "images").mkdir(exist_ok=True)
    Image.new("RGB", (600, 315), "#7a3e48").save(content / "images" / "long-read-card.png")
    output = tmp_path / "output"
    result = run_build(output, content=content)
    assert result.returncode == 0, result.stdout + result.stderr
    return output


def page(output, path):
    return parse(output / path / "index.html" if path.endswith("/") or not path else output / path)


def json_ld(soup):
    return [json.loads(s.string) for s in soup.find_all("script", type="application/ld+json")]


def meta(soup, key):
    tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
    return tag["content"] if tag else None


def rel_path(output, page_file):
    path = page_file.relative_to(output).as_posix()
    return "/" + re.sub(r"(?:^|(?<=/))index\.html$", "", path)


# ---- search ----


def test_search_page_works_without_and_with_javascript(built):
    soup = page(built, "search/")
    assert soup.find("h1").get_text() == "Search"
    main = soup.find("main")
    hrefs = {a["href"] for a in main.find_all("a")}
    assert {"/archives/", "/tags/"} <= hrefs
    assert "needs JavaScript" in main.select_one(".search__no-js").get_text()
    assert main.select_one("#search.search")["data-bundle"] == "/pagefind/"
    scripts = [s["src"] for s in soup.find_all("script") if s.get("src")]
    assert scripts == ["/pagefind/pagefind-ui.js", "/theme/js/search.js"]
    assert soup.find("link", rel="stylesheet", href="/pagefind/pagefind-ui.css")
    for asset in ("pagefind/pagefind-ui.js", "pagefind/pagefind-ui.css", "theme/js/search.js"):
        assert (built / asset).is_file(), asset
    nav = soup.select_one("nav.site-nav")
    assert nav.find("a", href="/search/")["aria-current"] == "page"


def csp(soup):
    return soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]


def test_only_pages_with_a_search_box_may_run_webassembly(built):
    with_search = {"/search/", "/404.html"}
    for page_file in html_pages(built):
        soup = parse(page_file)
        policy = csp(soup)
        assert "'unsafe-inline'" not in policy
        assert "script-src 'self'" in policy
        has_wasm = "'wasm-unsafe-eval'" in policy
        assert has_wasm == (rel_path(built, page_file) in with_search), page_file
        for script in soup.find_all("script"):
            assert script.get("src") or script.get("type") == "application/ld+json", page_file


def published_article_urls(output):
    """The URL of every published article page in a build: og:type article, not a draft."""
    urls = set()
    for page_file in html_pages(output):
        url = rel_path(output, page_file)
        if meta(parse(page_file), "og:type") == "article" and not url.startswith("/drafts/"):
            urls.add(url)
    return urls


def test_search_index_holds_published_articles_only(built):
    bundle = Bundle(built / "pagefind")
    fragments = bundle.fragments()
    expected = published_article_urls(built)
    assert {f"/{path}" for path in PUBLISHED} <= expected
    assert sorted(f["url"] for f in fragments) == sorted(expected)
    assert bundle.entry["languages"]["en"]["page_count"] == len(expected)
    titles = {f["url"]: f["meta"]["title"] for f in fragments}
    assert titles["/the-ingredients/"] == "The Ingredients"
    assert titles["/hostile-check/"] == HOSTILE_TITLE


@pytest.mark.parametrize(
    ("prefix", "urls", "also_on"),
    [
        # Pagefind stores word stems ("ingredients" -> "ingredi"), so look up prefixes.
        ("armor", ["/the-ingredients/"], None),  # from the article's body
        ("repair", ["/a-long-read/"], None),
        ("ingredi", ["/the-ingredients/"], None),  # from its title
        ("lifeli", [], "index.html"),  # the footer's crisis notice: on every page, indexed on none
        ("zeppel", [], "drafts/unfinished-thoughts/index.html"),  # only in a draft
        ("speciali", [], "the-ingredients/index.html"),  # only in the author bio under articles
    ],
)
def test_search_finds_words_from_article_bodies(built, prefix, urls, also_on):
    assert Bundle(built / "pagefind").search(prefix) == urls
    if also_on:  # the word is on the site, just not in what is indexed
        assert prefix in (built / also_on).read_text(encoding="utf-8").lower()


def test_search_can_be_switched_off(tmp_path):
    output = tmp_path / "output"
    result = run_build(output, extra=["--set", "SEARCH_INDEX_ENABLED=false"])
    assert result.returncode == 0, result.stderr
    assert not (output / "pagefind").exists()
    soup = page(output, "search/")
    assert "isn't available" in soup.find("main").get_text()
    assert not soup.find("script", src=True)
    assert "wasm-unsafe-eval" not in csp(soup)
    assert not parse(output / "404.html").select("#search")
    assert find_broken_links(output) == []


# ---- structured data ----

BLOG_POSTING_KEYS = {
    "@context",
    "@type",
    "headline",
    "description",
    "datePublished",
    "dateModified",
    "image",
    "url",
    "author",
}


def test_every_article_has_one_blog_posting(built):
    for path, title in PUBLISHED.items():
        (data,) = json_ld(page(built, path))
        assert data.keys() >= BLOG_POSTING_KEYS
        assert data["@context"] == "https://schema.org"
        assert data["@type"] == "BlogPosting"
        assert data["headline"] == title
        assert data["url"] == f"/{path}"
        assert data["image"]["url"].startswith("/")
        author = data["author"]
        assert author["@type"] == "Person"
        assert author["name"] == "Yasmine Binghalib"
        assert author["url"] == "/about/"
    (data,) = json_ld(page(built, "a-long-read/"))
    assert data["datePublished"] == "2024-03-05T09:00:00-08:00"
    assert data["dateModified"] == "2024-03-09T18:30:00-08:00"
    assert (
        data["description"] == "Repair after conflict: what it looks like, and why it needs trust."
    )
    assert data["keywords"] == ["trust", "vulnerability"]


def test_author_credentials_are_the_two_state_licenses(built):
    (data,) = json_ld(page(built, "the-ingredients/"))
    credentials = data["author"]["hasCredential"]
    assert [(c["@type"], c["credentialCategory"], c["validIn"]) for c in credentials] == [
        ("EducationalOccupationalCredential", "license", {"@type": "State", "name": "California"}),
        ("EducationalOccupationalCredential", "license", {"@type": "State", "name": "Connecticut"}),
    ]
    assert [c["name"] for c in credentials] == [
        "Licensed Marriage and Family Therapist",
        "Licensed Marital and Family Therapist",
    ]
    assert [c["recognizedBy"] for c in credentials] == [
        {"@type": "Organization", "name": "California Board of Behavioral Sciences"},
        {"@type": "Organization", "name": "Connecticut Department of Public Health"},
    ]
    assert all("identifier" not in c for c in credentials)  # the numbers are PLACEHOLDERs
    served = data["author"]["makesOffer"]["areaServed"]
    assert served == [
        {"@type": "State", "name": "California"},
        {"@type": "State", "name": "Connecticut"},
    ]


def test_about_page_has_a_person_and_listings_have_no_json_ld(built):
    (person,) = json_ld(page(built, "about/"))
    assert person["@context"] == "https://schema.org"
    assert person["@type"] == "Person"
    assert person["url"] == "/about/"
    assert len(person["hasCredential"]) == 2
    for path in ("", "archives/", "tags/", "search/", "404.html", "tag/trust/"):
        assert json_ld(page(built, path)) == [], path


def test_no_deprecated_schema_types(built):
    for page_file in html_pages(built):
        assert "ProfessionalService" not in page_file.read_text(encoding="utf-8")


# ---- hostile text ----


def test_hostile_text_stays_text_everywhere(built):
    for page_file in html_pages(built):
        html = page_file.read_text(encoding="utf-8")
        assert "<script>alert" not in html, page_file
        assert "<svg onload" not in html, page_file
        soup = parse(page_file)
        handlers = [
            (tag.name, name)
            for tag in soup.find_all(True)
            for name in tag.attrs
            if name[:2] == "on"
        ]
        assert handlers == [], page_file
        assert not [
            s
            for s in soup.find_all("script")
            if not s.get("src") and s.get("type") != "application/ld+json"
        ], page_file


def test_hostile_text_round_trips_through_json_ld_and_meta(built):
    soup = page(built, "hostile-check/")
    raw = (built / "hostile-check" / "index.html").read_text(encoding="utf-8")
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in raw
    (data,) = json_ld(soup)
    assert data["headline"] == HOSTILE_TITLE
    assert data["description"] == f"Summary {HOSTILE[0]} and {HOSTILE[1]} end."
    assert data["keywords"] == list(HOSTILE)
    assert meta(soup, "og:title") == HOSTILE_TITLE
    assert meta(soup, "og:description") == data["description"]
    assert meta(soup, "twitter:image:alt")
    tags = [m["content"] for m in soup.find_all("meta", attrs={"property": "article:tag"})]
    assert tags == list(HOSTILE)


# ---- social cards and canonical links ----


def test_every_page_has_a_canonical_link_and_share_cards(built):
    articles = {f"/{path}" for path in PUBLISHED} | {"/drafts/unfinished-thoughts/"}
    for page_file in html_pages(built):
        soup = parse(page_file)
        url = rel_path(built, page_file)
        canonical = soup.find_all("link", rel="canonical")
        assert [c["href"] for c in canonical] == [url], page_file
        assert meta(soup, "og:url") == url
        assert meta(soup, "og:type") == ("article" if url in articles else "website"), url
        assert meta(soup, "og:title")
        assert meta(soup, "og:description")
        assert meta(soup, "og:image").startswith("/")
        assert meta(soup, "og:image:alt")
        assert meta(soup, "twitter:card") == "summary_large_image"
        assert meta(soup, "twitter:image:alt") == meta(soup, "og:image:alt")


def test_default_share_image_is_a_1200_by_630_png(built):
    soup = page(built, "archives/")  # no article: the default image
    assert meta(soup, "og:image") == "/theme/images/share-default.png"
    assert (meta(soup, "og:image:width"), meta(soup, "og:image:height")) == ("1200", "630")
    with Image.open(built / "theme" / "images" / "share-default.png") as image:
        assert (image.format, image.size) == ("PNG", (1200, 630))
    listing = page(built, "tags/")
    assert meta(listing, "og:title") == "Topics · Yasmine Binghalib, LMFT"
    assert meta(listing, "og:description") == "Every topic on Yasmine Binghalib, LMFT"


def test_an_article_with_its_own_image_is_shared_with_it(built):
    soup = page(built, "a-long-read/")
    assert meta(soup, "og:image") == "/images/long-read-card.png"
    assert meta(soup, "og:image:alt") == "Two mugs of tea on a kitchen table"
    assert (meta(soup, "og:image:width"), meta(soup, "og:image:height")) == ("600", "315")
    (data,) = json_ld(soup)
    assert data["image"] == {
        "@type": "ImageObject",
        "url": "/images/long-read-card.png",
        "width": 600,
        "height": 315,
    }


def test_an_image_that_is_not_there_fails_the_build(tmp_path):
    content = content_with(tmp_path, "discovery-broken/missing-image.md")
    result = run_build(tmp_path / "output", content=content)
    assert result.returncode != 0
    assert "missing-image.md: Image: images/not-there.png is not a file" in result.stderr
    assert "write `Image: images/<file name>`" in result.stderr


def test_publish_build_uses_absolute_urls(published_site):
    soup = page(published_site, "the-ingredients/")
    url = "https://example.org/the-ingredients/"
    assert soup.find("link", rel="canonical")["href"] == url
    assert meta(soup, "og:url") == url
    # The article's own title card (plugins/prompt_cards renders it).
    assert meta(soup, "og:image") == "https://example.org/share/the-ingredients.png"
    (data,) = json_ld(soup)
    assert data["url"] == url
    assert data["image"]["url"] == "https://example.org/share/the-ingredients.png"
    assert data["author"]["url"] == "https://example.org/about/"
    (person,) = json_ld(page(published_site, "about/"))
    assert person["url"] == "https://example.org/about/"
    assert meta(page(published_site, ""), "og:url") == "https://example.org/"


# ---- sitemap and robots.txt ----


def sitemap_entries(output):
    tree = ET.parse(output / "sitemap.xml")
    return {
        url.findtext("s:loc", namespaces=SITEMAP_NS): url.findtext(
            "s:lastmod", namespaces=SITEMAP_NS
        )
        for url in tree.getroot().findall("s:url", SITEMAP_NS)
    }


def test_sitemap_lists_articles_and_pages_with_lastmod(built):
    entries = sitemap_entries(built)
    for path in [*PUBLISHED, "about/", "", "archives/", "tags/", "search/"]:
        assert f"/{path}" in entries, path
    assert entries["/a-long-read/"] == "2024-03-09T18:30:00-08:00"
    assert entries["/the-ingredients/"] == "2024-02-12T09:00:00-08:00"
    assert all(
        re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$", v) for v in entries.values()
    )
    for left_out in ("drafts", "404", "book/elsewhere", "unfinished-thoughts", "robots"):
        assert not [loc for loc in entries if left_out in loc], left_out


@pytest.mark.parametrize(
    ("url", "excluded"),
    [
        ("book/elsewhere/", True),
        ("drafts/x/", True),
        ("404.html", True),
        ("book/", False),
        ("book/california/", False),
        ("the-ingredients/", False),
    ],
)
def test_sitemap_exclusions(url, excluded):
    patterns = pelicanconf.SITEMAP["exclude"]
    assert any(re.search(p, url) for p in patterns) == excluded


def test_publish_build_has_robots_txt_and_an_absolute_sitemap(published_site):
    robots = (published_site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in robots
    assert "Sitemap: https://example.org/sitemap.xml" in robots
    entries = sitemap_entries(published_site)
    assert "https://example.org/the-ingredients/" in entries
    assert "https://example.org/about/" in entries
    assert all(loc.startswith("https://example.org/") for loc in entries)


# ---- 404 ----


def test_404_page_offers_help_search_and_recent_articles(built):
    soup = parse(built / "404.html")
    assert meta(soup, "robots") == "noindex"
    main = soup.find("main")
    help_box = main.select_one(".notfound-help")
    text = " ".join(help_box.get_text().split())
    assert "call 911" in text
    assert "Call or text 988" in text
    assert "text HOME to 741741" in text
    headings = [h.get_text() for h in main.find_all("h2")]
    assert headings[0] == help_box.find("h2").get_text()  # before anything else
    assert "Search the articles" in headings
    assert main.select_one("#search")["data-bundle"] == "/pagefind/"
    recent = [a.get_text() for a in main.find_all("h2")[-1].find_next("ul").find_all("a")]
    assert "Short With Headings" in recent  # the newest article
    assert "Unfinished Thoughts" not in recent  # a draft


def test_every_link_and_share_image_resolves(built):
    assert find_broken_links(built) == []


# ---- reading aids ----


def test_reading_time_on_articles_and_in_listings(built):
    assert page(built, "a-long-read/").select_one(".post-meta .reading-time").get_text() == (
        "4 min read"
    )
    assert page(built, "the-ingredients/").select_one(".reading-time").get_text() == "3 min read"
    for listing in ("", "tag/trust/", "category/relationships/"):
        summaries = page(built, listing).select(".summary")
        assert summaries
        for summary in summaries:
            assert re.fullmatch(r"\d+ min read", summary.select_one(".reading-time").get_text())


def test_long_articles_get_a_table_of_contents(built):
    soup = page(built, "a-long-read/")
    toc = soup.select_one("nav.toc")
    assert toc["aria-label"] == "In this article"
    top = toc.select_one("ol.toc__list").find_all("li", recursive=False)
    assert [li.a.get_text() for li in top] == [
        "Why repair matters",
        "What a repair attempt looks like",
        "When repair doesn't land",
        "Practising together",
    ]
    assert [a.get_text() for a in top[1].find("ol").find_all("a")] == [
        "Small gestures",
        "Saying it out loud",
    ]
    body = soup.select_one(".post__body")
    for link in toc.find_all("a"):
        assert body.find(id=link["href"][1:]) is not None, link["href"]
    for short in ("short-with-headings/", "the-ingredients/"):
        assert page(built, short).select_one("nav.toc") is None, short


def test_older_and_newer_articles(built):
    nav = page(built, "the-ingredients/").select_one("nav.post-nav")
    older, newer = nav.find("a", rel="prev"), nav.find("a", rel="next")
    assert older["href"] == "/hostile-check/"
    assert newer["href"] == "/a-long-read/"
    assert "A Long Read About Repair" in newer.get_text()
    first = page(built, "hostile-check/").select_one("nav.post-nav")
    assert first.find("a", rel="prev") is None
    last = page(built, "short-with-headings/").select_one("nav.post-nav")
    assert last.find("a", rel="next") is None


def test_related_articles_share_tags(built):
    related = page(built, "the-ingredients/").select_one("section.related")
    assert [a.get_text() for a in related.find_all("a")] == [
        "A Long Read About Repair",  # two shared tags
        "Short With Headings",  # one; the draft shares two but isn't published
    ]
    assert page(built, "hostile-check/").select_one("section.related") is None


def test_bad_reading_aids_setting_fails_the_build_naming_the_key(tmp_path):
    result = run_build(
        tmp_path / "output", extra=["--set", 'READING_AIDS={"words_per_minut": 200}']
    )
    assert result.returncode != 0
    assert "Invalid 'READING_AIDS' key: 'words_per_minut'" in result.stderr
