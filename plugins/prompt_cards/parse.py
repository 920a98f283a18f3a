"""Read prompt cards out of an article's Markdown. Pure functions: no Pelican, no disk.

The syntax, inside the article body:

    ```prompts
    - gentle | trust | When it comes to making a relationship work, you have to have ____.
    - deeper | What's one need you've felt silly asking me for out loud?
    - When did you last feel really seen by me?
    ```

One item per card: `text`, `level | text` or `level | theme | text`. A `|` inside the text
needs the full form (the theme may be left empty: `gentle | | Morning | night person?`).

`parse_prompts(markdown_text, source_path)` returns `(cards, errors)`: the content linter
and the plugin share it. Each error is a `PromptSyntaxError` carrying the file, the line,
the prompt and what to write instead; raise it or print it.
"""

import difflib
import hashlib
import re
from dataclasses import dataclass, field

from unidecode import unidecode

DEFAULT_LEVELS = ("gentle", "deeper", "vulnerable")
BLOCK_INFO = "prompts"

# A fence opens a block: up to 3 spaces, then ``` or ~~~ (3 or more), then an info string.
_OPEN_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>.*?)[ \t]*$")
_ITEM = re.compile(r"^[ \t]{0,3}[-*+](?:[ \t]+(?P<body>.*))?$")


@dataclass(frozen=True)
class ParseOptions:
    """What the author may write; the plugin builds this from its PROMPT_CARDS_* settings."""

    levels: tuple = DEFAULT_LEVELS
    default_level: str = "gentle"
    default_theme: str = "connection"
    max_length: int = 200
    slug_max_length: int = 40


@dataclass(frozen=True, slots=True)  # slots: a site of 4,000 articles holds 12,000 cards
class Card:
    """One prompt. `url`, `image` and the article fields are filled in by the plugin."""

    text: str
    level: str
    theme: str
    slug: str
    line: int = 0
    source_path: str = ""
    url: str = ""
    image: dict | None = field(default=None, compare=False)
    article_title: str = ""
    article_url: str = ""

    @property
    def level_label(self):
        return self.level.capitalize()

    @property
    def theme_label(self):
        return self.theme[:1].upper() + self.theme[1:]

    @property
    def theme_key(self):
        return " ".join(self.theme.lower().split())


class PromptSyntaxError(ValueError):
    """A prompt the build cannot use: where it is, what is wrong, what to write instead."""

    def __init__(self, path, line, problem, prompt="", fix=""):
        self.path = str(path)
        self.line = line
        self.problem = problem
        self.prompt = prompt
        self.fix = fix
        super().__init__(str(self))

    def __str__(self):
        where = f"{self.path}:{self.line}" if self.line else self.path
        message = f"{where}: {self.problem}"
        if self.prompt:
            message += f" in {self.prompt!r}"
        if self.fix:
            message += f". {self.fix}"
        return message


@dataclass(frozen=True)
class Block:
    """A ```prompts block: 0-based index of its opening and closing fence lines."""

    start: int
    end: int | None  # None: never closed


def _closes(line, char, length):
    stripped = line.strip()
    return (
        len(line) - len(line.lstrip(" ")) <= 3
        and len(stripped) >= length
        and set(stripped) == {char}
    )


def find_blocks(lines):
    """Every ```prompts block in `lines`. Fences inside other fenced blocks don't count."""
    blocks = []
    open_fence = None  # (char, length, is_prompts, start)
    for index, line in enumerate(lines):
        if open_fence is None:
            match = _OPEN_FENCE.match(line)
            if not match:
                continue
            fence, info = match["fence"], match["info"]
            if fence[0] == "`" and "`" in info:
                continue  # not a fence: inline code such as ```x```
            words = info.split()
            is_prompts = bool(words) and words[0].lower() == BLOCK_INFO
            open_fence = (fence[0], len(fence), is_prompts, index)
        elif _closes(line, open_fence[0], open_fence[1]):
            if open_fence[2]:
                blocks.append(Block(open_fence[3], index))
            open_fence = None
    if open_fence is not None and open_fence[2]:
        blocks.append(Block(open_fence[3], None))
    return blocks


def strip_blocks(lines):
    """`lines` without their ```prompts blocks (an unclosed block runs to the end)."""
    drop = set()
    for block in find_blocks(lines):
        end = len(lines) - 1 if block.end is None else block.end
        drop.update(range(block.start, end + 1))
    return [line for index, line in enumerate(lines) if index not in drop]


def slugify_prompt(text, max_length=40):
    """A short, stable address for a prompt: its first words, lower-case, ASCII."""
    ascii_text = unidecode(text).lower().replace("'", "")
    words = re.findall(r"[a-z0-9]+", ascii_text)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            break
        slug = candidate
    if not slug and words:
        slug = words[0][:max_length]
    if not slug:  # nothing to transliterate: fall back to a stable hash
        slug = "prompt-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return slug


