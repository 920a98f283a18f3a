"""Full-text search with Pagefind: a /search/ page, and an index built with every build.

Pagefind (PyPI `pagefind[bin]`, which ships the binary) indexes what the theme marks
`data-pagefind-body`: a published article's title and body (theme/templates/article.html),
so listings, navigation and the footer never turn up in results. Rather than have the
Pagefind CLI read every HTML file of the output after the build, the plugin hands
Pagefind exactly those marked parts, straight from the articles, as soon as they are
read (all_generators_finalized): Pagefind indexes them in its own process, on the other
core, while Pelican writes the pages; at `finalized` the plugin waits for it, and the
bundle is in `<output>/pagefind/`. The index is the one the CLI would build from the
written pages (tests/test_search_index.py builds both and compares them).

Settings:
  SEARCH_INDEX_ENABLED  True; False skips Pagefind (the search page then explains that
                        search is unavailable and links to the archives and topics)
  SEARCH_URL            "search/"             where the search page lives
  SEARCH_SAVE_AS        "search/index.html"
"""

import base64
import contextlib
import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from jinja2 import nodes
from markupsafe import escape
from pelican import signals
from pelican.generators import ArticlesGenerator, Generator
from pelican.utils import get_relative_path, path_to_url

log = logging.getLogger(__name__)

