"""Python-Markdown's own processors, each with a cheap check before its costly regex.

Converting an 800-word article spends most of its time asking regexes that cannot
match. For every run of text, the inline processor tries each inline pattern in turn
(through `__applyPattern`, ~2 µs of Python per try, 15 patterns with `extra`), and two
of them (code spans, links) start with a lookbehind, so `re` cannot skip ahead to a
literal and scans the text one character at a time. For every block, the parser asks
each block processor in turn, and nine of them search the whole block for a pattern
that needs a string the block often lacks (`#`, `>`, `|`, `]:`, ...).

`speed_up(md)` gives those processors a subclass that checks first, in C, for what any
match must contain, and calls Python-Markdown's own code whenever it could match. So
nothing is parsed differently: only tries that would have failed are skipped.
tests/test_markdown_processors.py compares the HTML with stock Python-Markdown's on the real
content, the benchmark corpus and thousands of generated documents full of Markdown's
special characters. A processor an extension has replaced (any other class) is left
alone.
"""

import re

from markdown import blockprocessors, inlinepatterns, util
from markdown.extensions import abbr, def_list, footnotes, tables
from markdown.treeprocessors import InlineProcessor

# The footnotes extension's pattern for a reference ([^1]), defined inside its method.
FOOTNOTE_RE = r"\[\^([^\]]*)\]"

# For each stock inline pattern, by its regex: the characters one of which every match
# contains (the emphasis pattern's are its delimiters). A text with none of the
# characters of any pattern is left as it is at once: about half of an article's texts.
INLINE_TRIGGERS = {
    inlinepatterns.BACKTICK_RE: "`",
    inlinepatterns.ESCAPE_RE: "\\",
    FOOTNOTE_RE: "[",
    inlinepatterns.LINK_RE: "[",
    inlinepatterns.IMAGE_LINK_RE: "!",
    inlinepatterns.AUTOLINK_RE: "<",
    inlinepatterns.AUTOMAIL_RE: "<",
    inlinepatterns.HTML_RE: "<",
    inlinepatterns.ENTITY_RE: "&",
    inlinepatterns.LINE_BREAK_RE: "\n",
}

# Inline patterns that start with a lookbehind (code spans; links, references and short
# references), by their regex, with the character any match contains: `re` cannot skip
# ahead to a literal for them, str.find can. The others start with a literal.
INLINE_NEEDS = {
    regex: INLINE_TRIGGERS[regex] for regex in (inlinepatterns.BACKTICK_RE, inlinepatterns.LINK_RE)
}


def trigger_characters(pattern):
    """Characters one of which any match of `pattern` contains, or None (not known)."""
    if type(pattern) is inlinepatterns.DelimiterProcessor:
        return "".join(token[0] for token in pattern.tokens)
    if not isinstance(pattern, inlinepatterns.InlineProcessor):
        return None
    return INLINE_TRIGGERS.get(pattern.getCompiledRegExp().pattern)


def any_trigger(patterns):
    """A search for any pattern's trigger characters, or None when a pattern's are not
    known (an extension's own pattern)."""
    characters = [trigger_characters(pattern) for pattern in patterns]
    if not characters or None in characters:
        return None
    return re.compile("[" + re.escape("".join(sorted(set("".join(characters))))) + "]").search


class CheckingInlineProcessor(InlineProcessor):
    """InlineProcessor whose pattern loop skips, before any Python-level work, the
    patterns whose regex finds nothing from where the search starts, and every pattern
    for a text with none of their trigger characters."""

    def run(self, tree, ancestors=None):
        patterns = list(self.inlinePatterns)
        self._checks = [pattern_check(pattern) for pattern in patterns]
        self._any_trigger = any_trigger(patterns)
        return super().run(tree, ancestors)

    # Replaces InlineProcessor.__handleInline (called by name from run() and from
    # __applyPattern, which handles every pattern that can match, as before).
    def _InlineProcessor__handleInline(self, data, patternIndex=0):
        if isinstance(data, util.AtomicString):
            return data
        if self._any_trigger is not None and self._any_trigger(data) is None:
            return data
        checks = self._checks
        count = len(checks)
        startIndex = 0
        apply_pattern = self._InlineProcessor__applyPattern
        while patternIndex < count:
            pattern, search, needs = checks[patternIndex]
            if search is not None and (
                (needs is not None and data.find(needs, startIndex) < 0)
                or search(data, startIndex) is None
            ):
                # What __applyPattern returns when its finditer finds nothing.
                patternIndex += 1
                startIndex = 0
                continue
            data, matched, startIndex = apply_pattern(pattern, data, patternIndex, startIndex)
            if not matched:
                patternIndex += 1
        return data


