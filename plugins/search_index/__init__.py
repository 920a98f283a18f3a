"""Full-text search with Pagefind: a /search/ page, and an index built after every build.

Pagefind (PyPI `pagefind[bin]`, which ships the binary) reads the written HTML and writes
its index and UI into `<output>/pagefind/`. Only elements marked `data-pagefind-body`
are indexed; the theme marks an article's title and body, so listings, navigation and
the footer never turn up in results.

Settings:
  SEARCH_INDEX_ENABLED  True; False skips Pagefind (the search page then explains that
                        search is unavailable and links to the archives and topics)
  SEARCH_URL            "search/"             where the search page lives
  SEARCH_SAVE_AS        "search/index.html"
"""

import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from pelican import signals
from pelican.generators import Generator

log = logging.getLogger(__name__)

BUNDLE_DIR = "pagefind"
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
    """The command that indexes `site_dir` into `site_dir/pagefind/`."""
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


def pages_fingerprint(site_dir, command):
    """A digest of every HTML file Pagefind would read (path, size, mtime) and of the
    command, or None when there is no index in `site_dir` to keep."""
    site_dir = Path(site_dir)
    bundle = site_dir / BUNDLE_DIR
    if not (bundle / "pagefind-entry.json").is_file():
        return None
    version = importlib.metadata.version("pagefind")
    hasher = hashlib.blake2b(f"{command!r}|{version}".encode(), digest_size=20)
    for root, folders, files in os.walk(site_dir):
        folders[:] = sorted(f for f in folders if Path(root, f) != bundle)
        for name in sorted(files):
            path = os.path.join(root, name)
            if name.endswith(".html"):
                stat = os.stat(path)
                hasher.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    for path in sorted(bundle.rglob("*")):
        stat = path.stat()
        hasher.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return hasher.hexdigest()


def build_index(pelican):
    if not pelican.settings["SEARCH_INDEX_ENABLED"]:
        return
    site = Path(pelican.output_path)
    bundle = site / BUNDLE_DIR
    # Nothing Pagefind reads changed since it last indexed (dev builds keep unchanged
    # pages untouched, plugins/incremental_output): the index it wrote is still right.
    record = Path(pelican.settings["CACHE_PATH"]) / "search_index.json"
    command = pagefind_command(site)
    try:
        recorded = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = None
    record.unlink(missing_ok=True)
    fingerprint = pages_fingerprint(site, command)
    if fingerprint is not None and recorded == {"site": str(site), "pages": fingerprint}:
        log.info("search_index: no page changed since Pagefind indexed %s", bundle)
        record.write_text(json.dumps(recorded), encoding="utf-8")
        return
    # Pagefind names its files by content hash: start afresh so old ones don't pile up.
    shutil.rmtree(bundle, ignore_errors=True)
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    if result.returncode != 0 or not (bundle / "pagefind-entry.json").is_file():
        output = (result.stderr or result.stdout).strip()
        raise SearchIndexError(
            f"search_index: Pagefind could not index {site} (exit {result.returncode}):\n"
            f"{output}\nSet SEARCH_INDEX_ENABLED = False to build without search."
        )
    log.info("search_index: Pagefind indexed %s page(s) into %s", indexed_pages(bundle), bundle)
    record.parent.mkdir(parents=True, exist_ok=True)
    fingerprint = pages_fingerprint(site, command)
    record.write_text(json.dumps({"site": str(site), "pages": fingerprint}), encoding="utf-8")


def register():
    # initialized: check the settings and fill in defaults before the context is built.
    signals.initialized.connect(apply_defaults)
    # get_generators: the search page is an output file like any other (and so it is in
    # the sitemap).
    signals.get_generators.connect(get_generators)
    # finalized: every HTML file has been written; Pagefind reads them from disk.
    signals.finalized.connect(build_index)
