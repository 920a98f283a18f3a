"""Feeds carry article titles and summaries as the plain text they are on this site.

Here titles and summaries are plain text (FORMATTED_FIELDS = [], autoescaped by the
theme), but Pelican's feed writer treats both as HTML: it strips anything tag-like from a
title (“When x <y> z” loses a word) and writes the summary unescaped into an HTML-typed
element, so `"><svg onload=alert(1)>` typed in a summary would reach feed readers as live
markup. This plugin's writer hands the feed writer escaped text instead: titles come out
exactly as written and summaries as inert text. Article bodies are HTML and untouched.
"""

from markupsafe import escape
from pelican import signals
from pelican.writers import Writer


class FeedItem:
    """An article as the feed writer should see it: title and summary as escaped text.

    Pelican strips tags from the title and then unescapes it, which turns the escaped
    title back into exactly the text written; the escaped summary is HTML that shows the
    text. A summary Pelican made from the body (no Summary: metadata) is HTML already.
    """

    def __init__(self, item, plain_summary=True):
        self._item = item
        self.title = escape(item.title)
        metadata = getattr(item, "metadata", {})
        if plain_summary and "summary" in metadata:
            self.summary = escape(metadata["summary"])
        else:
            self.summary = item.summary

    def __getattr__(self, name):
        return getattr(self._item, name)


class PlainTextFeedWriter(Writer):
    """Pelican's writer, adding feed items as FeedItem (see the module docstring)."""

    def _add_item_to_the_feed(self, feed, item):
        plain_summary = "summary" not in self.settings.get("FORMATTED_FIELDS", ())
        super()._add_item_to_the_feed(feed, FeedItem(item, plain_summary))


def get_writer(_pelican):
    return PlainTextFeedWriter


def register():
    # get_writer is Pelican's only hook into how feed items are written.
    signals.get_writer.connect(get_writer)
