"""Reading aids: reading time, older/newer links, related articles and a table of contents.

Every article (drafts and hidden ones too) gets these attributes, read by the theme:

- `reading_time`: whole minutes at READING_AIDS["words_per_minute"] (~230), and
  `word_count`;
- `toc`: nested headings [{"id", "text", "children"}] when the article has at least
  `toc_min_headings` h2/h3 headings and `toc_min_words` words, else [] (the heading ids
  come from Markdown's toc extension, enabled in pelicanconf.py);
- `older_article` / `newer_article`: its neighbours among published articles, or None;
- `related_articles`: up to `related_limit` published articles sharing the most tags.

They are kept together in one attribute, `article.reading_aids` (a `ReadingAids`), which
the six names read through (`ReadingAid`, on the Article class): one attribute instead
of six keeps every article's attribute table shared with the others' (see
plugins/compact_bodies).

Why not pelican-readtime or pelican-neighbors: each would replace a few lines of pure,
tested code here with a dependency (and its own settings) for one number or two links.
"""

import contextlib
import dataclasses
import functools
import hashlib
import logging
import math
from pathlib import Path
from typing import NamedTuple

from pelican import signals
from pelican.contents import Article

try:  # a build: Pelican puts plugins/ (PLUGIN_PATHS) on sys.path
    import forking
    from content_body import body_as_written
    from kept_results import KeptResults
except ImportError:  # imported as plugins.<name> (the content linter, the tests)
    from plugins import forking
    from plugins.content_body import body_as_written
    from plugins.kept_results import KeptResults

from . import aids as aids_module
from .aids import RelatedIndex, analyse, neighbours, reading_minutes, table_of_contents

log = logging.getLogger(__name__)

DEFAULTS = {
    "words_per_minute": 230,
    "related_limit": 3,
    "toc_min_headings": 3,
    "toc_min_words": 600,
}
MINIMUMS = {"words_per_minute": 1, "related_limit": 0, "toc_min_headings": 1, "toc_min_words": 0}


def read_settings(settings):
    """READING_AIDS merged over the defaults, and one message per bad key."""
    raw = settings.get("READING_AIDS", {})
    if not isinstance(raw, dict):
        return dict(DEFAULTS), [
            f"reading_aids: READING_AIDS must be a dict like {DEFAULTS!r}, got {raw!r}"
        ]
    errors = []
    for key, value in raw.items():
        if key not in DEFAULTS:
            errors.append(
                f"reading_aids: Invalid 'READING_AIDS' key: {key!r} "
                f"(known keys: {', '.join(sorted(DEFAULTS))})"
            )
        elif isinstance(value, bool) or not isinstance(value, int) or value < MINIMUMS[key]:
            errors.append(
                f"reading_aids: READING_AIDS[{key!r}] must be a whole number "
                f">= {MINIMUMS[key]}, got {value!r}"
            )
    return dict(DEFAULTS, **raw), errors


def check_settings(pelican):
    _aids, errors = read_settings(pelican.settings)
    if errors:
        raise ValueError("\n".join(errors))


class KeptAnalyses:
    """analyse() results of the last dev build (Pelican's content cache on), by a digest
    of the HTML, in CACHE_PATH/reading_aids.pickle (valid for this aids.py): a rebuild
    analyses only the articles whose HTML changed."""

    def __init__(self, settings):
        code = hashlib.blake2b(Path(aids_module.__file__).read_bytes(), digest_size=20)
        path = Path(settings["CACHE_PATH"]) / "reading_aids.pickle"
        self.kept = KeptResults(path, code.hexdigest())

    @property
    def empty(self):
        """Nothing kept from the last build (a first build, or aids.py changed)."""
        return not self.kept.old

    @staticmethod
    def key(html):
        return hashlib.blake2b((html or "").encode(), digest_size=20).digest()

    def get(self, key):
        return self.kept.get(key)

    def put(self, key, result):
        self.kept.put(key, None, result)

    def save(self):
        self.kept.save()


# From this many articles on, when nothing is kept from the last build, a forked
# process analyses half of them: the build waits for the analyses with nothing else for
# the second core to do (1,000 articles: 0.3 s in one process; HTML-only build A/B,
# 7 pairs: 5.07 s against 5.21 s). A rebuild that finds its analyses kept does not
# fork: then the fork (~20 ms and the copy-on-write faults) costs more than it saves.
SPLIT_FROM = 200


def _analysis(article, kept=None):
    """(key, (words, headings)) of an article: kept (`kept`: a KeptAnalyses or None),
    or analysed. `key`: a digest of its HTML.

    The HTML as written: its words and headings are those of its page. Not
    `article.content`, which would resolve its links and memoize the result for the
    page, but the articles are analysed once they are read, before the static files
    are: a {static} link would not resolve yet, the page would show it so, and Pelican
    would warn about a file that is there."""
    html = body_as_written(article)
    key = KeptAnalyses.key(html)
    result = kept.get(key) if kept is not None else None
    return key, (result if result is not None else analyse(html))


def analyses(articles, kept=None):
    """[_analysis(article, kept) for article in articles], the second half in a forked
    process when there are many and none kept (forking.map_in_two: the same results,
    analysing is pure; a warning makes the build analyse that half itself, so it is
    logged once)."""
    at_least = SPLIT_FROM if kept is None or kept.empty else math.inf
    return forking.map_in_two(functools.partial(_analysis, kept=kept), articles, at_least)


