"""Pure functions behind the reading aids: they touch neither settings nor disk."""

import math
import re
from collections import Counter
from html import unescape
from html.parser import HTMLParser
from itertools import chain
from typing import NamedTuple

WORD = re.compile(r"\w+(?:['’.-]\w+)*")
HEADING_TAGS = {"h2": 2, "h3": 3}


class _TextAndHeadings(HTMLParser):
    """Collects the visible text of an HTML fragment and its h2/h3 headings.

    The reference reading of any HTML; `analyse` takes a faster path for the plain
    markup Markdown writes and falls back to this parser for anything else.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text = []
        self.headings = []  # (level, id, text)
        self._heading = None  # [level, id, parts] while inside a heading
        self._skip = 0  # depth inside <script>/<style>

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in HEADING_TAGS and self._heading is None:
            self._heading = [HEADING_TAGS[tag], dict(attrs).get("id"), []]

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in HEADING_TAGS and self._heading is not None:
            level, anchor, parts = self._heading
            self.headings.append((level, anchor, " ".join("".join(parts).split())))
            self._heading = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._heading is not None:
            self._heading[2].append(data)


def analyse_with_parser(html):
    """`analyse` by Python's HTMLParser: slower, and right for any HTML."""
    parser = _TextAndHeadings()
    parser.feed(html or "")
    parser.close()
    words = len(WORD.findall(" ".join(parser.text)))
    return words, parser.headings


# The plain tags Markdown writes: a name, then attributes that are bare or quoted
# (without "<" in the quotes). HTMLParser reads every such tag the same way; anything
# else ("<" in text, comments, unquoted values, raw-text elements) goes to
# analyse_with_parser.
_ATTRIBUTE = r"""[A-Za-z_:][-\w:.]*(?:\s*=\s*(?:"[^"<]*"|'[^'<]*'))?"""
TAG = re.compile(rf"</?[A-Za-z][A-Za-z0-9]*(?:\s+{_ATTRIBUTE})*\s*/?>")
# An h2 or h3 tag; groups: "/" of an end tag, level, attributes, "/" of a self-closing tag
HEADING = re.compile(rf"<(/?)[hH]([23])((?:\s+{_ATTRIBUTE})*)\s*(/?)>")
ATTRIBUTE = re.compile(r"""([A-Za-z_:][-\w:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'))?""")
# Elements whose content HTMLParser reads as raw text (script, style; newer Pythons
# also textarea, title and a few more), and markup declarations: the parser's job.
RAW_TEXT = re.compile(
    r"<(?:script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext)\b|<[!?]",
    re.IGNORECASE,
)


def plain_text(html):
    """`html` with every tag replaced by a space, when all its markup is plain tags
    (see TAG); else None. Character references are left as they are."""
    if RAW_TEXT.search(html):
        return None
    text = TAG.sub(" ", html)
    return None if "<" in text else text


def _heading_id(attributes):
    """The id of a heading's start tag as HTMLParser gives it (last one wins)."""
    anchor = None
    for match in ATTRIBUTE.finditer(attributes):
        if match.group(1).lower() == "id":
            value = match.group(2) if match.group(2) is not None else match.group(3)
            anchor = unescape(value) if value is not None else None
    return anchor


def _heading_text(fragment):
    """A heading's text: each run between tags unescaped on its own, then joined with
    the whitespace collapsed."""
    text = "".join(unescape(run) for run in TAG.split(fragment))
    return " ".join(text.split())


def analyse(html):
    """(word count, [(level, id, text), ...] for every h2/h3) of an HTML fragment.

    Words are counted in the visible text, each tag splitting words as a space would;
    a heading's text is its text with the whitespace collapsed.
    """
    html = html or ""
    text = plain_text(html)
    if text is None:
        return analyse_with_parser(html)
    headings = []
    heading = None  # (level, id, end of its start tag) while inside a heading
    # Every "<" starts a plain tag, so these are exactly the h2/h3 tags among them.
    for tag in HEADING.finditer(html):
        closing, level, attributes, self_closing = tag.groups()
        if not closing and heading is None:
            heading = (int(level), _heading_id(attributes), tag.end())
        if (closing or self_closing) and heading is not None:
            headings.append((heading[0], heading[1], _heading_text(html[heading[2] : tag.start()])))
            heading = None
    # Entities never span a tag's space, so unescaping once equals unescaping each run.
    return len(WORD.findall(unescape(text))), headings


def reading_minutes(words, words_per_minute):
    """Whole minutes to read `words` words, never less than one."""
    return max(1, math.ceil(words / words_per_minute))


