"""The content linter: every mistake in the posts, all at once, each with its fix.

`invoke lint` (also `invoke check content`) runs it, and so does every build, before
Pelican starts: `python -m sitetools.content_lint [--settings FILE] [--content DIR]`.
Each problem is one line, `path:line: what is wrong — what to write instead`.

The checks read the files the way Pelican's Markdown reader does (the `meta`
extension's header rules, the files Pelican reads, its slugify) but never run Pelican,
so one broken post cannot hide the others.
"""

import argparse
import calendar
import contextlib
import difflib
import fnmatch
import functools
import hashlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from sitetools.new_post import SUMMARY_PROMPT

ROOT = Path(__file__).resolve().parent.parent

# Every metadata key a post may use, spelled the way the author writes it: this is the
# one list. Pelican's own keys first, then this site's. A plugin that reads a new key
# adds it here; the linter rejects every other key and suggests the closest one.
METADATA_KEYS = (
    # Pelican
    "Title",
    "Date",
    "Modified",
    "Category",
    "Tags",
    "Slug",
    "Author",
    "Authors",
    "Summary",
    "Status",
    "Lang",
    "Translation",
    "Save_as",
    "URL",
    "Template",
    # This site
    "Image",  # the post's own share image instead of the rendered title card
    "Image_alt",  # its alt text (plugins/site_meta)
)
STATUSES = ("published", "draft", "hidden")
REQUIRED = {"article": ("Title", "Date", "Summary"), "page": ("Title",)}
MARKDOWN_EXTENSIONS = ("md", "markdown", "mkd", "mdown")  # Pelican's MarkdownReader

# How to write each required key, for the "missing" message.
EXAMPLES = {
    "Title": "Title: Why we fight about the dishes",
    "Date": "Date: 2024-03-01 09:00",
    "Summary": "Summary: One or two plain sentences about the post.",
}

# Python-Markdown's `meta` extension, which Pelican uses to read the header.
META_RE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)")
META_MORE_RE = re.compile(r"^[ ]{4,}(?P<value>.*)")
BEGIN_RE = re.compile(r"^-{3}(\s.*)?")
END_RE = re.compile(r"^(-{3}|\.{3})(\s.*)?")
LOOKS_LIKE_KEY_RE = re.compile(r"^\s*(?P<key>[A-Za-z_]+)\s*[=\-–—]?\s+(?P<value>\S.*)$")

ISO_DATE_RE = re.compile(
    r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:[ T_]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2})?$"
)

