"""The content linter: each broken fixture post, and the exact message the author reads.

Every file in tests/fixtures/lint/ holds one mistake. Each test lints the real content
plus that one file, so the real posts must stay clean and the fixture's message must
be the only one (except a duplicate slug, which is reported on both posts).
"""

import shutil

import pytest
from pelican.settings import read_settings

from sitetools.content_lint import (
    check_date,
    format_problem,
    lint_content,
    lint_prompt_blocks,
    read_header,
)
from sitetools.new_post import new_post_text
from tests.sitebuild import FIXTURES, ROOT, content_with, run_build

EXPECTED = {
    "unknown-key.md": [
        (3, 'unknown metadata key "Catgory" — did you mean "Category"?'),
    ],
    "unknown-key-no-match.md": [
        (
            3,
            'unknown metadata key "Mood" — use one of Title, Date, Modified, Category, Tags, '
            "Slug, Author, Authors, Summary, Status, Lang, Translation, Save_as, URL, "
            "Template, Image, Image_alt, or delete the line",
        ),
    ],
    "stray-header-line.md": [
        (
            3,
            'this line is in the header but is not "Key: value", so Pelican would make it '
            "and everything after it part of the post's text — "
            'write "Tags: vulnerability, trust"',
        ),
    ],
    "no-blank-line.md": [
        (
            4,
            'this line is in the header but is not "Key: value", so Pelican would make it '
            "and everything after it part of the post's text — "
            "leave one blank line between the header and the text",
        ),
    ],
    "continued-summary.md": [
        (
            4,
            '"Summary" continues on this line, but Pelican does not join header lines '
            '(the value would come out broken) — write the whole "Summary" on line 3',
        ),
    ],
    "repeated-key.md": [
        (2, '"Title" is given twice (first on line 1) — keep one "Title:" line'),
    ],
    "missing-title.md": [
        (1, 'missing "Title" — add a line "Title: Why we fight about the dishes" to the header'),
    ],
    "missing-date.md": [
        (1, 'missing "Date" — add a line "Date: 2024-03-01 09:00" to the header'),
    ],
    "missing-summary.md": [
        (
            1,
            'missing "Summary" — add a line "Summary: One or two plain sentences about the '
            'post." to the header',
        ),
    ],
    "empty-title.md": [
        (
            1,
            '"Title" is empty — write it after the colon, e.g. '
            '"Title: Why we fight about the dishes"',
        ),
    ],
    "unreadable-date.md": [
        (
            2,
            '"next Tuesday" is not a date in the form YYYY-MM-DD HH:MM — '
            'write it like "2024-03-01 09:00"',
        ),
    ],
    "year-only-date.md": [
        (
            2,
            '"2024" is not a date in the form YYYY-MM-DD HH:MM — write it like "2024-03-01 09:00"',
        ),
    ],
    "impossible-month.md": [
        (
            2,
            "the date 2024-13-01 09:00 does not exist (there is no month 13) — "
            "write a date that exists, as YYYY-MM-DD HH:MM (months go from 01 to 12)",
        ),
    ],
    "unknown-status.md": [
        (4, 'unknown Status "publish" — did you mean "Status: published"?'),
    ],
    "summary-prompt.md": [
        (
            3,
            "the Summary is still the example text from `invoke new` — write one or two "
            "sentences about this post (or keep `Status: draft`)",
        ),
    ],
    "control-character.md": [
        (
            5,
            "invisible control character U+000C in column 7 — delete it (it usually comes "
            "from pasting text from another app)",
        ),
    ],
    "not-utf8.md": [
        (
            5,
            "the file is not UTF-8 text (byte 0xE9 cannot be read) — save it as UTF-8 in "
            "your editor (in most editors: Save As… → Encoding: UTF-8)",
        ),
    ],
    "missing-link-target.md": [
        (
            5,
            "the link {filename}/the-ingrediants.md goes to a file that does not exist — "
            "did you mean {filename}/the-ingredients.md?",
        ),
    ],
    "image-without-alt.md": [
        (
            5,
            'the image "images/two-chairs.png" has no alt text — describe what it shows '
            "between the brackets: ![What the picture shows](images/two-chairs.png)",
        ),
    ],
    "html-image-without-alt.md": [
        (
            5,
            'the image "images/two-chairs.png" has no alt text — '
            'add alt="what the picture shows" to the <img> tag',
        ),
    ],
    # Prompt-card mistakes are found by the prompt-cards plugin's own parser.
    "prompts-unclosed.md": [
        (
            7,
            "the ```prompts block opened here is never closed — "
            "add a line with just ``` after the last prompt (line 8)",
        ),
    ],
    "prompts-empty-text.md": [
        (
            7,
            "prompt card has no text in '- deeper | trust |' — write the question after the "
            'last "|", e.g. "- deeper | trust | What do you need from me this week?"',
        ),
    ],
    "prompts-unknown-level.md": [
        (
            6,
            "unknown prompt level \"gentel\" in '- gentel | trust | What made you smile today?' "
            '— write one of gentle, deeper, vulnerable before the first "|", e.g. '
            '"- gentle | trust | What made you smile today?"',
        ),
    ],
    "tag-without-letters.md": [
        (
            4,
            'the tag "<&>" has no letters or digits, so it would have no address — '
            'use words, e.g. "Tags: trust"',
        ),
    ],
    "pages/page-without-title.md": [
        (1, 'missing "Title" — add a line "Title: Why we fight about the dishes" to the header'),
    ],
}


