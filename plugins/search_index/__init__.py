"""Full-text search with Pagefind: a /search/ page, and an index built with every build.

Pagefind (PyPI `pagefind[bin]`, which ships the binary) indexes what the theme marks
`data-pagefind-body`: a published article's title and body (theme/templates/article.html),
so listings, navigation and the footer never turn up in results. Rather than have the
Pagefind CLI read every HTML file of the output after the build, the plugin hands
Pagefind exactly those marked parts, straight from the articles, as soon as they are
read: those whose body shows as it will on its page (content_body.shown_once_read) once
the articles are read (article_generator_pretaxonomy), the others once every content is
(all_generators_finalized). Pagefind indexes them in its own process, on the other core,
while Pelican goes on and writes the pages; at `finalized` the plugin waits for it, and the
bundle is in `<output>/pagefind/`. After an article was edited (or the output was
deleted), Pagefind starts with the build on the unchanged articles, from the last
build's record (SearchIndex). While the whole site is written (a first build, or the
output was deleted) Pagefind runs at a lower priority: it takes the time the cores would
idle; a rebuild of an existing output waits for Pagefind, which then runs at the
build's own priority. The index is the one the CLI would build from the written pages
(tests/test_search_index.py builds both and compares them), its pages ordered by source
mtime, then URL.

A site with more articles than SEARCH_INDEX_SHARD_SIZE gets its index in shards, one
bundle each (pagefind/, pagefind-1/, ...; SiteSearch), which the search page searches as
one (PagefindUI's mergeIndex): Pagefind holds a whole index in memory and rebuilds it
whole, so shards bound its memory, and an edit re-indexes only the edited article's
shard (a 1,000-article warm build, two shards: 1.6 s, against 1.85 s with one bundle).
Two Pagefind processes run at a time, so the shards of a first build never add up in
memory.

Settings:
  SEARCH_INDEX_ENABLED     True; False skips Pagefind (the search page then explains
                           that search is unavailable and links to the archives and topics)
  SEARCH_URL               "search/"             where the search page lives
  SEARCH_SAVE_AS           "search/index.html"
  SEARCH_INDEX_SHARD_SIZE  500                   articles per search bundle, about
"""

import base64
import contextlib
import functools
import hashlib
import importlib.metadata
import itertools
import json
import logging
import math
import os
import pickle
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import zlib
from pathlib import Path
from typing import NamedTuple

from jinja2 import nodes
from markupsafe import escape
from pelican import signals
from pelican.generators import ArticlesGenerator, Generator
from pelican.utils import get_relative_path, path_to_url

try:  # as Pelican loads it (PLUGIN_PATHS), or from the repository root (tests)
    from content_body import packed_body_as_shown, shown_once_read, unpack
except ImportError:
    from plugins.content_body import packed_body_as_shown, shown_once_read, unpack

try:  # a build: Pelican puts plugins/ (PLUGIN_PATHS) on sys.path
    from forking import lower_priority, write_all
except ImportError:  # imported as plugins.<name> (the tests)
    from plugins.forking import lower_priority, write_all

log = logging.getLogger(__name__)

BUNDLE_DIR = "pagefind"
# A copy of the last bundle, in CACHE_PATH: put back when the output was deleted.
KEPT_BUNDLE_DIR = "search_bundle"
# The record of the last build's bundle, in CACHE_PATH: search_index.pickle.
STATE_STEM = "search_index"
# The record's format: 2 since the documents' bodies are kept packed.
STATE_FORMAT = 2
# The bundles of a sharded index: pagefind/, pagefind-1/, pagefind-2/, ... and what
# CACHE_PATH keeps of each: search_index-1.pickle, search_bundle-1/, ...
SHARD = "(-[1-9][0-9]*)?"
BUNDLE_NAME = re.compile(rf"{BUNDLE_DIR}{SHARD}")
STATE_NAME = re.compile(rf"{STATE_STEM}{SHARD}\.pickle")
KEPT_NAME = re.compile(rf"{STATE_NAME.pattern}|{KEPT_BUNDLE_DIR}{SHARD}")
# The bundle's entry file: it names the index files of its version (written last).
ENTRY_FILE = "pagefind-entry.json"
# The theme's mark for what Pagefind indexes; a template without it adds nothing.
MARK = "data-pagefind-body"
DEFAULTS = {
    "SEARCH_INDEX_ENABLED": True,
    "SEARCH_URL": "search/",
    "SEARCH_SAVE_AS": "search/index.html",
    "SEARCH_INDEX_SHARD_SIZE": 500,
}


class SearchIndexError(RuntimeError):
    """Pagefind failed or produced no index."""


def settings_errors(settings):
    """One message per bad search setting."""
    errors = []
    enabled = settings.get("SEARCH_INDEX_ENABLED", True)
    if not isinstance(enabled, bool):
        errors.append(f"search_index: SEARCH_INDEX_ENABLED must be True or False, got {enabled!r}")
    for key in ("SEARCH_URL", "SEARCH_SAVE_AS"):
        value = settings.get(key, DEFAULTS[key])
        if not isinstance(value, str) or not value or value.startswith("/"):
            errors.append(
                f"search_index: {key} must be a path relative to the site root, "
                f"like {DEFAULTS[key]!r}; got {value!r}"
            )
    size = settings.get("SEARCH_INDEX_SHARD_SIZE", DEFAULTS["SEARCH_INDEX_SHARD_SIZE"])
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        errors.append(
            "search_index: SEARCH_INDEX_SHARD_SIZE must be a whole number of articles per "
            f"search bundle, at least 1, like {DEFAULTS['SEARCH_INDEX_SHARD_SIZE']}; got {size!r}"
        )
    return errors