# Fenced blocks as Python-Markdown's fenced_code reads them: the fence starts the line.
FENCE_RE = re.compile(r"^(?P<fence>`{3,}|~{3,})[ ]*\.?(?P<info>[^`\s]*)[^`]*$")
# Where a fence (at a line's start) or an HTML comment may begin: `^(?:`{3}|~{3})|<!--`,
# written to start with a character class, so the regex engine skips ahead to those
# three characters instead of trying the pattern at every offset (3.5 times faster).
REGION_START_RE = re.compile(r"[`~<](?:(?<=^`)``|(?<=^~)~~|(?<=<)!--)", re.MULTILINE)
INLINE_CODE_RE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
MD_IMAGE_RE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]*)[^)]*\)")
MD_REF_IMAGE_RE = re.compile(r"!\[(?P<alt>[^\]]*)\]\[(?P<ref>[^\]]*)\]")
HTML_IMG_RE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
HTML_ALT_RE = re.compile(r"\salt\s*=", re.IGNORECASE)
HTML_SRC_RE = re.compile(r"""\ssrc\s*=\s*["']?([^"'\s>]*)""", re.IGNORECASE)
# Unicode's control characters (category Cc), except tab and carriage return.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
INTERNAL_LINK_RE = re.compile(
    r"""[{|](?P<what>filename|static|attach)[}|](?P<path>[^\s)"'<>\]]*)"""
)


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake: where it is, what is wrong, and what to write instead."""

    path: str
    line: int
    what: str
    fix: str


def format_problem(problem):
    """`path:line: what is wrong — what to write instead`."""
    return f"{problem.path}:{problem.line}: {problem.what} — {problem.fix}"


# ---- Reading a file the way Pelican does ----


@dataclass
class Header:
    """The metadata block at the top of a Markdown file, as the author meant it."""

    fields: list  # (line, key as written, value)
    continuations: list  # (line, key it continues)
    stray: tuple | None  # (line, text): the first line that is not "Key: value"
    last_line: int  # the header's last line (0: no header)


def read_header(lines):
    """The header, read with the rules of Python-Markdown's meta extension.

    Pelican ends the header at the first line that is not "Key: value" (a stray line)
    and turns the rest into body text. The author meant the header to run to the first
    blank line, so the "Key: value" lines after a stray line are still read (and
    checked); only the stray line itself is reported.
    """
    fields, continuations = [], []
    key, stray = None, None
    start = 1 if lines and BEGIN_RE.match(lines[0]) else 0
    last = start
    for index in range(start, len(lines)):
        line = lines[index].expandtabs(4)
        number = index + 1
        if not line.strip() or END_RE.match(line):
            break
        match = META_RE.match(line)
        if match:
            key = match.group("key")
            fields.append((number, key, match.group("value").strip()))
        elif key and META_MORE_RE.match(line) and not stray:
            continuations.append((number, key))
        elif not fields:
            break  # no header at all: the file starts with its text
        elif not stray:
            stray = (number, line.strip())
        last = number
    return Header(fields, continuations, stray, last)


# Each known key by its lower-case spelling (the first of METADATA_KEYS that has it).
_KEYS_BY_LOWER = {}
for _key in METADATA_KEYS:
    _KEYS_BY_LOWER.setdefault(_key.lower(), _key)


def display_key(key):
    """The canonical spelling of a known key (case-insensitive), else None."""
    return _KEYS_BY_LOWER.get(key.lower())


def closest(word, choices):
    """The choice closest to `word` (case-insensitive), or None."""
    lowered = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


# ---- Checks on one file: each returns [(line, what, fix), ...] ----


def lint_header(header, kind):
    """Unknown, repeated, continued and missing keys; a stray line; bad dates and status."""
    findings = []
    if header.stray:
        findings.append(stray_line_finding(*header.stray))
    seen = {}
    for line, key, value in header.fields:
        known = display_key(key)
        if known is None:
            suggestion = closest(key, METADATA_KEYS)
            fix = (
                f'did you mean "{suggestion}"?'
                if suggestion
                else "use one of " + ", ".join(METADATA_KEYS) + ", or delete the line"
            )
            findings.append((line, f'unknown metadata key "{key}"', fix))
            continue
        if known in seen:
            findings.append(
                (
                    line,
                    f'"{known}" is given twice (first on line {seen[known]})',
                    f'keep one "{known}:" line',
                )
            )
            continue
        seen[known] = line
        findings.extend((line, what, fix) for what, fix in check_value(known, value))
    for line, key in header.continuations:
        name = display_key(key) or key
        findings.append(
            (
                line,
                f'"{name}" continues on this line, but Pelican does not join header lines '
                "(the value would come out broken)",
                f'write the whole "{name}" on line {line_of(header, key)}',
            )
        )
    values = {}  # the first value of each known key, as Pelican reads it
    for _line, key, value in header.fields:
        if display_key(key):
            values.setdefault(display_key(key), value)
    for required in REQUIRED[kind]:
        if required not in seen:
            findings.append(
                (1, f'missing "{required}"', f'add a line "{EXAMPLES[required]}" to the header')
            )
        elif not values[required]:
            findings.append(
                (
                    seen[required],
                    f'"{required}" is empty',
                    f'write it after the colon, e.g. "{EXAMPLES[required]}"',
                )
            )
    status = values.get("Status", "published").strip().lower()
    if kind == "article" and status != "draft" and values.get("Summary") == SUMMARY_PROMPT:
        findings.append(
            (
                seen["Summary"],
                "the Summary is still the example text from `invoke new`",
                "write one or two sentences about this post (or keep `Status: draft`)",
            )
        )
    return findings


def line_of(header, key):
    return next(line for line, k, _v in header.fields if k == key)


def stray_line_finding(line, text):
    what = (
        'this line is in the header but is not "Key: value", so Pelican would make it '
        "and everything after it part of the post's text"
    )
    match = LOOKS_LIKE_KEY_RE.match(text)
    known = display_key(match.group("key")) if match else None
    if known:
        return line, what, f'write "{known}: {match.group("value")}"'
    return line, what, "leave one blank line between the header and the text"


def check_value(key, value):
    """What is wrong with one known key's value: [(what, fix)]."""
    if key in ("Date", "Modified") and value:
        problem = check_date(value)
        return [problem] if problem else []
    if key == "Status" and value and value.strip().lower() not in STATUSES:
        suggestion = closest(value.strip(), STATUSES)
        fix = (
            f'did you mean "Status: {suggestion}"?'
            if suggestion
            else "write "
            + ", ".join(f'"Status: {s}"' for s in STATUSES)
            + " or leave the line out (published)"
        )
        return [(f'unknown Status "{value}"', fix)]
    if key in ("Tags", "Category") and value:
        # Pelican makes each tag's and category's address from its letters and digits:
        # one with none would be published at /tag//, clashing with every other such tag.
        names = value.split(",") if key == "Tags" else [value]
        example = "trust" if key == "Tags" else "Relationships"
        return [
            (
                f'the {key.lower().rstrip("s")} "{name.strip()}" has no letters or digits, '
                "so it would have no address",
                f'use words, e.g. "{key}: {example}"',
            )
            for name in names
            if name.strip() and not re.search(r"[^\W_]", name)
        ]
    return []


