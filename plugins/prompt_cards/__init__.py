"""Prompt cards: reflection prompts written inside articles, turned into a card deck.

Authors write a ```prompts block in an article (syntax: parse.py, README "Writing
prompts"). The plugin removes it from the body, gives the article `prompt_cards` (shown
by partials/prompt_deck.html) and a `share_image`, and writes /prompts/ (the deck, by
theme and level), /prompts/level/<level>/, /prompts/print/ and one page plus one
1200×630 PNG per card. Settings: PROMPT_CARDS_* (settings.DEFAULTS).

Modules: parse (syntax, slugs, errors), render (Pillow cards, reusable), imagecache,
deck (grouping, prompt of the day, draw order), settings, markdown_ext, generator.
"""

from blinker import signal
from pelican import signals

from .generator import (
    attach_cards,
    configure,
    get_generators,
    publish_cached_images,
    take_linted_cards,
)


def register():
    # initialized: the settings are final and nothing has been read yet, so a bad
    # setting fails at once and the Markdown extension is in place for the first read.
    signals.initialized.connect(configure)
    # sitetools.content_linted (sitetools/build.py): the linter passed, and hands over
    # the cards it parsed; attach_cards then parses only files changed since.
    signal("sitetools.content_linted").connect(take_linted_cards)
    # article_generator_finalized: runs on every build, cached or not, once every
    # article (hidden and draft ones too) is known and before any page is written, so
    # slugs are checked across the whole site and article pages can show their cards.
    signals.article_generator_finalized.connect(attach_cards)
    # get_generators: the deck, card pages and share images are new output files.
    signals.get_generators.connect(get_generators)
    # finalized: every page is written. Share images that are all cached are linked
    # first thing; images still being drawn are waited for last (publish_last).
    signals.finalized.connect(publish_cached_images)