class TocEntry(NamedTuple):
    """A heading in a table of contents; an h2's entry holds the h3 entries under it.
    A tuple, not a dict: a site of 4,000 articles holds about 12,000 of them."""

    id: str
    text: str
    children: tuple = ()


def table_of_contents(headings, words, min_headings, min_words):
    """Nested TOC entries (TocEntry) for a long article, or [] when it is too short to
    need one. An h3 nests under the h2 before it. Headings without an id (the toc
    extension gives every heading one) are skipped.
    """
    usable = [(level, anchor, text) for level, anchor, text in headings if anchor and text]
    if len(usable) < min_headings or words < min_words:
        return []
    entries = []  # (id, text, children so far)
    for level, anchor, text in usable:
        if level == 3 and entries:
            entries[-1][2].append(TocEntry(anchor, text))
        else:
            entries.append((anchor, text, []))
    return [TocEntry(anchor, text, tuple(children)) for anchor, text, children in entries]


def neighbours(articles):
    """[(article, older, newer), ...] for articles in date order (ties broken by title)."""
    ordered = sorted(articles, key=lambda a: (a.date, a.title))
    return [
        (
            article,
            ordered[index - 1] if index > 0 else None,
            ordered[index + 1] if index + 1 < len(ordered) else None,
        )
        for index, article in enumerate(ordered)
    ]


def _tag_slugs(article):
    return {tag.slug for tag in getattr(article, "tags", None) or ()}


class RelatedIndex:
    """The candidates indexed by tag once, so each article looks only at the candidates
    that share a tag with it (not every candidate: that was O(n²) over a site), and at
    few of those: each tag's candidates are kept best first.

    `index.related(article, limit)` == `related_articles(article, candidates, limit)`.
    """

    def __init__(self, candidates):
        self.candidates = list(candidates)
        # The order among equally related candidates: newest first, then title, then
        # their order in `candidates` (as a stable sort keeps it).
        order = sorted(
            range(len(self.candidates)),
            key=lambda p: (-self.candidates[p].date.timestamp(), self.candidates[p].title, p),
        )
        self.rank = [0] * len(order)
        for rank, position in enumerate(order):
            self.rank[position] = rank
        self.by_tag = {}  # tag slug -> [candidate position, ...], best rank first
        for position in order:
            for slug in _tag_slugs(self.candidates[position]):
                self.by_tag.setdefault(slug, []).append(position)

    def related(self, article, limit):
        own = _tag_slugs(article)
        if not own or limit <= 0:
            return []
        candidates, rank = self.candidates, self.rank
        lists = [self.by_tag[slug] for slug in own if slug in self.by_tag]

        def eligible(position):
            other = candidates[position]
            return other is not article and other.source_path != article.source_path

        if len(lists) == 1:  # one tag in common with each: the best ranked ones
            chosen = []
            for position in lists[0]:
                if eligible(position):
                    chosen.append(position)
                    if len(chosen) == limit:
                        break
            return [candidates[position] for position in chosen]
        counts = Counter(chain.from_iterable(lists))
        # Those sharing several tags first (most shared, then rank) ...
        several = sorted((-count, rank[p], p) for p, count in counts.items() if count > 1)
        chosen = [p for _count, _rank, p in several if eligible(p)][:limit]
        needed = limit - len(chosen)
        if needed <= 0:
            return [candidates[position] for position in chosen]
        # ... then those sharing one: the best `needed` of each tag's list, merged.
        single = []
        for positions in lists:
            found = 0
            for position in positions:
                if counts[position] == 1 and eligible(position):
                    single.append(position)
                    found += 1
                    if found == needed:
                        break
        single.sort(key=rank.__getitem__)
        return [candidates[position] for position in chosen + single[:needed]]


def related_articles(article, candidates, limit):
    """Up to `limit` other articles sharing the most tags with `article`.

    Ranked by the number of shared tags, then newest first, then title; articles
    sharing no tag are never "related". For many articles, build one RelatedIndex.
    """
    return RelatedIndex(candidates).related(article, limit)


def related_articles_by_scan(article, candidates, limit):
    """`related_articles` by scoring every candidate: the reference the index matches."""
    own = {tag.slug for tag in getattr(article, "tags", None) or ()}
    if not own or limit <= 0:
        return []
    scored = []
    for other in candidates:
        if other is article or other.source_path == article.source_path:
            continue
        shared = len(own & {tag.slug for tag in getattr(other, "tags", None) or ()})
        if shared:
            scored.append((-shared, -other.date.timestamp(), other.title, other))
    scored.sort(key=lambda item: item[:3])
    return [item[3] for item in scored[:limit]]