def check_date(value):
    """(what, fix) when Pelican cannot use this date as the author meant it, else None.

    Only YYYY-MM-DD [HH:MM[:SS]] is accepted: Pelican's parser also takes "2024" or
    "March 5" and silently fills the missing parts in with today's date.
    """
    match = ISO_DATE_RE.match(value.strip())
    if not match:
        return (
            f'"{value}" is not a date in the form YYYY-MM-DD HH:MM',
            'write it like "2024-03-01 09:00"',
        )
    year, month, day = (int(match.group(g)) for g in ("year", "month", "day"))
    time = f"{match.group('hour')}:{match.group('minute')}" if match.group("hour") else ""
    if not 1 <= month <= 12:
        return (
            f"the date {value} does not exist (there is no month {month})",
            "write a date that exists, as YYYY-MM-DD HH:MM (months go from 01 to 12)",
        )
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        example = f"{year:04d}-{month:02d}-{days:02d} {time}".strip()
        return (
            f"the date {value} does not exist "
            f"({calendar.month_name[month]} {year} has {days} days)",
            f'write a date that exists, e.g. "{example}"',
        )
    hour, minute = int(match.group("hour") or 0), int(match.group("minute") or 0)
    if hour > 23 or minute > 59 or int(match.group("second") or 0) > 59:
        return (
            f"the time in {value} does not exist",
            "write the time as HH:MM on a 24-hour clock, from 00:00 to 23:59",
        )
    return None


def lint_characters(text):
    """Control characters (other than tab and line breaks) anywhere in the file."""
    findings = []
    if not CONTROL_RE.search(text):  # nearly every file: no need to look line by line
        return findings
    for number, line in enumerate(text.split("\n"), start=1):
        for match in CONTROL_RE.finditer(line):
            findings.append(
                (
                    number,
                    f"invisible control character U+{ord(match.group()):04X} "
                    f"in column {match.start() + 1}",
                    "delete it (it usually comes from pasting text from another app)",
                )
            )
    return findings


