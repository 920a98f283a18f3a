"""Convert Markdown on the second core while Pelican reads on the first.

Pelican reads its articles one after another, so a build uses one core for Markdown
(about half of a cold build). Before the articles are read, `start()` forks one child
process that converts the files at the end of Pelican's reading order and sends back
each file's HTML and its raw metadata (plain strings), a few files at a time; the parent
reads the files at the front as usual and takes the child's results when it reaches the
rest, working on the first while the child converts the last. Metadata is still
processed in the parent (`MarkdownReader._parse_metadata`), so dates, tags and
categories are made exactly as before, and the built site is byte-identical
(tests/test_fast_markdown.py).

A file the child could not convert cleanly (an exception, or anything logged at WARNING
or above) is simply converted again by the parent, which then raises or logs as usual,
so errors name the file exactly as without this module. No fork happens while a thread
not marked `fork_safe` runs, below MIN_FILES files, or on a machine with one core.
"""

import atexit
import logging

try:  # a build: Pelican puts plugins/ (PLUGIN_PATHS) on sys.path
    import forking
    from forking import InChild
except ImportError:  # imported as plugins.<name> (the tests)
    from plugins import forking
    from plugins.forking import InChild

logger = logging.getLogger(__name__)

# Below this many files, forking (~20 ms for a build's process) costs more than it saves.
MIN_FILES = 24
# The parent also builds each Article (metadata, signals, cache) while the child only
# converts, so the child takes a bit more than half (measured at N = 1000 on 2 cores).
CHILD_SHARE = 0.55
# The child sends its results this many files at a time.
BATCH = 25


def split(paths, child_share=CHILD_SHARE):
    """(parent's, child's): the child gets the tail of the reading order."""
    paths = list(paths)
    cut = len(paths) - round(len(paths) * child_share)
    return paths[:cut], paths[cut:]


def _convert_all(convert, paths, batch=BATCH):
    """{path: result}, `batch` files at a time: the result None for a file converted
    with an error or a warning (the parent converts it again, and reports them)."""
    flag = forking.only_flag_warnings()
    for start in range(0, len(paths), batch):
        results = {}
        for path in paths[start : start + batch]:
            flag.raised = False
            try:
                result = convert(path)
            except Exception:  # noqa: BLE001 - the parent converts it again and reports it
                result = None
            results[path] = None if flag.raised else result
        yield results


class Prefetch:
    """Files being converted in a child process; `take(path)` hands one result over."""

    def __init__(self, convert, paths):
        paths = list(paths)
        self.paths = set(paths)
        self.results = {}
        self._child = InChild.streaming(_convert_all, convert, paths)
        _RUNNING.add(self)

    @property
    def pid(self):
        """The converting process, until it is waited for."""
        return self._child.pid

    def take(self, path):
        """The child's (html, meta) for `path`, or None: convert it yourself."""
        if path not in self.paths:
            return None
        self.paths.discard(path)
        # None once the child is done, or died: the parent converts what is missing.
        while path not in self.results and (batch := self._child.next_item()) is not None:
            self.results.update(batch)
        if not self.paths:  # every file handed over: nothing more to wait for
            self.close()
        return self.results.pop(path, None)

    def close(self):
        """Stop waiting for the child (killing it if it is still converting)."""
        _RUNNING.discard(self)
        self._child.close()


_RUNNING = set()


@atexit.register
def _close_all():
    """A build that failed before reading everything leaves no process behind."""
    while _RUNNING:
        _RUNNING.pop().close()


def can_fork(count):
    return count >= MIN_FILES and forking.can_fork()


def start(convert, paths):
    """A Prefetch converting the tail of `paths`, or None when it would not pay."""
    if not can_fork(len(paths)):
        return None
    _mine, theirs = split(paths)
    logger.debug(
        "fast_markdown: converting %d of %d file(s) in a second process", len(theirs), len(paths)
    )
    return Prefetch(convert, theirs)
