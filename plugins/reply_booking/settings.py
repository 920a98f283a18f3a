"""The PRACTICE settings block: defaults, validation and placeholders.

Pure functions only: they take plain values and return plain values, so the build
(`reply_booking.check_settings`), the publish pipeline (`invoke check`) and the tests
share them. Key paths are written the way the owner would write them in
pelicanconf.py: `PRACTICE["states"]["california"]["lookup_url"]`.
"""

import difflib
import re
from urllib.parse import urlsplit

PLACEHOLDER_PREFIX = "PLACEHOLDER"

# Settings that carry this plugin's prefix, besides PRACTICE itself.
PREFIXED_SETTINGS = {
    "PRACTICE_REFUSE_PLACEHOLDERS": "True or False",
}

# Where people outside her states can look for a licensed therapist of their own.
DEFAULT_DIRECTORIES = [
    {
        "label": "AAMFT Therapist Locator",
        "url": "https://www.aamft.org/Directories/Find_a_Therapist.aspx",
        "description": "marriage and family therapists near you, from their national association",
    },
    {
        "label": "Psychology Today therapist directory",
        "url": "https://www.psychologytoday.com/us/therapists",
        "description": "therapists by city or ZIP code, with the state each one is licensed in",
    },
    {
        "label": "Your state's licensing board (AMFTRB)",
        "url": "https://amftrb.org/",
        "description": (
            "the association of state boards links to each state's marriage and family "
            "therapy board, where you can look up any therapist's license"
        ),
    },
]

_REQUIRED = object()
_EMAIL = re.compile(r"[^@\s?&#%<>\"',;:()\[\]\\]+@[^@\s?&#%<>\"',;:()\[\]\\]+\.[A-Za-z]{2,}")
_SLUG = re.compile(r"[a-z][a-z0-9-]*")
RESERVED_STATE_KEYS = ("elsewhere",)  # /book/elsewhere/ is for everyone else


class PracticeSettingsError(ValueError):
    """PRACTICE (or a PRACTICE_* setting) is malformed; the message lists every problem."""


def is_placeholder(value):
    """True for a value the owner still has to fill in."""
    return isinstance(value, str) and value.startswith(PLACEHOLDER_PREFIX)


# ---- Value checkers: each returns None when fine, else what was expected. ----


def _text(value):
    if isinstance(value, str) and value.strip():
        return None
    return "a non-empty string"


def _optional_text(value):
    return None if isinstance(value, str) else 'a string (or "" to leave it out)'


def _text_or_list(value):
    if isinstance(value, str):
        return None
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return None
    return 'a string, or a list of non-empty strings (one line each), or "" to leave it out'


def _email(value):
    if isinstance(value, str) and _EMAIL.fullmatch(value):
        return None
    return 'an e-mail address such as "hello@example.com"'


def _https_url(value):
    expected = 'an https:// URL such as "https://example.com/"'
    if not isinstance(value, str) or any(c.isspace() for c in value):
        return expected
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc:
        return expected
    return None


def _bool(value):
    return None if isinstance(value, bool) else "True or False"


def _states_shape(value):
    if isinstance(value, dict) and value:
        return None
    return 'a dict of states, e.g. {"california": {...}, "connecticut": {...}}'


def _list_shape(value):
    return None if isinstance(value, list) else "a list of {label, url, description} dicts"


# Checkers for string values: a PLACEHOLDER string stands in for any of them.
_STRING_CHECKERS = (_text, _optional_text, _text_or_list, _email, _https_url)

STATE_FIELDS = {
    "name": (_REQUIRED, _text),  # "California"
    "title": (_REQUIRED, _text),  # the state's legal title for her license
    "abbreviation": (_REQUIRED, _text),
    "number": (_REQUIRED, _text),
    "board": (_REQUIRED, _text),
    "lookup_url": (_REQUIRED, _https_url),  # the board's public license look-up
    "telehealth_law": ("", _optional_text),  # the rule's source, e.g. "16 CCR §1815.5"
}

DIRECTORY_FIELDS = {
    "label": (_REQUIRED, _text),
    "url": (_REQUIRED, _https_url),
    "description": ("", _optional_text),
}

PRACTICE_FIELDS = {
    "name": (_REQUIRED, _text),
    "short_name": ("", _optional_text),  # "" means the first word of name
    "credentials": (_REQUIRED, _text),
    "email": (_REQUIRED, _email),
    "booking_url": (_REQUIRED, _https_url),
    "consultation": ("", _optional_text),
    "fees": ("", _text_or_list),
    "states": (_REQUIRED, _states_shape),  # each state: see _check_states
    "directories": (DEFAULT_DIRECTORIES, _list_shape),  # each entry: see _check_directories
}


def key_path(*keys):
    """`PRACTICE["states"]["california"]`, `PRACTICE["directories"][0]`, ..."""
    root, *rest = keys
    return root + "".join(f"[{k}]" if isinstance(k, int) else f'["{k}"]' for k in rest)


def _unknown_key(path, key, allowed, noun="key"):
    message = f"{key_path(*path, key)}: unknown {noun}; expected one of: {', '.join(allowed)}"
    close = difflib.get_close_matches(str(key), list(allowed), n=1)
    return message + (f' (did you mean "{close[0]}"?)' if close else "")