@pytest.fixture(scope="module")
def settings():
    return read_settings(str(ROOT / "pelicanconf.py"))


def content_plus(tmp_path, *fixtures):
    """The real content/ plus lint fixtures, each at its own path (pages/ included)."""
    content = content_with(tmp_path).resolve()
    for fixture in fixtures:
        shutil.copy(FIXTURES / "lint" / fixture, content / fixture)
    return content


def test_every_fixture_has_its_expected_message():
    fixtures = {str(p.relative_to(FIXTURES / "lint")) for p in (FIXTURES / "lint").rglob("*.md")}
    assert fixtures == set(EXPECTED) | {"duplicate-slug.md"}


def test_the_real_content_is_clean(settings):
    assert lint_content(ROOT / "content", settings) == []


@pytest.mark.parametrize(("fixture", "expected"), EXPECTED.items(), ids=list(EXPECTED))
def test_each_mistake_gets_its_message(tmp_path, settings, fixture, expected):
    content = content_plus(tmp_path, fixture)
    messages = [format_problem(p) for p in lint_content(content, settings)]
    assert messages == [f"{content / fixture}:{line}: {message}" for line, message in expected]


def test_a_duplicate_slug_is_reported_on_both_posts(tmp_path, settings):
    content = content_plus(tmp_path, "duplicate-slug.md")
    messages = [format_problem(p) for p in lint_content(content, settings)]
    new, old = content / "duplicate-slug.md", content / "the-ingredients.md"
    assert messages == [
        f'{new}:1: the slug "the-ingredients" is also used by {old}, so both would be '
        'published at the same address — add a line "Slug: the-ingredients-2" (or any '
        "address no other post uses)",
        f'{old}:6: the slug "the-ingredients" is also used by {new}, so both would be '
        'published at the same address — change this "Slug:" to one no other post uses',
    ]


def test_all_problems_are_reported_at_once_in_file_and_line_order(tmp_path, settings):
    fixtures = ["unknown-status.md", "unknown-key.md", "prompts-unknown-level.md"]
    content = content_plus(tmp_path, *fixtures)
    problems = lint_content(content, settings)
    assert [(p.path, p.line) for p in problems] == [
        (str(content / "prompts-unknown-level.md"), 6),
        (str(content / "unknown-key.md"), 3),
        (str(content / "unknown-status.md"), 4),
    ]


def test_one_file_with_several_mistakes_reports_each(tmp_path, settings):
    content = content_with(tmp_path).resolve()
    (content / "many.md").write_text(
        "Title: Many mistakes\nDate: 2024-02-30\nStatus: drafts\nTagz: trust\n\n"
        "![](a.png) and [a link]({filename}nothing-here.md)\n",
        encoding="utf-8",
    )
    problems = lint_content(content, settings)
    assert [(p.line, p.what) for p in problems] == [
        (1, 'missing "Summary"'),
        (2, "the date 2024-02-30 does not exist (February 2024 has 29 days)"),
        (3, 'unknown Status "drafts"'),
        (4, 'unknown metadata key "Tagz"'),
        (6, 'the image "a.png" has no alt text'),
        (6, "the link {filename}nothing-here.md goes to a file that does not exist"),
    ]
    assert problems[1].fix == 'write a date that exists, e.g. "2024-02-29"'
    assert problems[2].fix == 'did you mean "Status: draft"?'
    assert problems[3].fix == 'did you mean "Tags"?'


def test_the_build_refuses_to_start_and_prints_every_problem(tmp_path):
    content = content_plus(tmp_path, "unknown-key.md", "prompts-unclosed.md")
    output = tmp_path / "output"
    result = run_build(output, content=content)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{content / 'prompts-unclosed.md'}:7: the ```prompts block opened here is never "
        "closed — add a line with just ``` after the last prompt (line 8)",
        f'{content / "unknown-key.md"}:3: unknown metadata key "Catgory" — did you mean '
        '"Category"?',
        "",
        "2 problem(s) in 2 file(s). Nothing was built: fix them and build again.",
    ]
    assert not output.exists()


def test_no_lint_skips_the_linter_and_pelican_names_the_unreadable_file(tmp_path):
    content = content_with(tmp_path, "impossible-date/impossible-date.md").resolve()
    result = run_build(tmp_path / "output", content=content, extra=["--no-lint"])
    assert result.returncode == 1
    assert (
        f"{content / 'impossible-date.md'}: Pelican could not read this file "
        "('2024-02-30 10:00' is not a valid date) — correct it (`invoke lint` explains the "
        "usual mistakes), then build again"
    ) in result.stderr.splitlines()
    assert "Traceback" not in result.stderr