def kept_analyses(articles, kept=None, results=None):
    """The (words, headings) of each article (analyses, or `results` when they are
    already known), each also kept for the next build when `kept` (a KeptAnalyses) is
    given."""
    results = analyses(articles, kept) if results is None else results
    if kept is not None:
        for key, result in results:
            kept.put(key, result)
    return [result for _key, result in results]


def articles_to_annotate(generator):
    """Every article: published, drafts and hidden ones."""
    return [*generator.articles, *generator.drafts, *generator.hidden_articles]


def kept_for(settings):
    return KeptAnalyses(settings) if settings.get("CACHE_CONTENT") else None


class EarlyAnalyses(NamedTuple):
    """What start_analyses found once the articles were read: the kept analyses (loaded
    once a build), and a first build's analyses begun in a forked process, or None."""

    articles: list
    kept: object  # KeptAnalyses or None
    work: object  # forking.MapInChild or None


# id(generator) -> its EarlyAnalyses, from article_generator_pretaxonomy to annotate.
_early = {}


def start_analyses(generator):
    """article_generator_pretaxonomy: the articles are read. When there are many and no
    analyses are kept, a forked process analyses them all while this one groups them by
    taxonomy and the other plugins' article_generator_finalized receivers run (prompt
    cards); annotate takes the results. (Begun at annotate, half of them in a child, the
    build's process waited for its half with the second core idle.) The HTML analysed is
    final once read: compact_bodies only packs it, at article_generator_finalized."""
    stale = _early.pop(id(generator), None)
    if stale is not None and stale.work is not None:
        stale.work.close()
    kept = kept_for(generator.settings)
    articles = articles_to_annotate(generator)
    work = None
    if (kept is None or kept.empty) and len(articles) >= SPLIT_FROM and forking.can_fork():
        with contextlib.suppress(OSError):  # no process to be had now: annotate does it
            work = forking.MapInChild(_analysis, articles)
    _early[id(generator)] = EarlyAnalyses(articles, kept, work)


def early_results(generator, articles):
    """(kept analyses, results of the analyses begun for these very articles or None)."""
    early = _early.pop(id(generator), None)
    if early is None:  # annotate called on its own, without start_analyses first
        return kept_for(generator.settings), None
    if early.work is None:
        return early.kept, None
    if list(map(id, early.articles)) != list(map(id, articles)):
        # A receiver changed the lists meanwhile: analyse them now.
        early.work.close()
        return early.kept, None
    return early.kept, early.work.results()


@dataclasses.dataclass(slots=True)
class ReadingAids:
    """An article's reading aids (the module's docstring)."""

    word_count: int
    reading_time: int
    toc: list
    related_articles: list
    older_article: object = None
    newer_article: object = None


class ReadingAid:
    """`article.<name>`: that field of the article's `reading_aids`. A non-data
    descriptor: an attribute of that name set on the article itself (metadata a page
    or an unannotated article was given) is read instead, as before; an article without
    reading aids has no such attribute (templates see it undefined)."""

    def __init__(self, name):
        self.name = name

    def __get__(self, article, owner=None):
        if article is None:
            return self
        aids = article.__dict__.get("reading_aids")
        if aids is None:
            raise AttributeError(f"{type(article).__name__!r} has no attribute {self.name!r}")
        return getattr(aids, self.name)


def install_reading_aids(_pelican=None):
    """Make article.word_count, .toc, ... read the article's `reading_aids` (once)."""
    for field in dataclasses.fields(ReadingAids):
        if not isinstance(Article.__dict__.get(field.name), ReadingAid):
            setattr(Article, field.name, ReadingAid(field.name))


def annotate(generator):
    aids, _errors = read_settings(generator.settings)
    published = list(generator.articles)
    everything = articles_to_annotate(generator)
    related = RelatedIndex(published)
    kept, analysed = early_results(generator, everything)
    results = kept_analyses(everything, kept, analysed)
    around = {id(article): (older, newer) for article, older, newer in neighbours(published)}
    names = {field.name for field in dataclasses.fields(ReadingAids)}
    for article, (words, headings) in zip(everything, results, strict=True):
        for name in names & vars(article).keys():  # metadata of that name: the aid wins
            delattr(article, name)
        older, newer = around.get(id(article), (None, None))
        article.reading_aids = ReadingAids(
            word_count=words,
            reading_time=reading_minutes(words, aids["words_per_minute"]),
            toc=table_of_contents(headings, words, aids["toc_min_headings"], aids["toc_min_words"]),
            related_articles=related.related(article, aids["related_limit"]),
            older_article=older,
            newer_article=newer,
        )
    if kept:
        kept.save()


def register():
    # initialized: reject bad settings before any content is read.
    signals.initialized.connect(check_settings)
    signals.initialized.connect(install_reading_aids)
    # article_generator_pretaxonomy: the articles are read; a first build starts
    # analysing them in a second process.
    signals.article_generator_pretaxonomy.connect(start_analyses)
    # article_generator_finalized: runs on every build, also when articles come from the
    # content cache without being read again, once the article lists are final.
    signals.article_generator_finalized.connect(annotate)