def decode(data):
    """(text, finding-or-None): the file as text, or where it stops being UTF-8."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        finding = (
            line,
            f"the file is not UTF-8 text (byte 0x{data[error.start]:02X} cannot be read)",
            "save it as UTF-8 in your editor (in most editors: Save As… → Encoding: UTF-8)",
        )
        return data.decode("utf-8", errors="replace"), finding


# ---- The body: code, comments and prompt blocks ----


@dataclass(frozen=True)
class Region:
    """A span of the text that is not ordinary Markdown prose."""

    kind: str  # "code", "prompts" or "comment"
    start: int  # character offsets into the text
    end: int
    first_line: int
    last_line: int
    closed: bool = True
    fence: str = ""


def scan_regions(text):
    """Fenced blocks and HTML comments, in order, as Markdown would see them."""
    regions = []
    pos = 0
    # Only lines that may open a fence, and comments, need a look: jump between them.
    while (candidate := REGION_START_RE.search(text, pos)) is not None:
        pos = candidate.start()
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end == -1 else line_end
        if not text.startswith("<!--", pos):  # a line that starts like a fence
            fence = FENCE_RE.match(text[pos:line_end])
            if fence:
                region = fenced_region(text, pos, line_end, fence)
                if region:
                    regions.append(region)
                    pos = region.end + 1
                    continue
        start = text.find("<!--", pos, line_end)
        if start == -1:
            pos = line_end + 1
            continue
        end = text.find("-->", start + 4)
        end = len(text) if end == -1 else end + 3
        regions.append(Region("comment", start, end, line_at(text, start), line_at(text, end - 1)))
        pos = end
    return regions


def fenced_region(text, pos, line_end, fence):
    """The fenced block opened on this line; None when an ordinary fence is never closed."""
    marker = fence.group("fence")
    kind = "prompts" if fence.group("info").lower() == "prompts" else "code"
    closing = re.compile(rf"^{re.escape(marker)}[ ]*$", re.MULTILINE)
    close = closing.search(text, line_end + 1) if line_end < len(text) else None
    if close is None:
        if kind == "code":
            return None  # Markdown shows an unclosed ``` as ordinary text
        first = line_at(text, pos)
        return Region(kind, pos, len(text), first, line_at(text, len(text)), False, marker)
    end = close.end()
    return Region(kind, pos, end, line_at(text, pos), line_at(text, end), True, marker)


def line_at(text, offset):
    """The number of the line of `text` the character at `offset` is on (from 1)."""
    return text.count("\n", 0, offset) + 1


def line_offset(text, number):
    """Where line `number` (from 1) of `text` starts; len(text) past its last line."""
    offset = 0
    for _ in range(number - 1):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return len(text)
    return offset


def lint_prompt_blocks(text, shown="", options=None):
    """Prompt-card syntax errors, found by the prompt-cards plugin's own parser.

    Returns `(findings, cards)`: findings as [(line, what, fix)], and the cards, so that
    slugs shared between files can be found once every file is read.
    """
    from plugins.prompt_cards.parse import parse_prompts

    cards, errors = parse_prompts(text, shown, options)
    return [prompt_finding(error) for error in errors], cards


def prompt_finding(error):
    """A PromptSyntaxError as (line, what, fix)."""
    what = error.problem + (f" in {error.prompt!r}" if error.prompt else "")
    return (error.line, what, error.fix[:1].lower() + error.fix[1:])


def duplicate_prompt_slugs(cards_by_file):
    """Cards whose slug an older post's card already has (the plugin's rule)."""
    from plugins.prompt_cards.parse import find_duplicate_slugs

    ordered = [card for _date, _path, cards in sorted(cards_by_file) for card in cards]
    return [
        Problem(error.path, error.line, *prompt_finding(error)[1:])
        for error in find_duplicate_slugs(ordered)
    ]


def prompt_options(settings):
    """The prompt parser's options from the site's PROMPT_CARDS_* settings."""
    from plugins.prompt_cards.settings import merge, parse_options

    return parse_options(merge(settings))


def visible_text(text, regions):
    """The text with code, comments and prompt blocks blanked out (line breaks kept)."""
    pieces, done = [], 0
    for region in regions:  # in order
        start, end = max(region.start, done), min(region.end, len(text))
        if start < end:
            blank = "\n".join([" " * len(line) for line in text[start:end].split("\n")])
            pieces += [text[done:start], blank]
            done = end
    blanked = "".join([*pieces, text[done:]])
    if "`" not in blanked:  # most posts: no inline code to look for
        return blanked
    return INLINE_CODE_RE.sub(lambda m: " " * len(m.group(0)), blanked)


def lint_images(visible):
    """Images without alt text, in Markdown and in HTML."""
    findings = []
    for match in MD_IMAGE_RE.finditer(visible):
        if not match.group("alt").strip():
            src = match.group("src")
            findings.append(
                (
                    line_at(visible, match.start()),
                    f'the image "{src}" has no alt text',
                    "describe what it shows between the brackets: "
                    f"![What the picture shows]({src})",
                )
            )
    for match in MD_REF_IMAGE_RE.finditer(visible):
        if not match.group("alt").strip():
            findings.append(
                (
                    line_at(visible, match.start()),
                    f'the image "{match.group("ref")}" has no alt text',
                    "describe what it shows between the first brackets: "
                    f"![What the picture shows][{match.group('ref')}]",
                )
            )
    for match in HTML_IMG_RE.finditer(visible):
        if not HTML_ALT_RE.search(match.group(0)):
            src = HTML_SRC_RE.search(match.group(0))
            name = f' "{src.group(1)}"' if src else ""
            findings.append(
                (
                    line_at(visible, match.start()),
                    f"the image{name} has no alt text",
                    'add alt="what the picture shows" to the <img> tag',
                )
            )
    return findings


def lint_links(visible, source, content_dir, known_files):
    """{filename}, {static} and {attach} links to files that do not exist."""
    findings = []
    for match in INTERNAL_LINK_RE.finditer(visible):
        raw = match.group("path")
        target = unquote(re.split(r"[#?]", raw, maxsplit=1)[0])
        if not target:
            continue
        base = content_dir if target.startswith("/") else source.parent
        resolved = os.path.normpath(base / target.lstrip("/"))
        if os.path.isfile(resolved):
            continue
        what = match.group("what")
        relative = os.path.relpath(resolved, content_dir)
        suggestion = closest(relative, known_files)
        fix = (
            f"did you mean {{{what}}}/{suggestion}?"
            if suggestion
            else "check the file name: the path is relative to this file, or to the content "
            "folder when it starts with /"
        )
        findings.append(
            (
                line_at(visible, match.start()),
                f"the link {{{what}}}{raw} goes to a file that does not exist",
                fix,
            )
        )
    return findings


# ---- The whole content folder ----


@dataclass
class Post:
    """What the cross-file checks need from one file."""

    path: str
    kind: str
    slug: str
    slug_line: int
    explicit_slug: bool
    lang: str
    save_as: str
    date: str  # as written: orders posts for the prompt-card slug rule


# From this many files to read, the second half is read in a forked process: reading
# 1,000 posts takes ~0.45 s on one core, while nothing else runs yet.
LINT_SPLIT_AT = 64


@dataclass
class LintPlan:
    """What lint_content reads, worked out before any file is: the same in a child
    that planned it on its own (EarlyLint) as long as `context` and the stamps agree."""

    content_dir: Path
    settings: dict
    known_files: list
    options: object
    kept: object  # KeptResults, or None
    checked: list  # (path, kind, shown, stamp, kept result or None: to read)
    context: str  # lint_context(): everything one file's findings depend on but the file

    @functools.cached_property
    def to_read(self):
        return [item for item in self.checked if item[4] is None]

    def read(self, item):
        path, kind, shown, _stamp, _result = item
        args = (self.content_dir, self.settings, self.known_files, self.options)
        return lint_file(path, kind, shown, *args)

    def halves(self):
        """The files to read, in two: the first for this process, the second for a child."""
        cut = len(self.to_read) // 2
        return self.to_read[:cut], self.to_read[cut:]

    def identity(self, items):
        """What `items` (read by this plan) are: equal for two plans, the same findings."""
        return self.context, [(str(item[0]), item[3]) for item in items]


def plan_lint(content_dir, settings, cache=None):
    from pelican.settings import DEFAULT_CONFIG

    from plugins.kept_results import KeptResults

    settings = {**DEFAULT_CONFIG, **(settings or {})}
    content_dir = Path(content_dir).resolve()
    files = content_files(content_dir, settings)
    known_files = sorted(
        str(p.relative_to(content_dir)) for p in content_dir.rglob("*") if p.is_file()
    )
    cwd = Path.cwd().resolve()
    options = prompt_options(settings)
    context = lint_context(content_dir, settings, known_files, options, cwd)
    kept = KeptResults(cache, context) if cache else None
    checked = []
    for path, kind in files:
        shown = str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)
        stat = path.stat()
        stamp = (kind, shown, stat.st_mtime_ns, stat.st_size)
        checked.append((path, kind, shown, stamp, kept.get(str(path), stamp) if kept else None))
    return LintPlan(content_dir, settings, known_files, options, kept, checked, context)


class EarlyLint:
    """The second half of the linting, begun in a forked child as the build starts.

    The build's first 0.2 s go to importing Pelican, on one core; the child, forked
    before that, imports and plans on the other (`plan_lint` with the same settings and
    cache) and reads the second half of the files. lint_content takes its findings when
    its own plan has the same context and files (else, or if the child failed or warned,
    it reads them itself: the findings are always its own plan's). No child when the
    command line's CACHE_PATH holds the linter's cache: a rebuild reads a few files at
    most, and the child's imports would be for nothing."""

    def __init__(self, settings_file, override):
        from plugins.forking import InChild, can_fork

        self._child = None
        cache = override.get("CACHE_PATH")
        if cache and (Path(cache) / LINT_CACHE_NAME).is_file():
            return
        if can_fork():
            with contextlib.suppress(OSError):  # no process to be had: all read later
                self._child = InChild(_early_second_half, str(settings_file), override)

    def started(self, plan):
        """Whether the child is reading `plan`'s second half: not with few files to read
        (then it is stopped: no waiting for another process's imports)."""
        if self._child is not None and len(plan.to_read) < LINT_SPLIT_AT:
            self.close()
        return self._child is not None

    def results(self, plan):
        """The findings for the second of plan.halves(): the child's when it read the
        same files, else read here (as forking.MapInChild does for a failed child)."""
        child, self._child = self._child, None
        _mine, second = plan.halves()
        theirs = child.result() if child is not None else None
        if theirs is not None and theirs[0] == plan.identity(second):
            return theirs[1]
        return [plan.read(item) for item in second]

    def close(self):
        if self._child is not None:
            self._child.close()
            self._child = None


def _early_second_half(settings_file, override):
    """In EarlyLint's child: (identity, findings) of the second half of the files."""
    from pelican.settings import read_settings

    from plugins.forking import only_flag_warnings

    flag = only_flag_warnings()
    settings = read_settings(settings_file, override=override)
    plan = plan_lint(settings["PATH"], settings, lint_cache(settings))
    _mine, items = plan.halves()
    results = [plan.read(item) for item in items]
    return None if flag.raised else (plan.identity(items), results)


def lint_content(content_dir, settings, cache=None, early=None, cards=None):
    """Every problem in every post and page under content_dir, sorted by file and line.

    `cache`: a file (see lint_cache) keeping each file's findings between runs, so only
    files changed since are read again; None reads every file. `early`: an EarlyLint,
    whose child may have read the second half of the files already. `cards`: a dict to
    fill with each file's prompt cards as parsed, {real path: (mtime_ns, size, parser
    options, cards)}.
    """
    from plugins.forking import map_in_two

    plan = plan_lint(content_dir, settings, cache)
    to_read = plan.to_read
    if early is not None and early.started(plan):
        fresh = iter([*map(plan.read, plan.halves()[0]), *early.results(plan)])
    else:
        fresh = iter(map_in_two(plan.read, to_read, at_least=LINT_SPLIT_AT))
    problems, posts, cards_by_file = [], [], []
    kept = plan.kept
    for path, _kind, shown, stamp, result in plan.checked:
        if result is None:
            result = next(fresh)
        if kept:
            kept.put(str(path), stamp, result)
        findings, post, parsed = result
        problems += [Problem(shown, line, what, fix) for line, what, fix in findings]
        if post:
            posts.append(post)
            cards_by_file.append((post.date, shown, parsed))
        if cards is not None:
            cards[os.path.realpath(path)] = (*stamp[2:], plan.options, parsed)
    problems += duplicate_slugs(posts)
    problems += duplicate_prompt_slugs(cards_by_file)
    if kept:
        kept.save()
    return sorted(problems, key=lambda p: (p.path, p.line))


# ---- Remembering results between builds ----

# What a file's findings depend on besides the file: this code, the prompt-card parser
# it calls, and Pelican's slugify (its version).
LINT_CODE = (
    Path(__file__),
    ROOT / "sitetools" / "new_post.py",
    ROOT / "plugins" / "prompt_cards" / "parse.py",
    ROOT / "plugins" / "prompt_cards" / "settings.py",
)
SLUG_SETTINGS = (
    "SLUGIFY_SOURCE",
    "SLUG_REGEX_SUBSTITUTIONS",
    "SLUGIFY_PRESERVE_CASE",
    "SLUGIFY_USE_UNICODE",
    "DEFAULT_LANG",
)


# The linter's cache file, in CACHE_PATH.
LINT_CACHE_NAME = "content_lint.pickle"


def lint_cache(settings):
    """The linter's cache file for builds with these settings: beside Pelican's content
    cache (CACHE_PATH) when that is on, else None (no cache: publish builds)."""
    if not settings.get("CACHE_CONTENT"):
        return None
    return Path(settings["CACHE_PATH"]) / LINT_CACHE_NAME


def lint_context(content_dir, settings, known_files, options, cwd):
    """A digest of everything one file's findings depend on besides the file itself:
    the linter's code and version of Pelican, the settings it reads, the folders, and
    which files exist (links to them are checked). Any change: every file is read."""
    import importlib.metadata

    hasher = hashlib.blake2b(digest_size=20)
    for path in LINT_CODE:
        hasher.update(path.read_bytes())
    used = [settings.get(key) for key in SLUG_SETTINGS]
    described = (importlib.metadata.version("pelican"), str(content_dir), str(cwd), used, options)
    hasher.update(repr((described, known_files)).encode())
    return hasher.hexdigest()


def lint_file(path, kind, shown, content_dir, settings, known_files, options):
    """(findings, Post or None, prompt cards) for one Markdown file; `shown`: its path."""
    text, encoding_problem = decode(path.read_bytes())
    findings = [encoding_problem] if encoding_problem else []
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    header = read_header(lines)
    findings += lint_header(header, kind)
    findings += lint_characters(text)
    regions = scan_regions(text)
    prompt_findings, cards = lint_prompt_blocks(text, shown, options)
    findings += prompt_findings
    visible = visible_text(text, regions)
    body_start = line_offset(visible, header.last_line + 1)
    body_visible = "\n" * header.last_line + visible[body_start:]
    findings += lint_images(body_visible)
    findings += lint_links(body_visible, path, content_dir, known_files)
    findings.sort(key=lambda f: f[0])
    return findings, post_identity(path, kind, shown, header, settings), cards


def post_identity(path, kind, shown, header, settings):
    """Where Pelican would publish this file: its slug, language and save_as."""
    values, lines = {}, {}
    for line, key, value in header.fields:
        known = display_key(key)
        if known and known not in values:
            values[known], lines[known] = value, line
    explicit = bool(values.get("Slug"))
    if explicit:
        slug = values["Slug"]
    elif settings["SLUGIFY_SOURCE"] == "basename":
        slug = slugify_with(path.stem, settings)
    elif values.get("Title"):
        slug = slugify_with(values["Title"], settings)
    else:
        return None
    return Post(
        path=shown,
        kind=kind,
        slug=slug,
        slug_line=lines.get("Slug", lines.get("Title", 1)),
        explicit_slug=explicit,
        lang=values.get("Lang") or settings["DEFAULT_LANG"],
        save_as=values.get("Save_as", ""),
        date=values.get("Date", ""),
    )


def slugify_with(value, settings):
    from pelican.utils import slugify

    return slugify(
        value,
        regex_subs=settings["SLUG_REGEX_SUBSTITUTIONS"],
        preserve_case=settings["SLUGIFY_PRESERVE_CASE"],
        use_unicode=settings["SLUGIFY_USE_UNICODE"],
    )


def duplicate_slugs(posts):
    """Posts that would be published at the same address (translations excepted).

    Every file of a clash is reported, since either of them may be the one to change.
    """
    groups = {}
    for post in posts:
        key = ("save_as", post.save_as) if post.save_as else ("slug", post.slug, post.lang)
        groups.setdefault(key, []).append(post)
    problems = []
    for clash in (group for group in groups.values() if len(group) > 1):
        for post in clash:
            others = ", ".join(other.path for other in clash if other is not post)
            what = (
                f'the address "{post.save_as}" is also used by {others}'
                if post.save_as
                else f'the slug "{post.slug}" is also used by {others}, '
                "so both would be published at the same address"
            )
            fix = (
                'change this "Slug:" to one no other post uses'
                if post.explicit_slug
                else f'add a line "Slug: {post.slug}-2" (or any address no other post uses)'
            )
            problems.append(Problem(post.path, post.slug_line, what, fix))
    return problems


def content_files(content_dir, settings):
    """[(path, "article" | "page")] for every Markdown file Pelican would read."""
    page_paths = [Path(p) for p in settings["PAGE_PATHS"]]
    ignores = settings["IGNORE_FILES"]
    excluded = {Path(p) for p in settings["ARTICLE_EXCLUDES"] + settings["PAGE_EXCLUDES"]}
    found = []
    for dirpath, dirs, names in os.walk(content_dir, followlinks=True):
        relative_dir = Path(dirpath).relative_to(content_dir)
        dirs[:] = sorted(
            d
            for d in dirs
            if not any(fnmatch.fnmatch(d, pattern) for pattern in ignores)
            and not (relative_dir / d in excluded and relative_dir / d not in page_paths)
        )
        for name in sorted(names):
            if any(fnmatch.fnmatch(name, pattern) for pattern in ignores):
                continue
            if name.rsplit(".", 1)[-1] not in MARKDOWN_EXTENSIONS or "." not in name:
                continue
            relative = relative_dir / name
            is_page = any(relative.is_relative_to(p) for p in page_paths)
            found.append((Path(dirpath) / name, "page" if is_page else "article"))
    return found


def shown_path(path):
    """The path as the author should see it: relative to the current folder if inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ---- Running it ----


def report(problems, stream=None, consequence=""):
    """Print every problem and a summary line; return the exit code (0: no problems)."""
    stream = stream or sys.stderr
    for problem in problems:
        print(format_problem(problem), file=stream)
    if problems:
        files = len({p.path for p in problems})
        summary = f"{len(problems)} problem(s) in {files} file(s).{consequence}"
        print(f"\n{summary}", file=stream)
        return 1
    return 0


def load_settings(settings_file, content=None):
    """Pelican's settings from a settings file, with an optional content folder."""
    from pelican.settings import read_settings

    override = {"PATH": str(Path(content).resolve())} if content else {}
    return read_settings(str(settings_file), override=override)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default=str(ROOT / "pelicanconf.py"))
    parser.add_argument("--content", help="content folder (default: the settings' PATH)")
    args = parser.parse_args(argv)
    settings = load_settings(args.settings, args.content)
    problems = lint_content(settings["PATH"], settings)
    code = report(problems)
    if not problems:
        print(f"No problems in {shown_path(settings['PATH'])}.")
    return code


if __name__ == "__main__":
    sys.exit(main())