def test_invoke_lint_command_line_exit_codes(tmp_path):
    import subprocess
    import sys

    clean = subprocess.run(
        [sys.executable, "-m", "sitetools.content_lint"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout == "No problems in content.\n"
    content = content_plus(tmp_path, "unknown-key.md")
    broken = subprocess.run(
        [sys.executable, "-m", "sitetools.content_lint", "--content", str(content)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert broken.returncode == 1
    assert broken.stderr.splitlines()[0].startswith(f"{content / 'unknown-key.md'}:3: ")
    assert broken.stderr.splitlines()[-1] == "1 problem(s) in 1 file(s)."


# ---- The pieces, directly ----


@pytest.mark.parametrize(
    "value",
    ["2024-02-12 09:00", "2024-02-29", "2024-02-12T09:00:00+01:00", "2024-12-31 23:59:59"],
)
def test_dates_pelican_reads_as_written_pass(value):
    assert check_date(value) is None


@pytest.mark.parametrize(
    ("value", "what"),
    [
        (
            "2023-02-29 10:00",
            "the date 2023-02-29 10:00 does not exist (February 2023 has 28 days)",
        ),
        ("2024-04-31", "the date 2024-04-31 does not exist (April 2024 has 30 days)"),
        ("2024-03-01 25:00", "the time in 2024-03-01 25:00 does not exist"),
        ("March 5", '"March 5" is not a date in the form YYYY-MM-DD HH:MM'),
    ],
)
def test_dates_that_do_not_exist_or_are_ambiguous(value, what):
    assert check_date(value)[0] == what


def test_the_header_ends_where_pelican_ends_it():
    header = read_header(["Title: A", "Date: 2024-01-01", "", "Body: not metadata"])
    assert [key for _line, key, _value in header.fields] == ["Title", "Date"]
    assert header.stray is None
    assert header.last_line == 2


def test_a_file_without_a_header_has_no_stray_line():
    header = read_header(["Just text.", "Title: in the body"])
    assert header.fields == []
    assert header.stray is None


VALID_DECK = """\
```prompts
- gentle | trust | When it comes to making a relationship work, you have to have ____.
- deeper | vulnerability | What's one need you've felt silly asking me for out loud?
- When did you last feel really seen by me?
- Vulnerable | What scares you about us?
```
"""


def test_a_valid_prompt_deck_passes():
    findings, cards = lint_prompt_blocks("Intro.\n\n" + VALID_DECK)
    assert findings == []
    assert [card.level for card in cards] == ["gentle", "deeper", "gentle", "vulnerable"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "```prompts\n```\n",
            [(1, "the ```prompts block has no prompts")],
        ),
        (
            "```prompts\nWhat made you smile?\n```\n",
            [
                (1, "the ```prompts block has no prompts"),
                (2, "each prompt is one line starting with \"- \" in 'What made you smile?'"),
            ],
        ),
        (
            "~~~prompts\n- gentle | trust | Fine\n```\n",
            [(1, "the ```prompts block opened here is never closed")],
        ),
        (
            "```prompts\n- spicy | What made you smile?\n-\n```\n",
            [
                (2, "unknown prompt level \"spicy\" in '- spicy | What made you smile?'"),
                (3, "prompt card has no text in '-'"),
            ],
        ),
    ],
)
def test_prompt_block_mistakes(text, expected):
    findings, _cards = lint_prompt_blocks(text)
    assert [(line, what) for line, what, _fix in findings] == expected


def test_prompt_syntax_inside_code_is_not_a_deck():
    text = (
        "````markdown\n```prompts\n- gentel | not a deck\n```\n````\n\n"
        "Inline `![](x.png)` code is not an image either.\n"
    )
    assert lint_prompt_blocks(text) == ([], [])


def test_images_and_links_in_code_and_comments_are_not_checked(tmp_path, settings):
    content = content_with(tmp_path).resolve()
    (content / "code.md").write_text(
        "Title: Showing syntax\nDate: 2024-03-01 09:00\nSummary: Examples in code.\n\n"
        "```markdown\n![](x.png) [a]({filename}/missing.md)\n```\n\n"
        "Inline: `<img src=x.png>`. <!-- ![](y.png) -->\n\n"
        '![Two chairs](images/chairs.png) <img src="z.png" alt="">\n',
        encoding="utf-8",
    )
    assert lint_content(content, settings) == []


def test_a_new_draft_passes_the_linter_and_needs_a_summary_to_publish(tmp_path, settings):
    from datetime import datetime

    content = content_with(tmp_path).resolve()
    text = new_post_text("Why we fight", "why-we-fight", datetime(2024, 3, 1, 9, 0))
    (content / "why-we-fight.md").write_text(text, encoding="utf-8")
    assert lint_content(content, settings) == []
    assert lint_prompt_blocks(text) == ([], [])  # the indented example is not a deck
    (content / "why-we-fight.md").write_text(text.replace("Status: draft\n", ""), "utf-8")
    assert [p.what for p in lint_content(content, settings)] == [
        "the Summary is still the example text from `invoke new`"
    ]
