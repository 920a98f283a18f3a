"""Reply and booking: the pure functions (validation, placeholders, links)."""

from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from plugins.reply_booking.links import (
    answers,
    booking_pages,
    build_mailto,
    join_names,
    reply_subject,
)
from plugins.reply_booking.settings import (
    DEFAULT_DIRECTORIES,
    find_placeholders,
    format_problems,
    placeholder_verdict,
    validate_practice,
    validate_prefixed,
    with_defaults,
)
from tests.practice_fixtures import DELETE, FILLED, practice

# ---- Validation ----


def test_the_filled_in_block_is_valid():
    assert validate_practice(FILLED) == []


def test_placeholders_stand_in_for_any_string_value():
    block = practice(
        (("email",), "PLACEHOLDER: e-mail"),
        (("booking_url",), "PLACEHOLDER: https://x"),
        (("states", "california", "lookup_url"), "PLACEHOLDER"),
    )
    assert validate_practice(block) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            (("states", "california", "lookup_url"), "search.dca.ca.gov"),
            'PRACTICE["states"]["california"]["lookup_url"]: expected an https:// URL',
        ),
        (
            (("states", "connecticut", "lookup_url"), "http://www.elicense.ct.gov/"),
            'PRACTICE["states"]["connecticut"]["lookup_url"]: expected an https:// URL',
        ),
        (
            (("booking_url",), "https://exa mple.com/"),
            'PRACTICE["booking_url"]: expected an https:// URL',
        ),
        (
            (("email",), "yasmine at example.com"),
            'PRACTICE["email"]: expected an e-mail address',
        ),
        (
            (("email",), "a@b.com?cc=someone@else.com"),
            'PRACTICE["email"]: expected an e-mail address',
        ),
        ((("name",), ""), 'PRACTICE["name"]: expected a non-empty string'),
        (
            (("states", "california", "number"), 123456),
            'PRACTICE["states"]["california"]["number"]: expected a non-empty string, got 123456',
        ),
        (
            (("fees",), 180),
            'PRACTICE["fees"]: expected a string, or a list of non-empty strings',
        ),
        ((("fees",), ["$180", ""]), 'PRACTICE["fees"]: expected a string, or a list'),
        ((("consultation",), None), 'PRACTICE["consultation"]: expected a string'),
        ((("states",), {}), 'PRACTICE["states"]: expected a dict of states'),
        ((("states",), "PLACEHOLDER"), 'PRACTICE["states"]: expected a dict of states'),
        (
            (("states", "california"), ["California"]),
            'PRACTICE["states"]["california"]: expected a dict with the keys name, title',
        ),
        (
            (("states", "elsewhere"), FILLED["states"]["california"]),
            'PRACTICE["states"]["elsewhere"]: expected a lower-case slug',
        ),
        (
            (("states", "New York"), FILLED["states"]["california"]),
            'PRACTICE["states"]["New York"]: expected a lower-case slug',
        ),
        (
            (("states", "california", "title"), DELETE),
            'PRACTICE["states"]["california"]["title"]: missing; expected a non-empty string',
        ),
        ((("booking_url",), DELETE), 'PRACTICE["booking_url"]: missing; expected an https://'),
        (
            (("colour",), "blue"),
            'PRACTICE["colour"]: unknown key; expected one of: name, short_name, credentials',
        ),
        (
            (("states", "california", "lookup"), "https://x.org/"),
            'PRACTICE["states"]["california"]["lookup"]: unknown key; expected one of: '
            "name, title, abbreviation, number, board, lookup_url, telehealth_law "
            '(did you mean "lookup_url"?)',
        ),
        (
            (("directories",), [{"label": "Directory", "url": "ftp://x.org/"}]),
            'PRACTICE["directories"][0]["url"]: expected an https:// URL',
        ),
        (
            (("directories",), [{"label": "Directory", "url": "https://x.org/", "note": ""}]),
            'PRACTICE["directories"][0]["note"]: unknown key',
        ),
        ((("directories",), "https://x.org/"), 'PRACTICE["directories"]: expected a list'),
    ],
)
def test_a_bad_value_is_reported_once_naming_its_key(edit, expected):
    problems = validate_practice(practice(edit))
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems[0]