def pattern_check(pattern):
    """(pattern, its regex's search or None, a string any match contains or None).

    Only new-style patterns (InlineProcessor) are checked: __applyPattern runs their
    regex with finditer(data, startIndex), whose first match is search(data,
    startIndex). Legacy patterns match on a slice; they always go to __applyPattern."""
    if not isinstance(pattern, inlinepatterns.InlineProcessor):
        return pattern, None, None
    regex = pattern.getCompiledRegExp()
    return pattern, regex.search, INLINE_NEEDS.get(regex.pattern)


# Block processors whose test() can only pass for a block containing one of these
# strings (read off each class's regex or test()).
BLOCK_NEEDS = {
    blockprocessors.HashHeaderProcessor: ("#",),
    blockprocessors.BlockQuoteProcessor: (">",),
    # RE.match: the block's first line, then a line of = or -.
    blockprocessors.SetextHeaderProcessor: ("\n=", "\n-"),
    # Three or more of -, _ or *.
    blockprocessors.HRProcessor: ("-", "_", "*"),
    def_list.DefListProcessor: (":",),
    # These three accept every block and search it in run(), which hands back a block
    # without a definition unchanged (returning False, as a failed test() does).
    blockprocessors.ReferenceProcessor: ("]:",),
    footnotes.FootnoteBlockProcessor: ("[^",),
    abbr.AbbrBlockprocessor: ("*[",),
    # A header row of two cells, or a bordered one-cell table: a pipe either way.
    tables.TableProcessor: ("|",),
}


def checked_block_class(cls, needs):
    def test(self, parent, block):
        for text in needs:
            if text in block:
                return cls.test(self, parent, block)
        return False

    return type(f"Checking{cls.__name__}", (cls,), {"test": test})


CHECKED_BLOCK_CLASSES = {cls: checked_block_class(cls, needs) for cls, needs in BLOCK_NEEDS.items()}


class BlockLevelElements(list):
    """Markdown.block_level_elements, a list Python-Markdown asks `tag in ...` of for
    every element it prettifies or reads attributes of (~150 a post, 50 strings
    compared each for a tag that is not in it): the same list, answering from a set
    kept in step with every change to it."""

    def __init__(self, items=()):
        super().__init__(items)
        self._changed()

    def __contains__(self, item):
        members = self._members
        if members is not None:
            try:
                return item in members
            except TypeError:  # an unhashable item: compared as the list compares
                pass
        return list.__contains__(self, item)

    def _changed(self):
        try:
            self._members = frozenset(self)
        except TypeError:  # the list holds an unhashable item: no set
            self._members = None


def _changing(name):
    method = getattr(list, name)

    def changing(self, *args):
        result = method(self, *args)  # list's += and *= give the list itself back
        self._changed()
        return result

    changing.__name__ = name
    return changing


for _name in (
    "append",
    "extend",
    "insert",
    "remove",
    "pop",
    "clear",
    "__setitem__",
    "__delitem__",
    "__iadd__",
    "__imul__",
):
    setattr(BlockLevelElements, _name, _changing(_name))


def speed_up(md):
    """Give `md`'s stock inline processor and block processors their checking
    subclasses, in place (their state and registry priorities are kept), and its block
    level elements a set to be looked up in."""
    md.block_level_elements = BlockLevelElements(md.block_level_elements)
    for processor in md.treeprocessors:
        if type(processor) is InlineProcessor:
            processor.__class__ = CheckingInlineProcessor
    for processor in md.parser.blockprocessors:
        checked = CHECKED_BLOCK_CLASSES.get(type(processor))
        if checked is not None:
            processor.__class__ = checked
    return md
