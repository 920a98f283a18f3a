"""The plugin's settings: documented defaults, merged with the site's, checked once."""

import datetime
import difflib
import os
import re

from .parse import ParseOptions
from .render import PALETTE_TOKENS

PREFIX = "PROMPT_CARDS_"

DEFAULTS = {
    # Levels, lightest first, each with the note the deck shows under its name.
    "PROMPT_CARDS_LEVELS": {
        "gentle": "Easy ways in: light, curious, good for any evening.",
        "deeper": "About needs, habits and hopes. Pick a calm moment with time to listen.",
        "vulnerable": "Old hurts, fears and what's hard to say. For when you both feel safe.",
    },
    # The level and theme of a card that doesn't name them (`- just text`).
    "PROMPT_CARDS_DEFAULT_LEVEL": "gentle",
    "PROMPT_CARDS_DEFAULT_THEME": "connection",
    # Longest prompt, in characters, that still reads well on a 1200×630 card.
    "PROMPT_CARDS_MAX_LENGTH": 200,
    # Card slugs are the prompt's first words, up to this many characters.
    "PROMPT_CARDS_SLUG_MAX_LENGTH": 40,
    # Where the pages go (relative to SITEURL; each page is saved as <url>index.html).
    "PROMPT_CARDS_URL": "prompts/{slug}/",
    "PROMPT_CARDS_IMAGE_SAVE_AS": "prompts/{slug}/{slug}.png",
    "PROMPT_CARDS_DECK_URL": "prompts/",
    "PROMPT_CARDS_LEVEL_URL": "prompts/level/{level}/",
    "PROMPT_CARDS_PRINT_URL": "prompts/print/",
    # A 1200×630 title card per article, used as its share image unless it has `Image:`.
    "PROMPT_CARDS_ARTICLE_IMAGES": True,
    "PROMPT_CARDS_ARTICLE_IMAGE_SAVE_AS": "share/{slug}.png",
    # Rendered images, keyed by a hash of what they show. None: <CACHE_PATH>/prompt_cards.
    "PROMPT_CARDS_CACHE_PATH": None,
    # Cached images no build has used for this many days are deleted.
    "PROMPT_CARDS_CACHE_DAYS": 30,
    # Overrides for the colours read from the theme's site.css (:root --color-* tokens),
    # e.g. {"accent": "#7a3e48"}.
    "PROMPT_CARDS_PALETTE": {},
    # "YYYY-MM-DD" pins the prompt of the day; None: the build date in TIMEZONE.
    "PROMPT_CARDS_DATE": None,
    # Processes that render missing images; 0: one per CPU core (at most 2), 1: serial.
    "PROMPT_CARDS_WORKERS": 0,
}

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


# The folder of rendered images under CACHE_PATH when PROMPT_CARDS_CACHE_PATH is None.
IMAGE_CACHE_DIR = "prompt_cards"


def image_cache_path(settings):
    """Where the rendered images are kept: PROMPT_CARDS_CACHE_PATH, or by default
    CACHE_PATH/prompt_cards."""
    path = settings.get("PROMPT_CARDS_CACHE_PATH")
    return os.path.join(settings["CACHE_PATH"], IMAGE_CACHE_DIR) if path is None else path


def merge(settings):
    """DEFAULTS, then the site's own PROMPT_CARDS_* values."""
    return dict(DEFAULTS, **{k: v for k, v in settings.items() if k.startswith(PREFIX)})


def _url_problem(value, placeholder):
    if not isinstance(value, str) or not value.endswith("/") or value.startswith("/"):
        return f"expected a relative URL ending in '/', got {value!r}"
    if placeholder and placeholder not in value:
        return f"expected a URL containing {placeholder}, got {value!r}"
    return None


def _image_problem(value, placeholder="{slug}"):
    if not isinstance(value, str) or not value.endswith(".png") or placeholder not in value:
        return f"expected a path ending in .png and containing {placeholder}, got {value!r}"
    return None