def _check_fields(value, fields, path):
    """Problems in one dict checked against a {key: (default, checker)} schema."""
    if not isinstance(value, dict):
        return [f"{key_path(*path)}: expected a dict with the keys {', '.join(fields)}"]
    problems = [_unknown_key(path, key, fields) for key in value if key not in fields]
    for key, (default, checker) in fields.items():
        if key not in value:
            if default is _REQUIRED:
                problems.append(f"{key_path(*path, key)}: missing; expected {checker(None)}")
            continue
        if is_placeholder(value[key]) and checker in _STRING_CHECKERS:
            continue
        expected = checker(value[key])
        if expected:
            problems.append(f"{key_path(*path, key)}: expected {expected}, got {value[key]!r}")
    return problems


def _check_states(states, path):
    if _states_shape(states):
        return []  # already reported by _check_fields
    problems = []
    for key, state in states.items():
        if not isinstance(key, str) or not _SLUG.fullmatch(key) or key in RESERVED_STATE_KEYS:
            problems.append(
                f"{key_path(*path, key)}: expected a lower-case slug such as "
                f'"california" (it becomes /book/<slug>/), not "elsewhere"'
            )
            continue
        problems += _check_fields(state, STATE_FIELDS, (*path, key))
    return problems


def _check_directories(directories, path):
    if _list_shape(directories):
        return []  # already reported by _check_fields
    problems = []
    for index, entry in enumerate(directories):
        problems += _check_fields(entry, DIRECTORY_FIELDS, (*path, index))
    return problems


def validate_practice(practice):
    """Every problem in the PRACTICE block, one message per bad key (empty when valid)."""
    if practice is None:
        return [
            "PRACTICE: missing; expected a dict (see README, 'Settings the owner must fill in')"
        ]
    problems = _check_fields(practice, PRACTICE_FIELDS, ("PRACTICE",))
    if not isinstance(practice, dict):
        return problems
    if "states" in practice:
        problems += _check_states(practice["states"], ("PRACTICE", "states"))
    if "directories" in practice:
        problems += _check_directories(practice["directories"], ("PRACTICE", "directories"))
    return problems


def validate_prefixed(settings):
    """Problems in the PRACTICE_* settings: unknown names and wrong types."""
    problems = []
    for name in sorted(settings):
        if not name.startswith("PRACTICE_"):
            continue
        if name not in PREFIXED_SETTINGS:
            problems.append(_unknown_key((), name, PREFIXED_SETTINGS, "setting"))
            continue
        expected = _bool(settings[name])
        if expected:
            problems.append(f"{name}: expected {expected}, got {settings[name]!r}")
    return problems


def validate_settings(settings):
    """Every problem in PRACTICE and the PRACTICE_* settings of a settings dict."""
    return validate_practice(settings.get("PRACTICE")) + validate_prefixed(settings)


def format_problems(problems):
    """The build's error message: one line per problem."""
    count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
    return (
        f"the PRACTICE settings (pelicanconf.py) have {count}:\n  - "
        + "\n  - ".join(problems)
        + "\nSee README.md, 'Settings the owner must fill in'."
    )


def with_defaults(practice):
    """A valid PRACTICE block with every optional key filled in; the input is unchanged."""
    merged = {k: d for k, (d, _) in PRACTICE_FIELDS.items() if d is not _REQUIRED}
    merged.update({k: v for k, v in practice.items() if k not in ("states", "directories")})
    if not merged.get("short_name"):
        merged["short_name"] = merged["name"].split()[0]
    merged["states"] = {
        key: dict({k: d for k, (d, _) in STATE_FIELDS.items() if d is not _REQUIRED}, **state)
        for key, state in practice["states"].items()
    }
    merged["directories"] = [
        dict({k: d for k, (d, _) in DIRECTORY_FIELDS.items() if d is not _REQUIRED}, **entry)
        for entry in practice.get("directories", DEFAULT_DIRECTORIES)
    ]
    if isinstance(merged.get("fees"), str):
        merged["fees"] = [merged["fees"]] if merged["fees"].strip() else []
    return merged


def find_placeholders(practice, path=("PRACTICE",)):
    """Key paths of every value still starting with PLACEHOLDER, in settings order.

    `find_placeholders(settings["PRACTICE"])` -> ['PRACTICE["email"]', ...]. Works on
    the raw block from pelicanconf.py as well as on the one with defaults filled in.
    """
    if is_placeholder(practice):
        return [key_path(*path)]
    if isinstance(practice, dict):
        items = practice.items()
    elif isinstance(practice, list):
        items = enumerate(practice)
    else:
        return []
    return [found for key, value in items for found in find_placeholders(value, (*path, key))]


def placeholder_verdict(placeholders, refuse, allowed):
    """What the build does about placeholders: ("ok" | "warn" | "refuse", message).

    refuse: PRACTICE_REFUSE_PLACEHOLDERS (True in publishconf.py);
    allowed: the environment sets SITE_ALLOW_PLACEHOLDERS=1 (a staging deploy).
    """
    if not placeholders or not refuse:
        return "ok", ""
    keys = "\n  - ".join(placeholders)
    if allowed:
        return "warn", (
            f"!!! SITE_ALLOW_PLACEHOLDERS=1: publishing with {len(placeholders)} PLACEHOLDER "
            "practice setting(s). This build is for staging only and must not go live "
            f"until they are filled in:\n  - {keys}"
        )
    return "refuse", (
        f"the publish settings refuse PLACEHOLDER values, and {len(placeholders)} "
        f"practice setting(s) still have one; fill them in in pelicanconf.py:\n  - {keys}\n"
        "(For a staging deploy only, set SITE_ALLOW_PLACEHOLDERS=1 to build anyway.)"
    )
