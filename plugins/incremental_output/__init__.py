"""Dev builds write again only the pages whose inputs changed.

Pelican renders every page on every build. With INCREMENTAL_OUTPUT = True (pelicanconf.py;
publishconf.py sets False, so production is always a full build) the writer skips a page
when its output file is untouched since this plugin wrote it and nothing it is rendered
from has changed: the code (plugins, Pelican), the templates, the settings, every
article's and page's attributes but its body (titles, dates, tags, summaries, prompt
cards, reading time, ...), the page's own variables and the bodies it showed (see
writer.py and fingerprint.py). Anything it cannot vouch for is rendered.

Pages this plugin wrote in the last build and that no longer exist (a deleted or renamed
article) are removed, so the output matches a clean build. The record lives in
CACHE_PATH/incremental_output.json; it is removed when writing starts and written back
when the build succeeds, so after a failed build every page is rendered again.
tests/test_incremental_output.py builds sites edit after edit and compares every file
with a clean build.

Every build, dev or production (INCREMENTAL_OUTPUT False: every page rendered, no
record), renders its pages through this plugin's writer, which shares them between
INCREMENTAL_OUTPUT_PROCESSES processes (split.py): both cores render. The release
build is the one the author waits for. tests/test_parallel_output.py proves the site
byte-identical with one process and with two, and a child's template error failing
the build with the usual message.

Settings:
  INCREMENTAL_OUTPUT            False; True skips unchanged pages (only with a kept
                                output folder)
  INCREMENTAL_OUTPUT_PROCESSES  processes rendering pages: None (default) both cores
                                (one on a one-core machine); 1 renders in the build's own
"""

import hashlib
import logging
import os
import sys
from pathlib import Path

from pelican import signals

from .split import default_processes
from .writer import IncrementalWriter, file_stamp, load_state, record_body_reads, save_state

logger = logging.getLogger(__name__)

STATE_FILE = "incremental_output.json"


def settings_errors(settings):
    errors = []
    value = settings.get("INCREMENTAL_OUTPUT", False)
    if not isinstance(value, bool):
        errors.append(
            f"incremental_output: INCREMENTAL_OUTPUT must be True or False, got {value!r}"
        )
    processes = settings.get("INCREMENTAL_OUTPUT_PROCESSES")
    if processes is not None and (
        isinstance(processes, bool) or not isinstance(processes, int) or processes < 1
    ):
        errors.append(
            "incremental_output: INCREMENTAL_OUTPUT_PROCESSES must be a whole number of "
            f"processes, 1 or more (or None: both cores), got {processes!r}"
        )
    return errors


def processes(settings):
    """How many processes render the pages (settings_errors has checked the value)."""
    return settings.get("INCREMENTAL_OUTPUT_PROCESSES") or default_processes()


def check_settings(pelican):
    errors = settings_errors(pelican.settings)
    if errors:
        raise ValueError("\n".join(errors))


def code_files(settings, modules):
    """The files whose code renders pages: the plugins, and Pelican with its plugins."""
    files = set()
    for folder in settings.get("PLUGIN_PATHS", []):
        folder = Path(folder)
        if folder.is_dir():
            files.update(
                p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            )
    for name, module in list(modules.items()):
        path = getattr(module, "__file__", None)
        if path and (name == "pelican" or name.startswith("pelican.")):
            files.add(Path(path))
    return sorted(files)


def code_digest(settings, modules):
    """Digest of the rendering code and the libraries' versions."""
    import jinja2
    import markupsafe

    hasher = hashlib.blake2b(digest_size=20)
    hasher.update(f"{sys.version}|{jinja2.__version__}|{markupsafe.__version__}".encode())
    for path in code_files(settings, modules):
        hasher.update(str(path).encode() + b"\0")
        try:
            hasher.update(path.read_bytes())
        except OSError:
            hasher.update(b"<unreadable>")
    return hasher.hexdigest()