def test_every_problem_is_reported_not_just_the_first():
    block = practice(
        (("email",), "nope"),
        (("states", "california", "lookup_url"), "nope"),
        (("states", "connecticut", "number"), DELETE),
    )
    problems = validate_practice(block)
    assert [p.split(":")[0] for p in problems] == [
        'PRACTICE["email"]',
        'PRACTICE["states"]["california"]["lookup_url"]',
        'PRACTICE["states"]["connecticut"]["number"]',
    ]
    message = format_problems(problems)
    assert message.startswith("the PRACTICE settings (pelicanconf.py) have 3 problems:")
    assert all(f"\n  - {p}" in message for p in problems)


@pytest.mark.parametrize("value", [None, "PRACTICE", ["name"]])
def test_practice_must_be_a_dict(value):
    (problem,) = validate_practice(value)
    assert problem.startswith("PRACTICE: ")


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"PRACTICE_REFUSE_PLACEHOLDERS": True}, []),
        ({"PRACTICE_REFUSE_PLACEHOLDERS": False, "PRACTICE": {}}, []),
        (
            {"PRACTICE_REFUSE_PLACEHOLDERS": "yes"},
            ["PRACTICE_REFUSE_PLACEHOLDERS: expected True or False, got 'yes'"],
        ),
        (
            {"PRACTICE_REFUSE_PLACEHOLDER": True},
            [
                "PRACTICE_REFUSE_PLACEHOLDER: unknown setting; expected one of: "
                'PRACTICE_REFUSE_PLACEHOLDERS (did you mean "PRACTICE_REFUSE_PLACEHOLDERS"?)'
            ],
        ),
    ],
)
def test_prefixed_settings(settings, expected):
    assert validate_prefixed(settings) == expected


# ---- Defaults ----


def test_defaults_fill_in_optional_keys_without_touching_the_input():
    block = practice((("fees",), DELETE), (("consultation",), DELETE))
    merged = with_defaults(block)
    assert "fees" not in block
    assert merged["fees"] == []
    assert merged["consultation"] == ""
    assert merged["short_name"] == "Yasmine"
    assert merged["directories"] == DEFAULT_DIRECTORIES
    assert merged["states"]["connecticut"]["telehealth_law"] == ""
    assert merged["states"]["california"]["telehealth_law"].startswith("16 CCR")
    assert validate_practice(merged) == []


@pytest.mark.parametrize(
    ("fees", "expected"),
    [("", []), ("   ", []), ("$180 per session", ["$180 per session"]), (["a", "b"], ["a", "b"])],
)
def test_fees_become_a_list_of_lines(fees, expected):
    assert with_defaults(practice((("fees",), fees)))["fees"] == expected


def test_the_default_directories_are_valid_and_https():
    assert validate_practice(practice((("directories",), DEFAULT_DIRECTORIES))) == []


# ---- Placeholders ----


def test_find_placeholders_lists_every_key_path_in_order():
    block = practice(
        (("email",), "PLACEHOLDER: e-mail"),
        (("states", "connecticut", "number"), "PLACEHOLDER: CT number"),
        (("fees",), ["$180", "PLACEHOLDER: couples fee"]),
        (("directories",), [{"label": "x", "url": "PLACEHOLDER"}]),
    )
    assert find_placeholders(block) == [
        'PRACTICE["email"]',
        'PRACTICE["fees"][1]',
        'PRACTICE["states"]["connecticut"]["number"]',
        'PRACTICE["directories"][0]["url"]',
    ]
    assert find_placeholders(FILLED) == []


def test_a_value_merely_mentioning_placeholder_is_not_one():
    assert find_placeholders(practice((("consultation",), "No PLACEHOLDER here"))) == []


@pytest.mark.parametrize(
    ("placeholders", "refuse", "allowed", "verdict"),
    [
        ([], True, False, "ok"),
        (['PRACTICE["email"]'], False, False, "ok"),  # local builds show them
        (['PRACTICE["email"]'], True, False, "refuse"),
        (['PRACTICE["email"]'], True, True, "warn"),
    ],
)
def test_placeholder_verdict(placeholders, refuse, allowed, verdict):
    assert placeholder_verdict(placeholders, refuse, allowed)[0] == verdict