def apply_defaults(pelican):
    errors = settings_errors(pelican.settings)
    if errors:
        raise ValueError("\n".join(errors))
    for key, value in DEFAULTS.items():
        pelican.settings.setdefault(key, value)


def indexed_pages(bundle_dir):
    """How many pages the index at `bundle_dir` holds, from its pagefind-entry.json."""
    path = Path(bundle_dir) / ENTRY_FILE
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise SearchIndexError(f"{path} is not valid JSON ({error})") from error
    return sum(language["page_count"] for language in entry["languages"].values())


def page_url(save_as):
    """The URL Pagefind records for the page saved at `save_as` (relative to the output
    folder): from the site root, without a final `index.html`."""
    url = "/" + save_as.replace(os.sep, "/")
    return url[: -len("index.html")] if url.endswith("/index.html") else url


def search_document(title, body, lang):
    """The HTML Pagefind reads for one article: what article.html marks
    data-pagefind-body (the title <h1> and the body <div>), in a page of the same language."""
    return (
        f'<!doctype html>\n<html lang="{escape(lang)}">\n<body>\n'
        f'<h1 class="post__title" {MARK}>{escape(title)}</h1>\n'
        f'<div class="post__body" {MARK}>\n    {body}\n  </div>\n</body>\n</html>\n'
    )


def marks_search_body(env, template, seen=None):
    """Whether the theme template `template` (a name like "article", or a parent it
    extends) carries the data-pagefind-body mark."""
    seen = set() if seen is None else seen
    name = template if template.endswith(".html") else f"{template}.html"
    if name in seen:
        return False
    seen.add(name)
    source, _filename, _uptodate = env.loader.get_source(env, name)
    if MARK in source:
        return True
    parents = (
        node.template.value
        for node in env.parse(source).find_all(nodes.Extends)
        if hasattr(node.template, "value")
    )
    return any(marks_search_body(env, parent, seen) for parent in parents)


def searchable_articles(generator):
    """(article, its save_as) for the articles whose written page Pagefind indexes:
    published, written, and rendered with a template that marks their title and body."""
    marked = {}
    for article in [*generator.articles, *generator.translations]:
        if article.status != "published":
            continue
        save_as = article.save_as  # formatted on every read until pages are written
        if not save_as:
            continue
        template = article.template
        if template not in marked:
            marked[template] = marks_search_body(generator.env, template)
        if marked[template]:
            yield article, save_as


class Document(NamedTuple):
    """One page for Pagefind: where its article comes from, and what is indexed.

    It holds the article's body as its page shows it, packed (content_body.pack): the
    very bytes Pelican's memo keeps for the page when compact_bodies packs that (not a
    copy; the bodies whole would be 19 MB at N = 4000); the HTML Pagefind reads is made
    from it when it is sent (`html`)."""

    source: str  # the article's source file
    stamp: tuple  # its (mtime_ns, size) when it was read
    url: str
    title: str
    body: bytes  # packed
    lang: str

    @property
    def html(self):
        return search_document(self.title, unpack(self.body), self.lang)

    @property
    def indexed(self):
        """What Pagefind is given: two documents with the same are indexed the same."""
        return self[2:]


class Searchable(NamedTuple):
    """A searchable article, with what places it in the index, before its Document is
    made (its body as shown is the costly part)."""

    stamp: tuple  # its source file's (mtime_ns, size)
    url: str
    article: object
    save_as: str

    def document(self, settings):
        article = self.article
        if settings["RELATIVE_URLS"]:  # the page's links, as Pelican's writer makes them
            siteurl = path_to_url(get_relative_path(self.save_as))
        else:
            siteurl = article.get_siteurl()
        body = packed_body_as_shown(article, siteurl)
        lang = settings["DEFAULT_LANG"]
        return Document(article.source_path, self.stamp, self.url, article.title, body, lang)


def searchables(generator):
    """A Searchable for every searchable article, in index order: by the source file's
    modification time, then URL. (Pagefind's bundle depends on that order; editing an
    article moves it last, so the next build can index every other one before it knows
    the edited one: see SearchIndex.)"""
    found = []
    for article, save_as in searchable_articles(generator):
        stat = os.stat(article.source_path)
        stamp = (stat.st_mtime_ns, stat.st_size)
        found.append(Searchable(stamp, page_url(save_as), article, save_as))
    found.sort(key=lambda searchable: (searchable.stamp[0], searchable.url))
    return found


def article_documents(generator, settings):
    """A Document for every searchable article, in index order (searchables)."""
    return [searchable.document(settings) for searchable in searchables(generator)]


def documents_shown_once_read(shard, settings):
    """The Documents of `shard` (Searchables, in index order) up to the first article
    whose body may show otherwise once every content is read (shown_once_read), made
    one at a time as they are asked for."""
    for searchable in shard:
        if not shown_once_read(searchable.article):
            return
        yield searchable.document(settings)


def bundle_name(shard):
    """The output folder of shard number `shard`: pagefind, pagefind-1, pagefind-2, ..."""
    return BUNDLE_DIR if shard == 0 else f"{BUNDLE_DIR}-{shard}"


