"""Pure functions behind the reading aids: they touch neither settings nor disk."""

import math
import re
from html.parser import HTMLParser

WORD = re.compile(r"\w+(?:['’.-]\w+)*")
HEADING_TAGS = {"h2": 2, "h3": 3}


class _TextAndHeadings(HTMLParser):
    """Collects the visible text of an HTML fragment and its h2/h3 headings."""

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


def analyse(html):
    """(word count, [(level, id, text), ...] for every h2/h3) of an HTML fragment."""
    parser = _TextAndHeadings()
    parser.feed(html or "")
    parser.close()
    words = len(WORD.findall(" ".join(parser.text)))
    return words, parser.headings


def reading_minutes(words, words_per_minute):
    """Whole minutes to read `words` words, never less than one."""
    return max(1, math.ceil(words / words_per_minute))


def table_of_contents(headings, words, min_headings, min_words):
    """Nested TOC entries for a long article, or [] when it is too short to need one.

    Each entry is {"id", "text", "children"}; an h3 nests under the h2 before it.
    Headings without an id (the toc extension gives every heading one) are skipped.
    """
    usable = [(level, anchor, text) for level, anchor, text in headings if anchor and text]
    if len(usable) < min_headings or words < min_words:
        return []
    entries = []
    for level, anchor, text in usable:
        entry = {"id": anchor, "text": text, "children": []}
        if level == 3 and entries:
            entries[-1]["children"].append(entry)
        else:
            entries.append(entry)
    return entries


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


def related_articles(article, candidates, limit):
    """Up to `limit` other articles sharing the most tags with `article`.

    Ranked by the number of shared tags, then newest first, then title; articles
    sharing no tag are never "related".
    """
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