BUNDLE_DIR = "pagefind"
# The theme's mark for what Pagefind indexes; a template without it adds nothing.
MARK = "data-pagefind-body"
DEFAULTS = {
    "SEARCH_INDEX_ENABLED": True,
    "SEARCH_URL": "search/",
    "SEARCH_SAVE_AS": "search/index.html",
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
    return errors


def apply_defaults(pelican):
    errors = settings_errors(pelican.settings)
    if errors:
        raise ValueError("\n".join(errors))
    for key, value in DEFAULTS.items():
        pelican.settings.setdefault(key, value)


def pagefind_command(site_dir):
    """The CLI command that indexes the written pages of `site_dir` into
    `site_dir/pagefind/` (what the build did before it fed Pagefind directly; the tests
    compare both)."""
    return [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(site_dir),
        "--output-subdir",
        BUNDLE_DIR,
        "--quiet",
    ]


def indexed_pages(bundle_dir):
    """How many pages the index at `bundle_dir` holds, from its pagefind-entry.json."""
    entry = json.loads((Path(bundle_dir) / "pagefind-entry.json").read_text(encoding="utf-8"))
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
    """The articles whose written page Pagefind indexes: published, written, and
    rendered with a template that marks their title and body."""
    marked = {}
    for article in [*generator.articles, *generator.translations]:
        if article.status != "published" or not article.save_as:
            continue
        template = article.template
        if template not in marked:
            marked[template] = marks_search_body(generator.env, template)
        if marked[template]:
            yield article


def article_documents(generator, settings):
    """[(url, html)] for every searchable article, in page order."""
    lang = settings["DEFAULT_LANG"]
    documents = []
    for article in searchable_articles(generator):
        if settings["RELATIVE_URLS"]:  # the page's links, as Pelican's writer makes them
            siteurl = path_to_url(get_relative_path(article.save_as))
        else:
            siteurl = article.get_siteurl()
        body = article.get_content(siteurl)
        documents.append((page_url(article.save_as), search_document(article.title, body, lang)))
    documents.sort()
    return documents


def documents_digest(documents):
    """A digest of what is indexed and by which Pagefind: an unchanged digest means the
    index written last time is still right."""
    version = importlib.metadata.version("pagefind")
    hasher = hashlib.blake2b(f"{version}|{len(documents)}".encode(), digest_size=20)
    for url, html in documents:
        hasher.update(f"{len(url)}:{url}{len(html)}:".encode())
        hasher.update(html.encode())
    return hasher.hexdigest()


def bundle_stamp(bundle):
    """Names, sizes and mtimes of the bundle's files (to notice one changed or removed),
    or None when there is no bundle."""
    bundle = Path(bundle)
    if not (bundle / "pagefind-entry.json").is_file():
        return None
    stamp = []
    for root, folders, files in os.walk(bundle):
        folders.sort()
        for name in sorted(files):
            stat = os.stat(os.path.join(root, name))
            stamp.append(f"{os.path.join(root, name)}|{stat.st_size}|{stat.st_mtime_ns}")
    return hashlib.blake2b("\n".join(stamp).encode(), digest_size=20).hexdigest()


class PagefindService:
    """Pagefind's `--service` mode, spoken to directly: requests and responses are
    base64-encoded JSON, each followed by a comma (the protocol of pagefind's Python
    API, whose reader waits 0.1 s before reading each response: 100 s for 1,000 pages)."""

    def __init__(self):
        from pagefind.service import get_executable

        executable = get_executable()
        if executable is None:
            raise SearchIndexError("search_index: the Pagefind binary is not installed")
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.process = subprocess.Popen(
            [str(executable), "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )
        self.next_id = 0
        self.pending = b""

    def request(self, payload):
        """Send one request; return its message id."""
        self.next_id += 1
        message = {"message_id": self.next_id, "payload": payload}
        self.process.stdin.write(base64.b64encode(json.dumps(message).encode()) + b",")
        return self.next_id

    def flush(self):
        self.process.stdin.flush()

    def response(self):
        """(message id, payload) of the next response."""
        while b"," not in self.pending:
            chunk = self.process.stdout.read1(1 << 16)
            if not chunk:
                self.process.wait()
                raise SearchIndexError(
                    f"Pagefind stopped unexpectedly (exit {self.process.returncode}):\n"
                    f"{self.errors()}"
                )
            self.pending += chunk
        raw, _comma, self.pending = self.pending.partition(b",")
        message = json.loads(base64.b64decode(raw))
        return message.get("message_id"), message["payload"]

    def call(self, payload):
        """Send one request and wait for its response."""
        try:
            self.request(payload)
            self.flush()
        except OSError as error:
            raise SearchIndexError(
                f"Pagefind stopped unexpectedly ({error}):\n{self.errors()}"
            ) from error
        _id, response = self.response()
        if response["type"] == "Error":
            raise SearchIndexError(response["message"])
        return response

    def errors(self):
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace").strip()

    def close(self):
        with contextlib.suppress(OSError):  # Pagefind already stopped
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()


def write_index(documents, bundle):
    """Index `documents` ([(url, html)]) with Pagefind into the folder `bundle`, which is
    replaced (Pagefind names its files by content hash: old ones would pile up). Return
    how many pages Pagefind indexed."""
    service = PagefindService()
    try:
        index_id = service.call({"type": "NewIndex", "config": None})["index_id"]
        urls = {}

        def send():  # a second thread writes while this one reads: no pipe fills up
            try:
                for url, html in documents:
                    message_id = service.request(
                        {
                            "type": "AddFile",
                            "index_id": index_id,
                            "url": url,
                            "file_path": None,
                            "file_contents": html,
                        }
                    )
                    urls[message_id] = url
                service.flush()
            except OSError:  # Pagefind stopped: response() says why
                pass

        sender = threading.Thread(target=send, name="pagefind-send", daemon=True)
        sender.start()
        problems = []
        for _ in documents:
            message_id, response = service.response()
            if response["type"] == "Error":
                problems.append(f"{urls.get(message_id, '?')}: {response['message']}")
        sender.join()
        if problems:
            raise SearchIndexError("\n".join(problems))
        shutil.rmtree(bundle, ignore_errors=True)
        service.call({"type": "WriteFiles", "index_id": index_id, "output_path": str(bundle)})
    finally:
        service.close()
    if not (Path(bundle) / "pagefind-entry.json").is_file():
        raise SearchIndexError(f"Pagefind wrote no index into {bundle}")
    return indexed_pages(bundle)


class Indexer:
    """Pagefind indexing the articles in a background thread while the pages are written."""

    def __init__(self, documents, bundle, record, site):
        self.bundle, self.record, self.site = Path(bundle), Path(record), str(site)
        self.digest = documents_digest(documents)
        self.error = None
        self.pages = None
        self.thread = None
        try:
            recorded = json.loads(self.record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            recorded = None
        # What is indexed is what it was when Pagefind last wrote this bundle, and the
        # bundle is as it left it: keep it.
        self.kept = recorded == {
            "site": self.site,
            "documents": self.digest,
            "bundle": bundle_stamp(self.bundle),
        }
        self.record.unlink(missing_ok=True)
        if not self.kept:
            self.thread = threading.Thread(
                target=self._run, args=(documents,), name="pagefind", daemon=True
            )
            self.thread.start()

    def _run(self, documents):
        try:
            self.pages = write_index(documents, self.bundle)
        except Exception as error:  # noqa: BLE001 - reported in the main thread by finish()
            self.error = error

    def finish(self):
        """Wait for Pagefind; raise SearchIndexError if it failed."""
        if self.kept:
            log.info("search_index: nothing indexed changed since Pagefind wrote %s", self.bundle)
        else:
            self.thread.join()
            if self.error is not None:
                raise SearchIndexError(
                    f"search_index: Pagefind could not index the articles of {self.site}:\n"
                    f"{self.error}\nSet SEARCH_INDEX_ENABLED = False to build without search."
                ) from self.error
            log.info("search_index: Pagefind indexed %s page(s) into %s", self.pages, self.bundle)
        self.record.parent.mkdir(parents=True, exist_ok=True)
        state = {"site": self.site, "documents": self.digest, "bundle": bundle_stamp(self.bundle)}
        self.record.write_text(json.dumps(state), encoding="utf-8")


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


# The indexer of the build in progress, per output folder (one build per process
# in practice; keyed so a second Pelican run in the same process starts afresh).
_indexers = {}


def start_index(generators):
    articles = next((g for g in generators if isinstance(g, ArticlesGenerator)), None)
    if articles is None or not articles.settings["SEARCH_INDEX_ENABLED"]:
        return
    settings = articles.settings
    site = Path(articles.output_path)
    record = Path(settings["CACHE_PATH"]) / "search_index.json"
    documents = article_documents(articles, settings)
    _indexers[str(site)] = Indexer(documents, site / BUNDLE_DIR, record, site)


def build_index(pelican):
    indexer = _indexers.pop(str(pelican.output_path), None)
    if indexer is not None:
        indexer.finish()


def register():
    # initialized: check the settings and fill in defaults before the context is built.
    signals.initialized.connect(apply_defaults)
    # get_generators: the search page is an output file like any other (and so it is in
    # the sitemap).
    signals.get_generators.connect(get_generators)
    # all_generators_finalized: every article is read and final, no page written yet:
    # Pagefind indexes them on the other core while Pelican writes.
    signals.all_generators_finalized.connect(start_index)
    # finalized: every page is written; wait for Pagefind's bundle.
    signals.finalized.connect(build_index)
