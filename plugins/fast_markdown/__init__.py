"""Convert every Markdown file with one reused `markdown.Markdown` instance.

Pelican's `MarkdownReader.read()` builds a new `markdown.Markdown` for each file, which
loads and wires up every extension again (about 0.2 ms a file with this site's
extensions, an eighth of converting a typical article). Python-Markdown's documented way
to convert many documents is one instance and `reset()` between them; this plugin swaps
in a reader that does that and is otherwise Pelican's own. tests/test_fast_markdown.py
proves the built site byte-identical with and without it.

Pelican's `_parse_metadata()` deregisters the `meta` preprocessor from the instance (so
that formatted metadata fields are not parsed for metadata); the reader registers it
again, at its original priority, before the next file.

`processors.py` gives the instance's inline and block processors a cheap check before
each regex search (a corpus article: 2.6-2.7 ms -> 1.36 ms; the HTML is the same).

`prefetch.py` converts part of the files on the second core while Pelican reads the
rest (started when the articles and pages generators are created).

`dates.py` reads plainly written dates without dateutil (the same datetimes).
"""

import logging
import os

from markdown import Markdown
from pelican import signals
from pelican.readers import MarkdownReader
from pelican.utils import file_suffix, pelican_open

from . import dates, prefetch, processors

logger = logging.getLogger(__name__)


class ReusingMarkdownReader(MarkdownReader):
    """Pelican's MarkdownReader, with one Markdown instance reset between files."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._shared = None
        self._meta = None
        self._prefetch = None

    def _markdown(self):
        if self._shared is None:
            self._shared = processors.speed_up(Markdown(**self.settings["MARKDOWN"]))
            preprocessors = self._shared.preprocessors
            priority = next(
                item.priority for item in preprocessors._priority if item.name == "meta"
            )
            self._meta = (preprocessors["meta"], "meta", priority)
        if "meta" not in self._shared.preprocessors:
            self._shared.preprocessors.register(*self._meta)
        return self._shared.reset()

    def convert(self, source_path):
        """(html, raw metadata or None): the Markdown half of read(), plain data."""
        self._md = self._markdown()
        with pelican_open(source_path) as text:
            content = self._md.convert(text)
        return content, getattr(self._md, "Meta", None)

    def read(self, source_path):
        """As MarkdownReader.read(), minus building a new Markdown instance."""
        self._source_path = source_path
        converted = self._prefetch.take(source_path) if self._prefetch else None
        if converted is None:
            converted = self.convert(source_path)
        else:
            self._md = self._markdown()  # _parse_metadata uses it (formatted fields)
        content, meta = converted
        metadata = self._parse_metadata(meta) if meta is not None else {}
        return content, metadata

    def start_prefetch(self, paths):
        """Convert the tail of `paths` (Pelican's reading order) in another process."""
        self.stop_prefetch()
        self._prefetch = prefetch.start(self.convert, paths)

    def stop_prefetch(self):
        if self._prefetch is not None:
            self._prefetch.close()
            self._prefetch = None


def use_reusing_reader(readers):
    for extension in MarkdownReader.file_extensions:
        current = readers.reader_classes.get(extension)
        if current is MarkdownReader:
            readers.reader_classes[extension] = ReusingMarkdownReader
        elif current is not None and extension == "md":
            logger.warning(
                "fast_markdown: *.%s files are read by %s, not Pelican's MarkdownReader; "
                "leaving it in place",
                extension,
                current.__name__,
            )


def files_to_convert(generator, paths_key, excludes_key):
    """The Markdown files `generator` will convert, in its reading order: every file
    of its paths with no usable entry in Pelican's content caches."""
    found = []
    for relative in generator.get_files(
        generator.settings[paths_key], exclude=generator.settings[excludes_key]
    ):
        path = os.path.abspath(os.path.join(generator.path, relative))
        if file_suffix(path) != "md":  # the other suffixes have readers of their own
            continue
        if generator.get_cached_data(relative, None) is not None:
            continue
        if generator.readers.get_cached_data(path, (None, None))[0] is not None:
            continue
        found.append(path)
    return found


def _start_prefetch(generator, paths_key, excludes_key):
    reader = generator.readers.readers.get("md")
    if type(reader) is ReusingMarkdownReader:
        reader.start_prefetch(files_to_convert(generator, paths_key, excludes_key))


def prefetch_articles(generator):
    _start_prefetch(generator, "ARTICLE_PATHS", "ARTICLE_EXCLUDES")


def prefetch_pages(generator):
    _start_prefetch(generator, "PAGE_PATHS", "PAGE_EXCLUDES")


def stop_prefetch(generator):
    reader = generator.readers.readers.get("md")
    if type(reader) is ReusingMarkdownReader:
        reader.stop_prefetch()


def register():
    # initialized: before anything is read (Markdown's second process is forked later).
    signals.initialized.connect(dates.use_fast_dates)
    # readers_init: sent after Pelican has chosen its reader classes and before it
    # instantiates them, the one point where a reader class can be swapped.
    signals.readers_init.connect(use_reusing_reader)
    # article/page_generator_init: the generator and its readers exist and nothing is
    # read yet: start converting the tail of its files in a second process.
    signals.article_generator_init.connect(prefetch_articles)
    signals.page_generator_init.connect(prefetch_pages)
    # *_generator_finalized: everything is read; a child still running is not needed.
    signals.article_generator_finalized.connect(stop_prefetch)
    signals.page_generator_finalized.connect(stop_prefetch)
