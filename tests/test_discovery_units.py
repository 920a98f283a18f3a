"""Discovery: the pure functions behind reading aids, search settings and site metadata."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from plugins.reading_aids import read_settings as reading_settings
from plugins.reading_aids.aids import (
    TocEntry,
    analyse,
    neighbours,
    reading_minutes,
    related_articles,
    table_of_contents,
)
from plugins.search_index import settings_errors
from plugins.site_meta import read_settings as meta_settings
from plugins.site_meta.meta import (
    absolute_url,
    choose_share_image,
    content_image_path,
    credentials,
    page_path,
    person,
    robots_txt,
)

DEFAULT_IMAGE = {"url": "theme/images/share.png", "alt": "Default", "width": 1200, "height": 630}


def tag(slug):
    return SimpleNamespace(slug=slug)


def post(title, day, *tags):
    return SimpleNamespace(
        title=title,
        date=datetime(2024, 1, day, tzinfo=UTC),
        tags=[tag(t) for t in tags],
        source_path=f"/content/{title}.md",
    )


# ---- reading aids ----


def test_analyse_counts_visible_words_and_collects_headings():
    html = (
        '<h2 id="why">Why <em>it</em> matters</h2><p>One two, three&nbsp;four.</p>'
        "<script>not counted at all</script>"
        '<h3 id="how">How</h3><p>It’s well-known.</p><h4 id="deep">Deep</h4>'
    )
    words, headings = analyse(html)
    assert words == 11  # Why it matters One two three four How It’s well-known Deep
    assert headings == [(2, "why", "Why it matters"), (3, "how", "How")]


@pytest.mark.parametrize(
    ("words", "minutes"), [(0, 1), (1, 1), (230, 1), (231, 2), (642, 3), (2300, 10)]
)
def test_reading_minutes_round_up_and_never_zero(words, minutes):
    assert reading_minutes(words, 230) == minutes


HEADINGS = [(2, "a", "A"), (3, "a1", "A one"), (2, "b", "B"), (3, "b1", "B one"), (2, "c", "C")]


@pytest.mark.parametrize(
    ("headings", "words", "expected_top_level"),
    [
        (HEADINGS, 1000, ["a", "b", "c"]),
        (HEADINGS, 599, []),  # too short
        (HEADINGS[:2], 5000, []),  # too few headings
        ([(3, "x", "X"), *HEADINGS], 1000, ["x", "a", "b", "c"]),  # a leading h3 stays top level
        ([(2, None, "No id"), (2, "d", ""), *HEADINGS[:2]], 1000, []),  # unusable headings
    ],
)
def test_table_of_contents_only_for_long_articles(headings, words, expected_top_level):
    toc = table_of_contents(headings, words, min_headings=3, min_words=600)
    assert [entry.id for entry in toc] == expected_top_level


def test_table_of_contents_nests_h3_under_the_h2_before_it():
    toc = table_of_contents(HEADINGS, 1000, min_headings=3, min_words=600)
    assert toc[0] == TocEntry("a", "A", (TocEntry("a1", "A one"),))
    assert toc[0].children[0].children == ()
    assert toc[2].children == ()


def test_neighbours_are_ordered_by_date():
    first, second, third = post("First", 1), post("Second", 2), post("Third", 3)
    result = neighbours([third, first, second])
    assert [(a.title, o and o.title, n and n.title) for a, o, n in result] == [
        ("First", None, "Second"),
        ("Second", "First", "Third"),
        ("Third", "Second", None),
    ]


def test_related_articles_rank_by_shared_tags_then_date():
    current = post("Current", 10, "trust", "anger", "sex")
    two_old = post("Two shared, older", 1, "trust", "anger")
    two_new = post("Two shared, newer", 5, "trust", "anger", "money")
    one = post("One shared", 9, "sex")
    none = post("Nothing shared", 8, "money")
    candidates = [none, one, two_old, current, two_new]
    titles = [a.title for a in related_articles(current, candidates, limit=3)]
    assert titles == ["Two shared, newer", "Two shared, older", "One shared"]
    assert [a.title for a in related_articles(current, candidates, limit=1)] == [
        "Two shared, newer"
    ]


@pytest.mark.parametrize("tags", [(), ("money",)])
def test_related_articles_need_a_shared_tag(tags):
    current = post("Current", 10, *tags)
    assert related_articles(current, [current, post("Other", 1, "trust")], limit=3) == []


def test_reading_aids_settings_merge_over_defaults():
    aids, errors = reading_settings({"READING_AIDS": {"toc_min_words": 0}})
    assert errors == []
    assert aids == {
        "words_per_minute": 230,
        "related_limit": 3,
        "toc_min_headings": 3,
        "toc_min_words": 0,
    }


def test_reading_aids_settings_name_every_bad_key():
    _aids, errors = reading_settings(
        {"READING_AIDS": {"words_per_minut": 200, "related_limit": -1, "toc_min_words": "600"}}
    )
    assert len(errors) == 3
    assert "Invalid 'READING_AIDS' key: 'words_per_minut'" in errors[0]
    assert "READING_AIDS['related_limit'] must be a whole number >= 0, got -1" in errors[1]
    assert "READING_AIDS['toc_min_words']" in errors[2]


# ---- search index ----


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"SEARCH_INDEX_ENABLED": "yes"}, "SEARCH_INDEX_ENABLED must be True or False"),
        ({"SEARCH_URL": "/search/"}, "SEARCH_URL must be a path relative to the site root"),
        ({"SEARCH_SAVE_AS": ""}, "SEARCH_SAVE_AS must be a path relative to the site root"),
        ({"SEARCH_INDEX_SHARD_SIZE": 0}, "SEARCH_INDEX_SHARD_SIZE must be a whole number"),
        ({"SEARCH_INDEX_SHARD_SIZE": "250"}, "SEARCH_INDEX_SHARD_SIZE must be a whole number"),
        ({"SEARCH_INDEX_SHARD_SIZE": True}, "SEARCH_INDEX_SHARD_SIZE must be a whole number"),
    ],
)
def test_search_settings_are_checked(settings, message):
    errors = settings_errors(settings)
    assert len(errors) == 1
    assert message in errors[0]


def test_search_defaults_are_valid():
    assert settings_errors({}) == []


# ---- site metadata ----


@pytest.mark.parametrize(
    ("siteurl", "path", "expected"),
    [
        ("", "the-ingredients/", "/the-ingredients/"),
        ("", "", "/"),
        ("https://example.org", "the-ingredients/", "https://example.org/the-ingredients/"),
        ("https://example.org/blog/", "/about/", "https://example.org/blog/about/"),
        ("https://example.org", "https://cdn.example/x.png", "https://cdn.example/x.png"),
    ],
)
def test_absolute_url(siteurl, path, expected):
    assert absolute_url(siteurl, path) == expected


@pytest.mark.parametrize(
    ("output_file", "expected"),
    [
        ("index.html", ""),
        ("the-ingredients/index.html", "the-ingredients/"),
        ("page/2/index.html", "page/2/"),
        ("404.html", "404.html"),
        ("notindex.html", "notindex.html"),
        ("tag//index.html", "tag/"),
    ],
)
def test_page_path_drops_index_html(output_file, expected):
    assert page_path(output_file) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("images/a.png", "images/a.png"),
        ("/images/a.png", "images/a.png"),
        ("{static}/images/a.png", "images/a.png"),
        (" https://example.org/a.png ", None),
    ],
)
def test_content_image_path(value, expected):
    assert content_image_path(value) == expected


def test_share_image_order_template_then_card_then_own_image_then_default():
    card = {"url": "cards/x.png", "alt": "Card", "width": 1200, "height": 630}
    own = {"url": "images/own.png", "alt": "Own", "width": 800, "height": 400}
    given = {"url": "prompts/p.png", "alt": "Prompt", "width": 1200, "height": 630}
    article = SimpleNamespace(title="T", share_image=card, own_image=own)
    assert choose_share_image(given, article, DEFAULT_IMAGE)["url"] == "prompts/p.png"
    assert choose_share_image(None, article, DEFAULT_IMAGE)["url"] == "cards/x.png"
    article.share_image = None
    assert choose_share_image(None, article, DEFAULT_IMAGE) == own
    assert choose_share_image(None, SimpleNamespace(title="T"), DEFAULT_IMAGE) == DEFAULT_IMAGE
    assert choose_share_image(None, None, DEFAULT_IMAGE) == DEFAULT_IMAGE
    untitled = SimpleNamespace(title="Title", own_image={"url": "https://e.org/a.png"})
    assert choose_share_image(None, untitled, DEFAULT_IMAGE) == {
        "url": "https://e.org/a.png",
        "alt": "Title",
        "width": None,
        "height": None,
    }


PRACTICE = {
    "name": "Yasmine Binghalib",
    "credentials": "LMFT",
    "states": {
        "california": {
            "name": "California",
            "title": "Licensed Marriage and Family Therapist",
            "number": "123456",
            "board": "California Board of Behavioral Sciences",
        },
        "connecticut": {
            "name": "Connecticut",
            "title": "Licensed Marital and Family Therapist",
            "number": "PLACEHOLDER: Connecticut LMFT number",
            "board": "Connecticut Department of Public Health",
        },
    },
}


def test_one_credential_per_state_license_without_placeholder_numbers():
    california, connecticut = credentials(PRACTICE)
    assert california == {
        "@type": "EducationalOccupationalCredential",
        "credentialCategory": "license",
        "name": "Licensed Marriage and Family Therapist",
        "recognizedBy": {
            "@type": "Organization",
            "name": "California Board of Behavioral Sciences",
        },
        "validIn": {"@type": "State", "name": "California"},
        "identifier": "123456",
    }
    assert connecticut["name"] == "Licensed Marital and Family Therapist"
    assert connecticut["validIn"] == {"@type": "State", "name": "Connecticut"}
    assert "identifier" not in connecticut


def test_person_serves_both_states_through_an_offer():
    data = person(PRACTICE, "Bio.", "https://example.org/about/", "Online therapy")
    assert data["@type"] == "Person"
    assert data["url"] == "https://example.org/about/"
    assert len(data["hasCredential"]) == 2
    states = [{"@type": "State", "name": "California"}, {"@type": "State", "name": "Connecticut"}]
    assert data["makesOffer"]["areaServed"] == states
    assert data["makesOffer"]["itemOffered"]["areaServed"] == states


def test_site_meta_settings_name_every_bad_key():
    assert meta_settings({})[1] == []
    _config, errors = meta_settings(
        {"SITE_META": {"default_img": {}, "default_image": {"url": "x.png", "width": "1200"}}}
    )
    assert "Invalid 'SITE_META' key: 'default_img'" in errors[0]
    assert any("['alt'] must be a non-empty str" in e for e in errors)
    assert any("['width'] must be a non-empty int, got '1200'" in e for e in errors)
    assert any("['height']" in e for e in errors)


@pytest.mark.parametrize(
    ("siteurl", "sitemap_line"),
    [
        ("https://example.org", "Sitemap: https://example.org/sitemap.xml"),
        ("https://example.org/blog", "Sitemap: https://example.org/blog/sitemap.xml"),
        ("", "# No Sitemap line: SITEURL is not an absolute URL in this build."),
    ],
)
def test_robots_txt_points_to_the_sitemap(siteurl, sitemap_line):
    lines = robots_txt(siteurl, "sitemap.xml").splitlines()
    assert lines[0] == "User-agent: *"
    assert lines[-1] == sitemap_line


def test_an_articles_reading_aids_read_as_attributes_of_their_own():
    """article.word_count, .toc, ... read the one `reading_aids` attribute; without it
    an article has none (templates see them undefined), and an attribute its metadata
    set is read as before."""
    import datetime as dt

    from jinja2 import Environment
    from pelican.contents import Article
    from pelican.settings import DEFAULT_CONFIG

    from plugins.reading_aids import ReadingAids, install_reading_aids

    install_reading_aids()
    settings = {**DEFAULT_CONFIG, "SITEURL": ""}

    def article(**metadata):
        metadata = {"title": "Post", "date": dt.datetime(2026, 1, 1), **metadata}
        return Article("<p>x</p>", metadata=metadata, settings=settings, context={})

    older = article()
    aided = article()
    aided.reading_aids = ReadingAids(412, 2, [], [older], older_article=older)
    assert (aided.word_count, aided.reading_time, aided.toc) == (412, 2, [])
    assert aided.related_articles == [older]
    assert aided.older_article is older
    assert aided.newer_article is None
    assert getattr(article(), "reading_time", "none") == "none"
    assert article(toc="by hand").toc == "by hand"
    template = Environment().from_string("{{ a.reading_time }} min{{ b.reading_time }}")
    assert template.render(a=aided, b=article()) == "2 min"