def test_refusal_and_warning_messages_list_every_key():
    keys = ['PRACTICE["email"]', 'PRACTICE["states"]["california"]["number"]']
    _, refusal = placeholder_verdict(keys, refuse=True, allowed=False)
    _, warning = placeholder_verdict(keys, refuse=True, allowed=True)
    for message in (refusal, warning):
        assert all(f"  - {key}" in message for key in keys)
    assert "SITE_ALLOW_PLACEHOLDERS=1" in refusal
    assert warning.startswith("!!! SITE_ALLOW_PLACEHOLDERS=1: publishing with 2 PLACEHOLDER")
    assert "staging only" in warning


# ---- Links ----


@pytest.mark.parametrize(
    ("address", "subject", "expected"),
    [
        (
            "yasmine@example.com",
            "Reply to: The Ingredients",
            "mailto:yasmine@example.com?subject=Reply%20to%3A%20The%20Ingredients",
        ),
        (
            "first.last+blog@example.com",
            "Reply to: Tom & Jerry?",
            "mailto:first.last+blog@example.com?subject=Reply%20to%3A%20Tom%20%26%20Jerry%3F",
        ),
        (
            "a@example.com",
            "Reply to: “Repair” #1 / 50%",
            "mailto:a@example.com?subject=Reply%20to%3A%20%E2%80%9CRepair%E2%80%9D"
            "%20%231%20%2F%2050%25",
        ),
        (
            "a@example.com",
            "Two\nlines\r\nBcc: x@y.z",
            "mailto:a@example.com?subject=Two%20lines%20Bcc%3A%20x%40y.z",
        ),
    ],
)
def test_build_mailto(address, subject, expected):
    assert build_mailto(address, subject) == expected


@pytest.mark.parametrize(
    "title", ["The Ingredients", 'Tom & Jerry <script>alert("x")</script>', "Trust, “Repair”: #1?"]
)
def test_the_mailto_subject_round_trips(title):
    url = build_mailto("a@example.com", reply_subject(title))
    parts = urlsplit(url)
    assert parts.scheme == "mailto"
    assert unquote(parts.path) == "a@example.com"
    assert parse_qs(parts.query) == {"subject": [f"Reply to: {title}"]}


@pytest.mark.parametrize(
    ("title", "expected"),
    [("The Ingredients", "Reply to: The Ingredients"), ("A\n  title ", "Reply to: A title")],
)
def test_reply_subject(title, expected):
    assert reply_subject(title) == expected


@pytest.mark.parametrize(
    ("names", "conjunction", "expected"),
    [
        (["California"], "and", "California"),
        (["California", "Connecticut"], "and", "California and Connecticut"),
        (["California", "Connecticut"], "or", "California or Connecticut"),
        (["A", "B", "C"], "or", "A, B or C"),
    ],
)
def test_join_names(names, conjunction, expected):
    assert join_names(names, conjunction) == expected


def test_answers_are_one_per_state_then_somewhere_else_with_no_query_strings():
    assert answers(FILLED) == [
        {"label": "In California", "url": "book/california/"},
        {"label": "In Connecticut", "url": "book/connecticut/"},
        {"label": "Somewhere else", "url": "book/elsewhere/"},
    ]


def test_booking_pages():
    pages = booking_pages(with_defaults(FILLED))
    assert [(p.template, p.url, p.save_as, p.title) for p in pages] == [
        ("book", "book/", "book/index.html", "Book a session"),
        (
            "book_state",
            "book/california/",
            "book/california/index.html",
            "Book a session in California",
        ),
        (
            "book_state",
            "book/connecticut/",
            "book/connecticut/index.html",
            "Book a session in Connecticut",
        ),
        (
            "book_elsewhere",
            "book/elsewhere/",
            "book/elsewhere/index.html",
            "Outside California and Connecticut",
        ),
    ]
    assert pages[2].context["state"]["title"] == "Licensed Marital and Family Therapist"
    assert pages[3].context["state_names_or"] == "California or Connecticut"