def shard_documents(documents, size):
    """{bundle name: its documents, in index order}: one bundle for up to `size`
    documents, else ceil(n / size) shards, each document in the one its URL hashes to.

    Pagefind holds a whole index in memory and rebuilds it whole: small shards bound
    both, and an edit re-indexes only its article's shard (a document stays in its shard
    while the number of shards is the same). Shards left empty get no bundle."""
    count = max(1, math.ceil(len(documents) / size))
    if count == 1:
        return {BUNDLE_DIR: list(documents)}
    shards = {}
    for document in documents:
        shards.setdefault(zlib.crc32(document.url.encode("utf-8")) % count, []).append(document)
    return {bundle_name(shard): shards[shard] for shard in sorted(shards)}


def documents_digest(documents):
    """A digest of what is indexed, in which order and by which Pagefind: an unchanged
    digest means the index written last time is still right."""
    version = importlib.metadata.version("pagefind")
    hasher = hashlib.blake2b(f"{version}|{len(documents)}".encode(), digest_size=20)
    for document in documents:
        html = document.html
        hasher.update(f"{len(document.url)}:{document.url}{len(html)}:".encode())
        hasher.update(html.encode())
    return hasher.hexdigest()


def bundle_stamp(bundle):
    """Names (relative to the bundle), sizes and mtimes of the bundle's files (to notice
    one changed or removed), or None when there is no bundle. The same for a copy made
    with link_bundle: its files are the bundle's."""
    if not (Path(bundle) / ENTRY_FILE).is_file():
        return None
    stamp = []
    for name, path in sorted(_bundle_files(bundle)):
        stat = os.stat(path)
        stamp.append(f"{name}|{stat.st_size}|{stat.st_mtime_ns}")
    return hashlib.blake2b("\n".join(stamp).encode(), digest_size=20).hexdigest()


def unchanged_prefix(previous, stamps):
    """The documents of the last build that this build will index first, unchanged: those
    whose source file is as it was, up to the first one that sorts after a changed file
    (all of them when no file changed). `previous` is the last build's documents in index
    order; `stamps` maps each of their sources to its (mtime_ns, size) now, or None if it
    is gone."""
    changed = [
        stamps[document.source]
        for document in previous
        if stamps[document.source] not in (document.stamp, None)
    ]
    first_changed = min((stamp[0] for stamp in changed), default=None)
    prefix = []
    for document in previous:
        if stamps[document.source] != document.stamp:
            break
        if first_changed is not None and document.stamp[0] >= first_changed:
            break
        prefix.append(document)
    return prefix


def request(number, payload):
    """One request to `pagefind --service`: base64-encoded JSON, then a comma."""
    return base64.b64encode(json.dumps({"message_id": number, "payload": payload}).encode()) + b","


# Requests are written to Pagefind about this many bytes at a time: all of a shard's at
# once (~6 MB at 500 articles, and the parts they were joined from) stayed in the build's
# process while page renderers were forked from it; each write waits for the GIL again.
REQUEST_BATCH_BYTES = 1 << 20


def request_batches(documents, first):
    """AddFile requests for `documents`, numbered from `first`, joined into batches of
    about REQUEST_BATCH_BYTES."""
    batch, size = [], 0
    for number, document in enumerate(documents, first):
        batch.append(request(number, add_file(document.url, document.html)))
        size += len(batch[-1])
        if size >= REQUEST_BATCH_BYTES:
            yield b"".join(batch)
            batch, size = [], 0
    if batch:
        yield b"".join(batch)


def service_problems(responses, urls):
    """What went wrong, from the service's responses ({message id: payload}) to a new
    index (message 1), one AddFile per URL in `urls` and GetFiles: one line per failed
    request, naming the page."""
    problems = []
    new_index = responses.get(1, {})
    if new_index.get("type") != "NewIndex" or new_index.get("index_id") != 0:
        problems.append(f"creating the index: {new_index.get('message', new_index)}")
    for number, url in enumerate(urls, 2):
        response = responses.get(number, {})
        if response.get("type") != "IndexedFile":
            problems.append(f"{url}: {response.get('message', 'no answer')}")
    files = responses.get(len(urls) + 2, {})
    if files.get("type") != "GetFiles":
        problems.append(f"making the bundle: {files.get('message', files)}")
    return problems


def write_bundle(files, bundle):
    """Make the folder `bundle` hold exactly GetFiles' files ([{"path", "content"
    (bytes, as AnswerDecoder gives them)}]), writing only those whose bytes changed.

    Pagefind names its index chunks and fragments by a hash of their content, so after
    one article is edited all but a few files are already there, byte for byte; writing
    and deleting a thousand files each time cost a warm build about 0.1 s. New and
    changed files are written first (each to a temporary name, then renamed), the entry
    file last, then files it no longer names are removed: a page that loads the search
    mid-build gets the old bundle or the new one, never a mix. The plugin writes the files
    itself: the service answers WriteFiles before its files are surely on disk."""
    wanted = {}
    for file in files:
        relative = Path(file["path"])
        if relative.is_absolute() or ".." in relative.parts:
            raise SearchIndexError(f"Pagefind made a file outside its bundle: {relative}")
        wanted[relative.as_posix()] = file["content"]
    _sync(bundle, wanted, _write_if_changed)