class Build:
    """One build's writing: the record read, the writer, the record written (the record
    only when INCREMENTAL_OUTPUT is on)."""

    def __init__(self, settings, output_path):
        self.settings = settings
        self.incremental = settings.get("INCREMENTAL_OUTPUT", False)
        self.processes = processes(settings)
        self.output_path = str(Path(output_path).resolve())
        self.state_path = Path(settings["CACHE_PATH"]) / STATE_FILE
        self.previous = {}
        self.code = None
        if self.incremental:
            state = load_state(self.state_path)
            self.previous = state.get(self.output_path, {})
            # Until this build succeeds, no record: a failed build leaves pages half-written.
            self.state_path.unlink(missing_ok=True)
            self.code = code_digest(settings, sys.modules)
        self.writer = None

    def wrap(self, writer):
        if self.writer is None or self.writer._writer is not writer:
            self.writer = IncrementalWriter(
                writer, self.code, self.previous, self.incremental, self.processes
            )
        return self.writer

    def written(self):
        """Every page is written: remove the stale ones (before Pagefind reads the site)."""
        if self.writer is None:
            return
        written = self.writer._writer._written_files
        names = self.writer.page_names() if self.previous else ()  # a first build: none
        removed = remove_stale(self.output_path, self.previous, names, written)
        logger.info(
            "incremental_output: %d page(s) rendered, %d unchanged, %d stale removed",
            self.writer.rendered,
            self.writer.skipped,
            len(removed),
        )

    def finish(self):
        """The build succeeded: record its pages."""
        if self.writer is not None and self.incremental:
            save_state(self.state_path, self.output_path, self.writer.page_records())


def remove_stale(output_path, previous, current, written):
    """Delete pages recorded last time, not written now and untouched since; return them."""
    removed = []
    for name, record in previous.items():
        path = os.path.join(output_path, name)
        if name in current or path in written or file_stamp(path) != record.file:
            continue
        os.remove(path)
        removed.append(name)
        folder = os.path.dirname(path)
        while folder != output_path and folder.startswith(output_path) and not os.listdir(folder):
            os.rmdir(folder)
            folder = os.path.dirname(folder)
    return removed


_build = None


def start(generators):
    """Give every generator's generate_output the incremental writer."""
    global _build
    _build = None
    if not generators:
        return
    first = generators[0]
    if first.settings.get("INCREMENTAL_OUTPUT", False):
        record_body_reads()
    _build = build = Build(first.settings, first.output_path)
    writing = [g for g in generators if getattr(g, "generate_output", None) is not None]
    for generator in writing:
        last = generator is writing[-1]
        generator.generate_output = _wrapped(generator.generate_output, build, last)


def _wrapped(generate_output, build, last):
    def wrapped(writer):
        writing = build.wrap(writer)
        try:
            result = generate_output(writing)
            if last:
                writing.flush()  # every page written, those rendered in the background too
                build.written()
            else:
                # The generator's queued pages: a long queue is rendered by forked
                # processes while this one goes on with the next generator.
                writing.flush_in_background()
        except Exception:
            # A page queued earlier, rendered in the background, failed first: its error
            # is the one to report (as when pages are rendered in order).
            writing.finish()
            raise
        except BaseException:
            writing.stop()
            raise
        return result

    return wrapped


def finish(_pelican):
    global _build
    if _build is not None:
        _build.finish()
        _build = None


def register():
    # initialized: reject a bad setting before anything is read.
    signals.initialized.connect(check_settings)
    # all_generators_finalized: the generators exist and nothing is written yet; Pelican
    # hands its writer to each generator's generate_output, which we wrap (whatever
    # writer class a plugin chose, e.g. feed_text's, stays underneath).
    signals.all_generators_finalized.connect(start)
    # finalized: the build is done; record its pages. After strict_build, which raises
    # on logged errors first, so a failed build records nothing. (Stale pages are
    # removed earlier, after the last generator wrote, so Pagefind never sees them.)
    signals.finalized.connect(finish)