def validate(config):
    """One message per bad key of a merged config; an empty list when all is well."""
    problems = {}
    for key in sorted(set(config) - set(DEFAULTS)):
        guess = difflib.get_close_matches(key, DEFAULTS, n=1)
        hint = f"; did you mean '{guess[0]}'?" if guess else f"; known: {', '.join(DEFAULTS)}"
        problems[key] = f"unknown setting{hint}"

    levels = config["PROMPT_CARDS_LEVELS"]
    if (
        not isinstance(levels, dict)
        or not levels
        or not all(isinstance(k, str) and _SLUG.match(k) for k in levels)
        or not all(isinstance(v, str) for v in levels.values())
    ):
        problems["PROMPT_CARDS_LEVELS"] = (
            f"expected a non-empty dict of lower-case level names to descriptions, got {levels!r}"
        )
        levels = DEFAULTS["PROMPT_CARDS_LEVELS"]
    if config["PROMPT_CARDS_DEFAULT_LEVEL"] not in levels:
        problems["PROMPT_CARDS_DEFAULT_LEVEL"] = (
            f"{config['PROMPT_CARDS_DEFAULT_LEVEL']!r} is not one of the levels "
            f"({', '.join(levels)})"
        )
    theme = config["PROMPT_CARDS_DEFAULT_THEME"]
    if not isinstance(theme, str) or not theme.strip():
        problems["PROMPT_CARDS_DEFAULT_THEME"] = f"expected a non-empty string, got {theme!r}"
    for key, low in (
        ("PROMPT_CARDS_MAX_LENGTH", 20),
        ("PROMPT_CARDS_SLUG_MAX_LENGTH", 8),
        ("PROMPT_CARDS_CACHE_DAYS", 0),
        ("PROMPT_CARDS_WORKERS", 0),
    ):
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            problems[key] = f"expected a whole number of at least {low}, got {value!r}"
    for key, placeholder in (
        ("PROMPT_CARDS_URL", "{slug}"),
        ("PROMPT_CARDS_DECK_URL", None),
        ("PROMPT_CARDS_LEVEL_URL", "{level}"),
        ("PROMPT_CARDS_PRINT_URL", None),
    ):
        problem = _url_problem(config[key], placeholder)
        if problem:
            problems[key] = problem
    for key in ("PROMPT_CARDS_IMAGE_SAVE_AS", "PROMPT_CARDS_ARTICLE_IMAGE_SAVE_AS"):
        problem = _image_problem(config[key])
        if problem:
            problems[key] = problem
    if not isinstance(config["PROMPT_CARDS_ARTICLE_IMAGES"], bool):
        problems["PROMPT_CARDS_ARTICLE_IMAGES"] = (
            f"expected True or False, got {config['PROMPT_CARDS_ARTICLE_IMAGES']!r}"
        )
    cache = config["PROMPT_CARDS_CACHE_PATH"]
    if cache is not None and not isinstance(cache, str | os.PathLike):
        problems["PROMPT_CARDS_CACHE_PATH"] = f"expected a folder path or None, got {cache!r}"
    palette = config["PROMPT_CARDS_PALETTE"]
    if not isinstance(palette, dict):
        problems["PROMPT_CARDS_PALETTE"] = f"expected a dict of colours, got {palette!r}"
    else:
        bad = [
            f"{name}={value!r}"
            for name, value in palette.items()
            if name not in PALETTE_TOKENS or not isinstance(value, str) or not _HEX.match(value)
        ]
        if bad:
            problems["PROMPT_CARDS_PALETTE"] = (
                f"expected names from {', '.join(PALETTE_TOKENS)} with #rrggbb colours, "
                f"got {', '.join(bad)}"
            )
    day = config["PROMPT_CARDS_DATE"]
    if day is not None:
        try:
            datetime.date.fromisoformat(str(day))
        except ValueError:
            problems["PROMPT_CARDS_DATE"] = f"expected None or 'YYYY-MM-DD', got {day!r}"
    return [f"prompt_cards: Invalid '{key}': {message}" for key, message in problems.items()]


def parse_options(config):
    """The parser's view of a merged config."""
    return ParseOptions(
        levels=tuple(config["PROMPT_CARDS_LEVELS"]),
        default_level=config["PROMPT_CARDS_DEFAULT_LEVEL"],
        default_theme=config["PROMPT_CARDS_DEFAULT_THEME"],
        max_length=config["PROMPT_CARDS_MAX_LENGTH"],
        slug_max_length=config["PROMPT_CARDS_SLUG_MAX_LENGTH"],
    )