def link_bundle(source, target):
    """Make the folder `target` hold exactly the files of the bundle `source`, as hard
    links to them (copies where linking fails), in write_bundle's order. A bundle's files
    are never changed in place (write_bundle renames new ones over them), so a link
    shares nothing that can change under the other name."""
    wanted = {name: path for name, path in _bundle_files(source)}
    _sync(target, wanted, _link_if_changed)


def _bundle_files(bundle):
    """(relative path with "/", path) of every file under the folder `bundle`."""
    bundle = os.fspath(bundle)
    start = len(os.path.join(bundle, ""))
    for root, _folders, names in os.walk(bundle):
        for name in names:
            path = os.path.join(root, name)
            yield path[start:].replace(os.sep, "/"), path


def _sync(bundle, wanted, put):
    """`put(path, what)` for every file of `wanted` ({relative path: what}), the entry
    file last, then remove every other file and empty folder of `bundle`."""
    bundle = Path(bundle)
    if bundle.is_symlink() or (bundle.exists() and not bundle.is_dir()):
        bundle.unlink()
    for name in sorted(wanted, key=lambda name: name == ENTRY_FILE):
        put(os.path.join(bundle, name), wanted[name])
    for name, path in list(_bundle_files(bundle)):
        if name not in wanted:
            os.unlink(path)
    for root, folders, _names in os.walk(bundle, topdown=False):
        for name in folders:
            with contextlib.suppress(OSError):  # still holds files: kept
                os.rmdir(os.path.join(root, name))


def _write_if_changed(path, data):
    def unchanged():
        return os.stat(path).st_size == len(data) and Path(path).read_bytes() == data

    _put_if_changed(path, unchanged, lambda target: Path(target).write_bytes(data))


def _link_if_changed(path, source):
    _put_if_changed(
        path, lambda: os.path.samefile(path, source), lambda target: _link_or_copy(source, target)
    )


def _link_or_copy(source, path):
    try:
        os.link(source, path)
    except OSError:  # another file system, or no links there
        shutil.copy2(source, path)


def _put_if_changed(path, unchanged, put):
    """put(path) unless unchanged() (False, or raising OSError, when it is not there or
    not a file). A file that is not there yet, but the entry file, is put under its own
    name (a first build's bundle is ~1,000 new files: a temporary name and a rename each
    were half the time it took to write them, after Pagefind, with a core idle): no page
    loads a new name before the entry file names it, and that comes last. Any other is
    put under a temporary name, then renamed over it."""
    try:
        if unchanged():
            return
    except FileNotFoundError:
        if os.path.basename(path) != ENTRY_FILE:
            try:
                put(path)
            except FileNotFoundError:  # its folder is not there yet
                os.makedirs(os.path.dirname(path), exist_ok=True)
                put(path)
            return
    except OSError:  # not a file: replaced below
        pass
    temporary = _temporary_beside(path)
    put(temporary)
    os.replace(temporary, path)


def _temporary_beside(path):
    """A free name in `path`'s folder (made if needed), for a file to rename to `path`."""
    folder, name = os.path.split(path)
    os.makedirs(folder, exist_ok=True)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)
    return temporary


_WRITE, _ABANDON = "write", "abandon"
# Two Pagefind processes at a time, each holding its whole index in memory: a first
# build's shards use both cores when Pelican leaves them idle (one at a time left the
# last shards for the end: cold A/B, 5 pairs, +7 % wall), and never add up in memory.
PAGEFIND_PROCESSES = 2
_PAGEFIND_SLOTS = threading.BoundedSemaphore(PAGEFIND_PROCESSES)
# Documents made at a time, once the articles are read, before they go to Pagefind.
EARLY_DOCUMENTS = 50


