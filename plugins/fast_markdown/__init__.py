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
"""

import logging

from markdown import Markdown
from pelican import signals
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

logger = logging.getLogger(__name__)


class ReusingMarkdownReader(MarkdownReader):
    """Pelican's MarkdownReader, with one Markdown instance reset between files."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._shared = None
        self._meta = None

    def _markdown(self):
        if self._shared is None:
            self._shared = Markdown(**self.settings["MARKDOWN"])
            preprocessors = self._shared.preprocessors
            priority = next(
                item.priority for item in preprocessors._priority if item.name == "meta"
            )
            self._meta = (preprocessors["meta"], "meta", priority)
        if "meta" not in self._shared.preprocessors:
            self._shared.preprocessors.register(*self._meta)
        return self._shared.reset()

    def read(self, source_path):
        """As MarkdownReader.read(), minus building a new Markdown instance."""
        self._source_path = source_path
        self._md = self._markdown()
        with pelican_open(source_path) as text:
            content = self._md.convert(text)
        metadata = self._parse_metadata(self._md.Meta) if hasattr(self._md, "Meta") else {}
        return content, metadata


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


def register():
    # readers_init: sent after Pelican has chosen its reader classes and before it
    # instantiates them, the one point where a reader class can be swapped.
    signals.readers_init.connect(use_reusing_reader)