def split_item(body):
    """`text`, `level | text` or `level | theme | text` -> (level, theme, text)."""
    parts = [part.strip() for part in body.split("|", 2)]
    if len(parts) == 1:
        return "", "", parts[0]
    if len(parts) == 2:
        return parts[0], "", parts[1]
    return parts[0], parts[1], parts[2]


def _example(level, theme, text):
    return f"- {level} | {theme} | {text}" if theme else f"- {level} | {text}"


def parse_item(body, line, path, options):
    """One `- ...` item -> Card, or raise PromptSyntaxError."""
    raw = f"- {body}".rstrip()
    level, theme, text = split_item(body)
    text = " ".join(text.split())
    if not text:
        raise PromptSyntaxError(
            path,
            line,
            "prompt card has no text",
            raw,
            'Write the question after the last "|", e.g. "'
            + _example(level or options.default_level, theme, "What do you need from me this week?")
            + '"',
        )
    if len(text) > options.max_length:
        raise PromptSyntaxError(
            path,
            line,
            f"prompt is {len(text)} characters long, more than fits on a card "
            f"({options.max_length})",
            raw,
            "Shorten it to one or two sentences, or split it into two prompts",
        )
    level_key = level.lower() or options.default_level
    if level_key not in options.levels:
        allowed = ", ".join(options.levels)
        fix = f'Write one of {allowed} before the first "|"'
        guess = difflib.get_close_matches(level_key, options.levels, n=1)
        if guess:
            fix += f', e.g. "{_example(guess[0], theme, text)}"'
        if " " in level.strip() or len(level) > 20:
            fix += (
                '. If the "|" belongs to the question, write the full form with an empty '
                f'theme: "- {options.default_level} | | {body.strip()}"'
            )
        raise PromptSyntaxError(path, line, f'unknown prompt level "{level}"', raw, fix)
    theme = " ".join(theme.split()) or options.default_theme
    slug = slugify_prompt(text, options.slug_max_length)
    return Card(text=text, level=level_key, theme=theme, slug=slug, line=line, source_path=path)


def parse_prompts(markdown_text, source_path, options=None):
    """Every prompt card in a Markdown document.

    Returns `(cards, errors)`: the cards in document order and a list of
    `PromptSyntaxError` (each with `.path`, `.line` (1-based), `.prompt`, `.problem`,
    `.fix`). Two cards in the document with the same slug are an error too; slugs shared
    between documents are found by `find_duplicate_slugs`.
    """
    options = options or ParseOptions()
    path = str(source_path)
    lines = markdown_text.splitlines()
    cards, errors = [], []
    for block in find_blocks(lines):
        end = block.end
        if end is None:
            # Never closed: the cards are the items up to the first line that isn't one.
            end = block.start + 1
            while end < len(lines) and (not lines[end].strip() or _ITEM.match(lines[end])):
                end += 1
            last = max(
                (i for i in range(block.start + 1, end) if lines[i].strip()), default=block.start
            )
            errors.append(
                PromptSyntaxError(
                    path,
                    block.start + 1,
                    "the ```prompts block opened here is never closed",
                    "",
                    f"Add a line with just ``` after the last prompt (line {last + 1})",
                )
            )
        found = 0
        for index in range(block.start + 1, end):
            line = lines[index]
            if not line.strip():
                continue
            match = _ITEM.match(line)
            if not match:
                errors.append(
                    PromptSyntaxError(
                        path,
                        index + 1,
                        'each prompt is one line starting with "- "',
                        line.strip(),
                        f'Write it as "- {line.strip()}" (or join it to the line above)',
                    )
                )
                continue
            found += 1
            try:
                cards.append(parse_item(match["body"] or "", index + 1, path, options))
            except PromptSyntaxError as error:
                errors.append(error)
        if found == 0 and block.end is not None:
            errors.append(
                PromptSyntaxError(
                    path,
                    block.start + 1,
                    "the ```prompts block has no prompts",
                    "",
                    'Add one line per card, e.g. "- gentle | trust | What helps you trust me?", '
                    "or remove the block",
                )
            )
    errors.extend(find_duplicate_slugs(cards))
    unique = _first_of_each_slug(cards)
    errors.sort(key=lambda error: error.line)
    return unique, errors


def _first_of_each_slug(cards):
    seen, unique = set(), []
    for card in cards:
        if card.slug not in seen:
            seen.add(card.slug)
            unique.append(card)
    return unique


def find_duplicate_slugs(cards):
    """An error for every card whose slug an earlier card already has."""
    first = {}
    errors = []
    for card in cards:
        if card.slug not in first:
            first[card.slug] = card
            continue
        original = first[card.slug]
        same_text = original.text == card.text
        errors.append(
            PromptSyntaxError(
                card.source_path,
                card.line,
                f'prompt card slug "{card.slug}" is already used by {original.source_path}:'
                f"{original.line} ({original.text!r})",
                card.text,
                "Remove one of the two copies"
                if same_text
                else "Reword the start of one of them: a card's address comes from its first words",
            )
        )
    return errors