class PagefindRun:
    """One `pagefind --service` process building a bundle, fed from a background thread.

    The main thread hands it documents (add(), any number of times, in index order, the
    last time with last=True), then waits for the bundle (finish()) or drops it
    (abandon()). The service handles requests
    one at a time, in order, and numbers its indexes from 0, so requests are written as
    they come and the answers read at the end; the bundle's files come back in the last
    answer (GetFiles) and the plugin writes them. (pagefind's own Python API waits 0.1 s
    before reading each answer: 100 s for 1,000 pages.) The thread seldom needs the GIL,
    which the main thread holds while it renders pages.
    """

    def __init__(self, bundle, low_priority=True):
        self.bundle = Path(bundle)
        self.low_priority = low_priority
        self.sent = []  # the documents added, in order
        self.pages = None
        self.error = None
        self._queue = queue.SimpleQueue()
        self._abandoned = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pagefind", daemon=True)
        # Pages may be rendered in forked processes while it runs (incremental_output,
        # fast_markdown): it only moves bytes between its queue and Pagefind's pipes, so
        # a child never needs a lock it could hold, and children leave with os._exit.
        self._thread.fork_safe = True
        self._thread.start()

    def add(self, documents, last=False):
        """Index `documents` after those added before; `last`: they are the last ones,
        write the bundle."""
        self.sent.extend(documents)
        self._queue.put(list(documents))  # their HTML is made as they are sent
        if last:
            self._queue.put(_WRITE)

    def continues(self, documents):
        """Whether `documents` begin with those added so far (as Pagefind indexes them)."""
        head = documents[: len(self.sent)]
        return [d.indexed for d in head] == [d.indexed for d in self.sent]

    def abandon(self):
        self._abandoned.set()  # also while it waits for a free slot
        self._queue.put(_ABANDON)
        self._thread.join()

    def finish(self):
        """Wait for the bundle; return how many pages it holds, or raise SearchIndexError."""
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.pages

    def _run(self):
        while not _PAGEFIND_SLOTS.acquire(timeout=0.02):
            if self._abandoned.is_set():
                return
        try:
            self.pages = self._index()
        except SearchIndexError as error:
            self.error = error
        except Exception as error:  # noqa: BLE001 - finish() reports it in the main thread
            self.error = SearchIndexError(f"{type(error).__name__}: {error}")
            self.error.__cause__ = error
        finally:
            _PAGEFIND_SLOTS.release()

    def _index(self):
        executable = pagefind_executable()
        if executable is None:
            raise SearchIndexError("the Pagefind binary is not installed (pip: pagefind[bin])")
        with tempfile.TemporaryFile() as stderr:
            process = subprocess.Popen(
                [str(executable), "--service"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
            if self.low_priority:  # the bundle is needed only when every page is written
                lower_priority(process.pid)

            def stopped():
                process.wait()
                stderr.seek(0)
                output = stderr.read().decode(errors="replace").strip()
                message = f"Pagefind stopped unexpectedly (exit {process.returncode}):\n{output}"
                return SearchIndexError(message)

            try:
                urls = []
                try:
                    self._write(process, request(1, {"type": "NewIndex", "config": None}))
                    while (item := self._queue.get()) not in (_WRITE, _ABANDON):
                        first = len(urls) + 2
                        urls += [document.url for document in item]
                        for batch in request_batches(item, first):
                            self._write(process, batch)
                    if item == _ABANDON:
                        process.kill()
                        return None
                    self._write(
                        process, request(len(urls) + 2, {"type": "GetFiles", "index_id": 0})
                    )
                except BrokenPipeError as error:
                    raise stopped() from error
                responses = self._read(process, len(urls) + 2, stopped)
            finally:
                with contextlib.suppress(OSError):  # closing stdin ends the service
                    process.stdin.close()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                process.stdout.close()
        problems = service_problems(responses, urls)
        if problems:
            raise SearchIndexError("\n".join(problems))
        write_bundle(responses[len(urls) + 2]["files"], self.bundle)
        if not (self.bundle / ENTRY_FILE).is_file():
            raise SearchIndexError(f"Pagefind wrote no index into {self.bundle}")
        return indexed_pages(self.bundle)

    @staticmethod
    def _write(process, data):
        write_all(process.stdin.fileno(), data)  # one system call in practice

    @staticmethod
    def _read(process, count, stopped):
        """The service's first `count` answers, as {message id: payload}."""
        answers = AnswerDecoder()
        while len(answers.responses) < count:
            chunk = os.read(process.stdout.fileno(), 1 << 20)
            if not chunk:
                raise stopped()
            answers.feed(chunk)
        return answers.responses


# A bundle file in a GetFiles answer, as Pagefind writes it: its path (a JSON string)
# and its content (base64), up to the opening quote of the content, which ends at the
# next quote (base64 has none: found with bytes.find, 10 times faster than a regular
# expression over the content), then the object's end. Outside a JSON string,
# `{"path"` can only open such an object.
_BUNDLE_FILE_START = re.compile(rb'\{\s*"path"\s*:\s*("(?:[^"\\]|\\.)*")\s*,\s*"content"\s*:\s*"')
_BUNDLE_FILE_END = re.compile(rb'"\s*\}')


class AnswerDecoder:
    """Pagefind's answers (each base64-encoded JSON, then a comma), decoded as their
    bytes arrive. The last answer (GetFiles) holds the whole bundle, its files in
    base64 again: a 500-article shard's is ~5 MB. Held whole (the base64 text, then the
    JSON, then its strings, then the files), it made the build's own process peak while
    the pages were written (N = 4000). So each bundle file is taken out of the answer as
    soon as its bytes are there (`_take_files`): its content decoded, the file left as
    its number in the JSON, which is parsed at the end with the files put back (as
    {"path", "content" (bytes)}); an answer written some other way is parsed whole
    (`_bundle_file`), with the same result."""

    def __init__(self):
        self.responses = {}
        self._json = bytearray()  # the current answer, decoded so far
        self._undecoded = b""  # its last base64 characters, fewer than 4
        self._files = []  # the bundle files taken out of it
        self._scanned = 0  # where in _json the next file may start

    def feed(self, chunk):
        pieces = chunk.split(b",")
        for piece in pieces[:-1]:  # each ends an answer
            self._decode(self._undecoded + piece, complete=True)
            self._answer()
        self._decode(self._undecoded + pieces[-1], complete=False)

    def _decode(self, text, complete):
        whole = len(text) if complete else len(text) - len(text) % 4
        try:
            self._json += base64.b64decode(text[:whole], validate=True)
        except ValueError as error:
            raise SearchIndexError(
                f"Pagefind answered something unexpected: {text[:200]!r}"
            ) from error
        self._undecoded = text[whole:]
        self._take_files()

    def _take_files(self):
        data, position = self._json, self._scanned
        while start := _BUNDLE_FILE_START.search(data, position):
            quote = data.find(b'"', start.end())
            end = _BUNDLE_FILE_END.match(data, quote) if quote >= 0 else None
            if end is None and (quote < 0 or not data[quote + 1 :].strip()):
                return  # the rest of it is still coming
            if end is None or data.find(b"\\", start.end(), quote) >= 0:
                position = start.start() + 1  # not a file as Pagefind writes them: _answer
                continue
            try:
                path = json.loads(start[1])
                content = base64.b64decode(data[start.end() : quote], validate=True)
            except ValueError as error:
                found = bytes(data[start.start() : end.end()][:200])
                raise SearchIndexError(
                    f"Pagefind answered something unexpected: {found!r}"
                ) from error
            number = b"%d" % len(self._files)
            self._files.append({"path": path, "content": content})
            data[start.start() : end.end()] = number
            position = self._scanned = start.start() + len(number)

    def _answer(self):
        try:
            message = json.loads(self._json, object_hook=_bundle_file)
            if self._files:
                files = message["payload"]["files"]
                message["payload"]["files"] = [  # those taken out are left as numbers
                    self._files[item] if type(item) is int else item for item in files
                ]
        except (ValueError, KeyError, TypeError, IndexError) as error:
            raise SearchIndexError(
                f"Pagefind answered something unexpected: {bytes(self._json[:200])!r}"
            ) from error
        self._json, self._files, self._scanned = bytearray(), [], 0
        self.responses[message.get("message_id")] = message["payload"]


def _bundle_file(item):
    """json object_hook: a bundle file ({"path", "content"}) with its content decoded."""
    if len(item) == 2 and type(item.get("content")) is str and "path" in item:
        item["content"] = base64.b64decode(item["content"], validate=True)
    return item


def pagefind_executable():
    """The Pagefind binary: $PAGEFIND_BINARY_PATH, else pagefind_bin's (PyPI
    `pagefind[bin]`), else None. pagefind.service.get_executable looks in the same places,
    and for the extended build and on $PATH, but importing it imports asyncio: 50-90 ms
    of the build's own process, while the build waits for it."""
    configured = os.environ.get("PAGEFIND_BINARY_PATH")
    if configured:
        return Path(configured)
    try:
        from pagefind_bin import get_executable

        return get_executable()
    except (ImportError, FileNotFoundError):
        return None


def add_file(url, html):
    return {"type": "AddFile", "index_id": 0, "url": url, "file_path": None, "file_contents": html}


def write_index(documents, bundle):
    """Index `documents` with Pagefind into the folder `bundle`, now; return the number
    of pages indexed."""
    run = PagefindRun(bundle)
    run.add(documents, last=True)
    return run.finish()


class SearchIndex:
    """The search index of one build.

    The state of the last build (CACHE_PATH/search_index.pickle: its documents, their
    digest and the bundle's stamp) and a copy of its bundle (CACHE_PATH/search_bundle/,
    hard links) let a rebuild
    - keep the bundle when nothing indexed changed, or put the copy back when the
      output was deleted;
    - after an article was edited, or when the bundle is gone or not the one recorded
      (the output was deleted), start Pagefind as soon as the build starts (at
      `initialized`) on the documents it will index first, unchanged (unchanged_prefix);
      once every content is read (all_generators_finalized) and those prove to be what
      this build indexes first, hand it the rest; otherwise start again with all of them.
    A first build (no record) starts Pagefind once the articles are read, on the
    documents known by then (begin()); start() checks them the same way.
    Pagefind runs in its own process, on the other core, while Pelican writes the pages.
    """

    def __init__(self, settings, output_path, name=BUNDLE_DIR):
        self.site = str(output_path)
        self.bundle = Path(output_path) / name
        self.state_path, self.copy = kept_paths(settings["CACHE_PATH"], name)
        self.previous = self._load_state()
        # Removed while building: a failed build leaves no record of an index it changed.
        self.state_path.unlink(missing_ok=True)
        self.digest = None
        self.documents = None
        self.run = None
        self.kept = False
        # Pagefind yields the cores to Pelican when the build writes the whole site (no
        # bundle in the output: a first build, or the output was deleted); a rebuild of
        # an existing output writes a few pages and then waits for Pagefind, which runs
        # at the build's own priority (warm A/B, 6 pairs: 6 faster; median
        # 1.82 s against 1.87 s).
        self.low_priority = not (self.bundle / ENTRY_FILE).is_file()
        previous = self.previous.get("documents", [])
        stamps = {}
        for document in previous:
            try:
                stat = os.stat(document.source)
                stamps[document.source] = (stat.st_mtime_ns, stat.st_size)
            except OSError:
                stamps[document.source] = None
        prefix = unchanged_prefix(previous, stamps)
        if len(prefix) == len(previous) and self.reusable is not None:
            prefix = []  # nothing changed, and a recorded bundle is there: start() uses it
        if prefix:
            self.run = PagefindRun(self.bundle, self.low_priority)
            self.run.add(prefix)

    def _load_state(self):
        try:
            with self.state_path.open("rb") as file:
                state = pickle.load(file)
            if state["site"] != self.site or state.get("format") != STATE_FORMAT:
                return {}
            state["documents"] = [Document(*document) for document in state["documents"]]
        except (OSError, pickle.PickleError, EOFError, LookupError, TypeError, ValueError):
            return {}
        return state

    @functools.cached_property
    def reusable(self):
        """Where the bundle of the last build is, intact: "output", "copy" or None (found
        once: neither changes before Pagefind is done)."""
        recorded = self.previous.get("bundle")
        if recorded is None:
            return None
        if recorded == bundle_stamp(self.bundle):
            return "output"
        if recorded == bundle_stamp(self.copy):
            return "copy"
        return None

    def start(self, documents):
        """The articles are read: index `documents`, or keep the bundle (putting the
        kept copy back into the output if that was deleted)."""
        self.documents = documents
        # With no record to compare it with (a first build), the digest is worked out
        # at finish(), while Pagefind still runs, rather than here, where the build
        # waits for it with a core idle (0.03 s a shard of 500 articles).
        previous = self.previous.get("digest")
        if previous is not None:
            self.digest = documents_digest(documents)
        where = self.reusable if previous is not None and previous == self.digest else None
        if where is not None:
            if where == "copy":
                link_bundle(self.copy, self.bundle)
            self.kept = True
            if self.run is not None:
                self.run.abandon()
                self.run = None
            return
        if self.run is not None:
            if self.run.continues(documents):
                self.run.add(documents[len(self.run.sent) :], last=True)
                return
            self.run.abandon()
        self.run = PagefindRun(self.bundle, self.low_priority)
        self.run.add(documents, last=True)

    def begin(self, documents):
        """The articles are read: hand Pagefind `documents`, those this build will
        likely index first (documents_shown_once_read), unless the last build's bundle
        may be kept; start() checks them against what it indexes. Returns how many
        documents Pagefind has now."""
        if self.run is None:
            if not documents or self.previous.get("documents"):
                return 0  # a record: start() decides whether its bundle is kept
            self.run = PagefindRun(self.bundle, self.low_priority)
            self.run.add(documents)
        elif len(documents) > len(self.run.sent) and self.run.continues(documents):
            self.run.add(documents[len(self.run.sent) :])
        return len(self.run.sent)

    def abandon(self):
        """Stop Pagefind, if it runs: nothing of this build is recorded."""
        if self.run is not None:
            self.run.abandon()
            self.run = None

    def work_out_digest(self):
        """The digest start() left for later, while Pagefind runs."""
        if self.digest is None and self.documents is not None:
            self.digest = documents_digest(self.documents)

    def finish(self):
        """Every page is written: wait for the bundle, and record this build's state."""
        if self.documents is None:  # no articles generator, or not a shard any more
            self.abandon()
            return
        self.work_out_digest()
        if self.kept:
            log.info("search_index: nothing indexed changed since Pagefind wrote %s", self.bundle)
        else:
            try:
                pages = self.run.finish()
            except SearchIndexError as error:
                raise SearchIndexError(
                    f"search_index: Pagefind could not index the articles of {self.site}:\n"
                    f"{error}\nSet SEARCH_INDEX_ENABLED = False to build without search."
                ) from error
            log.info("search_index: Pagefind indexed %s page(s) into %s", pages, self.bundle)
        link_bundle(self.bundle, self.copy)  # links: only new files cost anything
        state = {
            "format": STATE_FORMAT,
            "site": self.site,
            "digest": self.digest,
            "bundle": bundle_stamp(self.bundle),  # the copy's too
            "documents": [tuple(document) for document in self.documents],
        }
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        with self.state_path.open("wb") as file:
            pickle.dump(state, file, protocol=pickle.HIGHEST_PROTOCOL)


def kept_paths(cache_path, name):
    """(record, copy of the bundle) in CACHE_PATH for the bundle `name`."""
    suffix = name[len(BUNDLE_DIR) :]  # "" or "-1", "-2", ...
    cache = Path(cache_path)
    return cache / f"{STATE_STEM}{suffix}.pickle", cache / f"{KEPT_BUNDLE_DIR}{suffix}"


def recorded_bundles(cache_path):
    """The names of the bundles the last build recorded."""
    try:
        entries = os.listdir(cache_path)
    except OSError:
        return []
    found = [STATE_NAME.fullmatch(entry) for entry in entries]
    return sorted(BUNDLE_DIR + (match[1] or "") for match in found if match)


def remove_other_bundles(output_path, cache_path, keep):
    """Delete every bundle but those named in `keep`, and what CACHE_PATH kept of them:
    those of a build that had more shards."""
    kept = {path.name for name in keep for path in kept_paths(cache_path, name)}
    for folder, pattern, wanted in (
        (output_path, BUNDLE_NAME, set(keep)),
        (cache_path, KEPT_NAME, kept),
    ):
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            if pattern.fullmatch(entry) and entry not in wanted:
                path = os.path.join(folder, entry)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)


class SiteSearch:
    """The search index of one build: the searchable articles in shards of at most
    about SEARCH_INDEX_SHARD_SIZE (shard_documents), one Pagefind bundle each, built by
    a SearchIndex; the search page merges them (PagefindUI's mergeIndex). A site up to
    that size has one bundle, pagefind/. After an edit only the edited article's shard
    is indexed again (its SearchIndex starts early, at `initialized`, as for one bundle).
    """

    def __init__(self, settings, output_path):
        self.settings, self.output_path = settings, Path(output_path)
        self.cache = Path(settings["CACHE_PATH"])
        self.indexes = {
            name: SearchIndex(settings, output_path, name) for name in recorded_bundles(self.cache)
        }
        self.names = None

    def start(self, documents):
        """Index `documents` (in index order); return the bundle names, the first one
        the search page loads Pagefind from."""
        shards = shard_documents(documents, self.settings["SEARCH_INDEX_SHARD_SIZE"])
        for name in [name for name in self.indexes if name not in shards]:
            self.indexes.pop(name).abandon()
        for name, shard in shards.items():
            self._index(name).start(shard)
        self.names = list(shards)
        return self.names

    def begin(self, articles):
        """The articles are read (`articles`: searchables()): start Pagefind on the
        documents it can have now, before the build's other work; start() hands over
        the rest. Every shard's when there are no more than Pagefind processes: they
        then end together (with one begun early, the other ended 0.5 s after it, a core
        idle, N = 1000). Else only the first's: the others wait for a process anyway,
        and their documents, made before compact_bodies packs the bodies, raised the
        peak at N = 4000 by 1.5 MB."""
        shards = shard_documents(articles, self.settings["SEARCH_INDEX_SHARD_SIZE"])
        early = len(shards) if len(shards) <= PAGEFIND_PROCESSES else 1
        streams = {
            name: documents_shown_once_read(shard, self.settings)
            for name, shard in list(shards.items())[:early]
        }
        made = {name: [] for name in streams}
        handed = dict.fromkeys(streams, 0)
        # A few documents of each shard at a time, each few handed over as soon as they
        # are made: Pagefind starts on the other core while the rest are made.
        while streams:
            for name in list(streams):
                documents = list(itertools.islice(streams[name], EARLY_DOCUMENTS))
                if documents:
                    made[name] += documents
                    handed[name] = self._index(name).begin(made[name])
                if len(documents) < EARLY_DOCUMENTS:
                    del streams[name]
        for name in made:
            log.debug(
                "search_index: %s: Pagefind has %d of %d article(s) once they are read",
                name,
                handed[name],
                len(shards[name]),
            )

    def _index(self, name):
        """The SearchIndex of the bundle `name`, made when this build first needs it."""
        if name not in self.indexes:
            self.indexes[name] = SearchIndex(self.settings, self.output_path, name)
        return self.indexes[name]

    def abandon(self):
        for index in self.indexes.values():
            index.abandon()

    def finish(self):
        """Every page is written: wait for the bundles, record them, remove any other."""
        try:
            for index in self.indexes.values():
                index.work_out_digest()  # each shard's, before waiting for any Pagefind
            for index in self.indexes.values():
                index.finish()
        except BaseException:
            self.abandon()  # the other shards' Pagefind too
            raise
        if self.names is not None:
            remove_other_bundles(self.output_path, self.cache, self.names)


class SearchPageGenerator(Generator):
    """Writes the search page (template search.html) at SEARCH_SAVE_AS.

    The theme loads Pagefind's UI from /pagefind/ (BUNDLE_DIR) when
    SEARCH_INDEX_ENABLED is true.
    """

    def generate_output(self, writer):
        writer.write_file(
            self.settings["SEARCH_SAVE_AS"],
            self.get_template("search"),
            self.context,
            relative_urls=self.settings["RELATIVE_URLS"],
            url=self.settings["SEARCH_URL"],
        )


def get_generators(pelican):
    return SearchPageGenerator


# The search index of the build in progress, per output folder (one build per process
# in practice; keyed so a second Pelican run in the same process starts afresh).
_builds = {}


def begin(pelican):
    unfinished = _builds.pop(str(pelican.output_path), None)  # an earlier run that failed
    if unfinished is not None:
        unfinished.abandon()
    if pelican.settings["SEARCH_INDEX_ENABLED"]:
        _builds[str(pelican.output_path)] = SiteSearch(pelican.settings, pelican.output_path)


def start_early(generator):
    build = _builds.get(str(generator.output_path))
    if build is not None:
        build.begin(searchables(generator))


def start_index(generators):
    articles = next((g for g in generators if isinstance(g, ArticlesGenerator)), None)
    build = _builds.get(str(articles.output_path)) if articles is not None else None
    if build is not None:
        names = build.start(article_documents(articles, articles.settings))
        # The theme's search box loads Pagefind from the first and merges the others.
        articles.context["search_bundles"] = names


def build_index(pelican):
    build = _builds.pop(str(pelican.output_path), None)
    if build is not None:
        build.finish()


def register():
    # initialized: check the settings and fill in defaults before the context is built;
    # then, if an article changed since the last build, start Pagefind on the others.
    signals.initialized.connect(apply_defaults)
    signals.initialized.connect(begin)
    # get_generators: the search page is an output file like any other (and so it is in
    # the sitemap).
    signals.get_generators.connect(get_generators)
    # article_generator_pretaxonomy: every article is read: Pagefind starts on those
    # whose body is final already, on the core the build's process leaves idle while
    # it sorts them and the other plugins work on them (HTML-only A/B, N = 1000,
    # 6 pairs, twice: 6.08 -> 5.57 s and 5.98 -> 5.82 s). After reading_aids in PLUGINS:
    # its receiver forks the analyses the build waits for first (the other way round,
    # 6 pairs: 5.63 -> 5.58 s).
    signals.article_generator_pretaxonomy.connect(start_early)
    # all_generators_finalized: every article is read and final, no page written yet:
    # Pagefind is handed the rest and indexes them on the other core while Pelican
    # writes.
    signals.all_generators_finalized.connect(start_index)
    # finalized: every page is written; wait for Pagefind's bundle.
    signals.finalized.connect(build_index)
