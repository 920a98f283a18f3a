"""plugins/feed_text: feed titles and summaries are the plain text the author wrote."""

from types import SimpleNamespace

import pytest
from markupsafe import Markup

from plugins.feed_text import FeedItem

HOSTILE = '</script><script>alert(1)</script> "><svg onload=alert(1)>'


def article(title, summary=None, content="<p>Body</p>"):
    metadata = {} if summary is None else {"summary": summary}
    return SimpleNamespace(
        title=title, metadata=metadata, summary=summary or content[:6], url="a/", content=content
    )


@pytest.mark.parametrize("title", [HOSTILE, "Tom & Jerry", "When x <y> z", "Why <3 matters"])
def test_the_title_survives_pelicans_tag_stripping_exactly(title):
    # Pelican's feed writer does Markup(item.title).striptags().
    assert Markup(FeedItem(article(title)).title).striptags() == title


def test_a_plain_summary_becomes_html_that_shows_the_text():
    item = FeedItem(article("t", summary=HOSTILE))
    assert "<" not in item.summary
    assert Markup(item.summary).unescape() == HOSTILE


def test_summaries_that_are_html_already_are_left_alone():
    formatted = FeedItem(article("t", summary="<em>fine</em>"), plain_summary=False)
    assert formatted.summary == "<em>fine</em>"
    from_body = FeedItem(article("t", content="<p>Body text</p>"))
    assert from_body.summary == "<p>Bod"


def test_everything_else_is_the_article():
    original = article("t")
    item = FeedItem(original)
    assert item.url == "a/"
    assert item.content == "<p>Body</p>"
    assert not hasattr(item, "category")
