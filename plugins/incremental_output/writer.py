"""The writer that skips pages whose inputs have not changed since the last build.

`IncrementalWriter` wraps the build's Pelican writer (any class: feed_text's too) and
takes over `write_file`, which is Pelican's own code but for `_write_page`: a page is
skipped when

- its output file is still the one this plugin wrote (same size and mtime), and
- its fingerprint is the recorded one: the site fingerprint (code, templates, settings,
  every content object's attributes but its body), the template, the output name, the
  page's own variables, and the bodies the page showed last time, each unchanged.

Which bodies a page shows is recorded while it is rendered: every read of a content
object's `.content` (so also `.summary` made from the body) goes through
`Content.get_content`, which `record_body_reads` wraps. Anything the fingerprint cannot
cover (a value of an unknown type, relative URLs, an overriding write) is rendered.
A skipped page still goes through Pelican's bookkeeping and `content_written` (the
sitemap listens to it). Feeds are always written.
"""

import json
import logging
import os
import pickle
from itertools import islice
from pathlib import Path
from typing import NamedTuple

from pelican import signals
from pelican.contents import Content
from pelican.paginator import Paginator
from pelican.utils import get_relative_path, path_to_url, sanitised_join

try:  # a build: Pelican puts plugins/ (PLUGIN_PATHS) on sys.path
    from content_body import pack_bytes, unpack_bytes
    from forking import fork_is_safe
except ImportError:  # imported as plugins.<name> (the tests)
    from plugins.content_body import pack_bytes, unpack_bytes
    from plugins.forking import fork_is_safe

from .fingerprint import Encoder, Unfingerprintable, body_digest, digest, unrendered_fields
from .split import InBackground, run_split

logger = logging.getLogger(__name__)

STATE_VERSION = 2


# Template output is joined this many chunks at a time.
RENDER_BATCH = 4096


def rendered_pieces(template, context, batch=RENDER_BATCH):
    """The template's output as a few long strings: what template.render() returns, not
    yet joined. A page is written only once it rendered whole (a template error leaves
    the page of the last build in place), but Jinja makes a page of many short strings:
    the deck of 12,000 prompt cards (5 MB of HTML) held about 28 MB of them at once.
    As template.render(), not template.generate(), which passes each of a page's ~250
    strings through one more generator."""
    chunks = template.root_render_func(template.new_context(dict(context)))
    pieces = []
    try:
        while batch_of := list(islice(chunks, batch)):
            pieces.append("".join(batch_of))
    except Exception:  # noqa: BLE001 - as render(): re-raised, its traceback in template lines
        template.environment.handle_exception()
    return pieces


class PageRecord(NamedTuple):
    """What a build recorded of one page it wrote. A tuple, not a dict: a build of
    4,000 articles holds ~18,000 of them (and its page renderers send theirs back)."""

    fingerprint: str
    file: tuple | None  # file_stamp() of the output file as written
    sources: tuple  # source paths of the content objects whose body the page showed
    bodies: str | None  # digest of those bodies


# The bodies digest of a page that shows none (most of them): one string, not one each.
NO_BODIES = digest("")

# The content objects whose body the page being rendered has read (None: not rendering).
_body_reads = None


def record_body_reads():
    """Wrap Content.get_content (once per process) to note which bodies a render reads."""
    original = Content.__dict__["get_content"]  # pelican.utils.memoized: call it unbound
    if getattr(original, "_records_body_reads", False):
        return

    def get_content(self, siteurl):
        if _body_reads is not None:
            _body_reads[id(self)] = self
        return original(self, siteurl)

    get_content._records_body_reads = True
    get_content.__wrapped__ = original
    get_content.__doc__ = original.__doc__
    Content.get_content = get_content


def load_state(path):
    """The pages recorded by the last successful build, or {} (then all are rendered)."""
    try:
        state = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        return {}
    sites = state.get("pages")
    try:
        return {
            output: {name: _record(value) for name, value in pages.items()}
            for output, pages in sites.items()
        }
    except (AttributeError, TypeError, ValueError):  # not what save_state writes
        return {}


def _record(value):
    fingerprint, file, sources, bodies = value
    return PageRecord(fingerprint, None if file is None else tuple(file), tuple(sources), bodies)


def save_state(path, output_path, batches):
    """Record the pages of a build into `output_path`: `batches` of {name: record} (the
    build's own pages, then each page renderer's), turned into JSON one at a time."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(f'{{"version": {STATE_VERSION}, "pages": {{{json.dumps(output_path)}: {{')
        separator = ""
        for batch in batches:
            items = iter(batch.items())
            while part := dict(islice(items, 1000)):
                file.write(separator + json.dumps(part)[1:-1])
                separator = ", "
        file.write("}}}")
    os.replace(temporary, path)


def pack_records(records):
    """{name: PageRecord} as compressed bytes: the page renderers' records (~18,000 at
    N = 4000, 6.7 MB as objects) stay so in the build's process until they are saved."""
    return pack_bytes(pickle.dumps(records, pickle.HIGHEST_PROTOCOL))


def unpack_records(data):
    return pickle.loads(unpack_bytes(data))


def file_stamp(path):
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns)


# Pelican's bookkeeping maps, filled in whatever order files were read; no template
# iterates them, so their order is not part of the fingerprint.
UNORDERED_CONTEXT_KEYS = ("generated_content", "static_content")
# Settings that change how pages are written, never what: not part of the fingerprint
# (tests/test_parallel_output.py proves the site the same with 1 process or 2).
NEUTRAL_SETTINGS = ("INCREMENTAL_OUTPUT_PROCESSES",)


def without_neutral(settings):
    return {key: value for key, value in settings.items() if key not in NEUTRAL_SETTINGS}


def canonical(context):
    """The context with its bookkeeping maps in a fixed order, without the settings that
    change no page."""
    fixed = without_neutral(context)
    for key in UNORDERED_CONTEXT_KEYS:
        if isinstance(fixed.get(key), dict):
            fixed[key] = dict(sorted(fixed[key].items()))
    return fixed


def context_values(context):
    """The identities of the context's values, and its last key: unchanged, the context
    is the same for every page (a key replaced or added changes one or the other)."""
    return tuple(map(id, context.values())), next(reversed(context), None)


class PageContext(NamedTuple):
    """A page's template context as Pelican's writer makes it, in two parts: the
    shared context copied (`shared`) updated with the page's own values (`own`). Pages
    queued while the context does not change share one copy of it (Pelican copies it
    for every page: 12,005 copies, 75 MB, for the card pages at N = 4000)."""

    shared: dict
    own: dict

    def full(self):
        """The page's context: what Pelican's writer would render with."""
        return {**self.shared, **self.own}


class QueuedPage(NamedTuple):
    """A page to write, as write_file was asked for it: the shared context copy and the
    page's own values (`kwargs`). Its context and its variables are made again when it
    is rendered: two dicts fewer per page while thousands wait in the queue (the card
    pages: 12,000 at N = 4000)."""

    template: object
    shared: dict
    name: str
    kwargs: dict
    relative_urls: bool
    override: bool
    path: str | None = None  # where it is written, once queued
    site_part: str | None = None  # the fingerprint of what it shares with other pages

    def context(self):
        """PageContext as Pelican's writer makes it for the page."""
        own = {"localsiteurl": self.shared.get("localsiteurl", None)}
        if self.relative_urls:
            relative_url = path_to_url(get_relative_path(self.name))
            own["SITEURL"] = relative_url
            own["localsiteurl"] = relative_url
        own["output_file"] = self.name
        own.update(self.kwargs)
        return PageContext(self.shared, own)

    def variables(self):
        """The page's own template variables, as its fingerprint covers them."""
        return {**self.kwargs, "@relative_urls": self.relative_urls, "@override": self.override}


# A generator's queue shorter than this is rendered in this process: forking and
# collecting cost more than a second core saves on a few pages. Measured at ~250 MB RSS:
# fork 3-15 ms, the child's exit and copy-on-write faults ~10-20 ms more; a page renders
# in ~0.3-1 ms, so a split pays from roughly 50-100 pages.
SPLIT_AT = 64


class IncrementalWriter:
    """A Pelican writer that renders a page only when its inputs changed (with
    `incremental` False, every page), the pages shared between `processes` processes.

    `write_file` does Pelican's bookkeeping for a page and sends `content_written` at
    once, as Pelican does, and queues the page; `flush()` (when the generator's
    generate_output returns) fingerprints, compares and renders the queue, split
    between processes when it is long (split.py). A page whose rendering depends on the
    order of writing (relative URLs, a file written twice) is rendered at once, in order,
    after the queue.
    """

    def __init__(self, writer, site_code, previous, incremental=True, processes=1):
        self._writer = writer
        self._site_code = site_code  # digest of code and settings-independent inputs
        self._previous = previous  # output name -> record, from the last build
        self._incremental = incremental
        self._processes = processes
        self.pages = {}  # output name -> record, of the pages this process wrote or kept
        self._packed_pages = []  # pack_records() of each page renderer's
        self.rendered = self.skipped = 0
        self._encoder = None
        self._sites = {}  # id(context) -> (context, value ids, site digest, known ids)
        self._templates = {}  # id(environment) -> (environment, digest, unrendered fields)
        self._sources = None  # source path -> content object
        self._body_digests = {}  # id(content object) -> (object, body digest)
        self._folders = set()  # folders made (or found) in this build, in this process
        self._queue = []
        self._context_copy = None  # (context, its values, the copy) of the last page
        self._pending = []  # InBackground splits, in queue order
        self._before = (frozenset(), 0, 0)  # pages and counts when a split began

    def __getattr__(self, name):
        return getattr(self._writer, name)

    # -- fingerprints --

    def _environment(self, environment):
        remembered = self._templates.get(id(environment))
        if remembered is None or remembered[0] is not environment:
            names = sorted(environment.list_templates())
            sources = [environment.loader.get_source(environment, n)[0] for n in names]
            encoder = Encoder()
            parts = [
                repr(names),
                *sources,
                encoder.encode(dict(environment.globals)),
                encoder.encode(dict(environment.filters)),
                encoder.encode(dict(environment.tests)),
                repr(sorted(environment.extensions)),
                repr(environment.autoescape),
            ]
            remembered = (environment, digest("\0".join(parts)), unrendered_fields(sources))
            self._templates[id(environment)] = remembered
        return remembered

    def _site(self, context, environment, values):
        """(digest of everything shared by the pages, ids of content objects it covers);
        `values`: context_values(context)."""
        _environment, templates, unrendered = self._environment(environment)
        if self._encoder is None:
            self._encoder = Encoder(unrendered)
        elif self._encoder.unrendered != unrendered:
            raise Unfingerprintable("two template environments read different fields")
        remembered = self._sites.get(id(context))
        if remembered is not None and remembered[0] is context and remembered[1] == values:
            return remembered[2], remembered[3], templates
        settings = without_neutral(self._writer.settings)
        encoding, contents = self._encoder.encode_with_refs(canonical(context), remember=False)
        settings_encoding, more = self._encoder.encode_with_refs(settings, remember=False)
        contents.update(more)
        closure = self._encoder.closure(contents)
        site = digest(
            "\0".join([encoding, settings_encoding, *map(repr, sorted(closure.values()))])
        )
        self._sites[id(context)] = (context, values, site, frozenset(closure))
        return site, frozenset(closure), templates

    def _site_part(self, template, context, name, values):
        """The page's share of the site fingerprint, worked out when the page is
        queued (the context as it is then), or None: render it."""
        try:
            return self._site(context, template.environment, values)
        except Unfingerprintable as error:
            logger.debug("incremental_output: rendering %s: %s", name, error)
        except Exception as error:  # noqa: BLE001 - a value breaks when read: render the page
            logger.debug("incremental_output: rendering %s: %r", name, error)
        return None

    def _page_fingerprint(self, site_part, template, name, variables):
        """The page's fingerprint from its site part and its own variables, or None."""
        site, known, templates = site_part
        try:
            encoding, contents = self._encoder.encode_with_refs(variables, False, known)
            extra = self._encoder.closure(contents, known)
        except Unfingerprintable as error:
            logger.debug("incremental_output: rendering %s: %s", name, error)
            return None
        except Exception as error:  # noqa: BLE001 - a value breaks when read: render the page
            logger.debug("incremental_output: rendering %s: %r", name, error)
            return None
        parts = [self._site_code, templates, site, repr(template.name), repr(name), encoding]
        return digest("\0".join([*parts, *map(repr, sorted(extra.values()))]))

    def fingerprint(self, template, context, name, variables):
        """The page's fingerprint (or None: render it)."""
        site_part = self._site_part(template, context, name, context_values(context))
        if site_part is None:
            return None
        return self._page_fingerprint(site_part, template, name, variables)

    def _unchanged(self, name, path, fingerprint):
        """The page's output file is the one recorded, and its inputs are unchanged."""
        record = self._previous.get(name)
        return (
            fingerprint is not None
            and record is not None
            and record.fingerprint == fingerprint
            and record.file == file_stamp(path)  # None when the file is missing
            and record.bodies is not None
            and record.bodies == self._bodies(record.sources)
        )

    # -- writing --

    def _shared_copy(self, context, values):
        """context.copy(), the one made for the previous page while the context has
        the same values (context_values); shallow, as Pelican's copy for each page is."""
        kept = self._context_copy
        if kept is not None and kept[0] is context and kept[1] == values:
            return kept[2]
        copy = context.copy()
        self._context_copy = (context, values, copy)
        return copy

    def _claim(self, path, override):
        """Pelican's _open_w bookkeeping for a page written for the first time."""
        writer = self._writer
        if path in writer._overridden_files or path in writer._written_files:
            return False  # written twice in one build: Pelican's rules, by rendering
        if override:
            writer._overridden_files.add(path)
        writer._written_files.add(path)
        return True

    def _write_page(self, page, context, values):
        """Queue `page` (a QueuedPage), or write it now when it must be in order."""
        name = page.name
        path = sanitised_join(self._writer.output_path, name)
        full = page.context()
        local = full.own["localsiteurl"]
        site_part = None
        if self._incremental and not local:
            site_part = self._site_part(page.template, context, name, values)
        # Bodies render with the shared context's localsiteurl as it is when they render:
        # a page that changes it (relative URLs) is written in order.
        in_order = local and local != context.get("localsiteurl")
        if not in_order and self._claim(path, page.override):
            self._queue.append(page._replace(path=path, site_part=site_part))
            signals.content_written.send(path, context=full.full())
            return
        # So is a file written twice (the last write is kept), after the queue.
        self.flush()
        fingerprint = None
        if site_part is not None:
            fingerprint = self._page_fingerprint(site_part, page.template, name, page.variables())
        if self._unchanged(name, path, fingerprint) and self._claim(path, page.override):
            self.pages[name] = self._previous[name]
            self.skipped += 1
            signals.content_written.send(path, context=full.full())
            return
        if local:
            context["localsiteurl"] = local
        localcontext = full.full()
        output, reads = self._render(page.template, localcontext)
        self._make_folder(os.path.dirname(path))
        with self._writer._open_w(path, "utf-8", override=page.override) as f:
            f.writelines(output)
        self._wrote(name, path, fingerprint, reads)
        signals.content_written.send(path, context=localcontext)

    def _run(self, page):
        """Fingerprint, compare and render (or skip) one queued page."""
        fingerprint = None
        if page.site_part is not None:
            fingerprint = self._page_fingerprint(
                page.site_part, page.template, page.name, page.variables()
            )
        if self._unchanged(page.name, page.path, fingerprint):
            self.pages[page.name] = self._previous[page.name]
            self.skipped += 1
            return
        output, reads = self._render(page.template, page.context().full())
        self._make_folder(os.path.dirname(page.path))
        with open(page.path, "wb") as f:  # claimed when queued
            f.writelines(piece.encode("utf-8") for piece in output)  # a page: one piece
        self._wrote(page.name, page.path, fingerprint, reads)

    def _render(self, template, localcontext):
        """The page's HTML (in pieces, see rendered_pieces), and the content objects whose
        body it read."""
        global _body_reads
        _body_reads = {}
        try:
            return rendered_pieces(template, localcontext), _body_reads
        finally:
            _body_reads = None

    def _make_folder(self, folder):
        if folder not in self._folders:
            try:  # one system call: its parent is nearly always there
                os.mkdir(folder)
            except FileExistsError:
                if not os.path.isdir(folder):
                    raise
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)

    def _wrote(self, name, path, fingerprint, reads):
        logger.info('Writing "%s"', path)
        self.rendered += 1
        if fingerprint is not None:
            sources = tuple(sorted({obj.source_path for obj in reads.values() if obj.source_path}))
            bodies = self._bodies(sources)
            # Recorded only when every body read can be found again by its path.
            if len(sources) == len(reads) and bodies is not None:
                self.pages[name] = PageRecord(fingerprint, file_stamp(path), sources, bodies)

    def flush(self):
        """Render the queued pages, and wait for any rendered in the background: every
        page queued so far is written when it returns. In this process when they are
        few, else split."""
        self.finish()
        jobs = self._jobs_to_share()
        if jobs:
            run_split(jobs, self._run, self._processes, self._child_state, self._merge)

    def flush_in_background(self):
        """Like flush(), but a queue worth splitting is rendered by forked processes
        only, while this one goes on with the next generator's pages; finish() (or the
        next flush()) waits for them."""
        jobs = self._jobs_to_share()
        if jobs:
            self._pending.append(InBackground(jobs, self._run, self._processes, self._child_state))

    def _jobs_to_share(self):
        """The queue, emptied: returned when it is worth sharing between processes and
        may be; else rendered here, in order, and nothing returned."""
        jobs = self._take_queue()
        if not jobs:
            return []
        if not self._splits(jobs):
            for job in jobs:
                self._run(job)
            return []
        logger.debug(
            "incremental_output: %d page(s) rendered by %d processes", len(jobs), self._processes
        )
        self._before = (frozenset(self.pages), self.rendered, self.skipped)
        return jobs

    def finish(self):
        """Wait for the pages rendered in the background, in the order they were queued;
        raise the error of the earliest page that failed."""
        while self._pending:
            self._pending.pop(0).finish(self._merge)

    def stop(self):
        """Stop the processes rendering in the background (the build failed)."""
        while self._pending:
            self._pending.pop(0).stop()

    def _take_queue(self):
        jobs, self._queue = self._queue, []
        if jobs and self._encoder is not None:  # every content object met so far, by path
            self._sources = None
            self._by_source_path()
        return jobs

    def _splits(self, jobs):
        """Whether `jobs` are worth sharing between processes, and may be."""
        # Forking while another thread runs could copy a lock it holds into the child;
        # only threads marked fork_safe (they never touch what rendering uses) may run.
        return self._processes >= 2 and self._to_render(jobs) >= SPLIT_AT and fork_is_safe()

    def _to_render(self, jobs):
        """How many of `jobs` will likely be rendered: all but those whose output file is
        still the one recorded. A rebuild after an edit compares fingerprints for
        thousands of pages and renders a few; a second process would then cost more
        (its fork, and the core Pagefind indexes on) than it saves."""
        if not self._incremental or not self._previous:
            return len(jobs)
        previous = self._previous
        return sum(
            1
            for page in jobs
            if page.name not in previous or previous[page.name].file != file_stamp(page.path)
        )

    def _child_state(self):
        """What a child rendered: the records of its pages and its counts."""
        known, rendered, skipped = self._before
        mine = {name: record for name, record in self.pages.items() if name not in known}
        counts = {"rendered": self.rendered - rendered, "skipped": self.skipped - skipped}
        return {"pages": pack_records(mine), **counts}

    def _merge(self, state):
        self._packed_pages.append(state["pages"])
        self.rendered += state["rendered"]
        self.skipped += state["skipped"]

    def page_records(self):
        """Every page's record, {name: record} a batch at a time: this process's, then
        each page renderer's (unpacked as they are reached)."""
        yield self.pages
        for packed in self._packed_pages:
            yield unpack_records(packed)

    def page_names(self):
        """The output names of every page of this build."""
        return {name for batch in self.page_records() for name in batch}

    def _bodies(self, sources):
        """The body digests of the content objects at `sources` (None if one is gone)."""
        if not sources:
            return NO_BODIES
        by_path = self._by_source_path()
        found = [by_path.get(source) for source in sources]
        if any(obj is None for obj in found):
            return None
        return digest("\0".join(map(self._body_digest, found)))

    def _body_digest(self, obj):
        """body_digest(obj), worked out once per object (bodies are set before writing)."""
        remembered = self._body_digests.get(id(obj))
        if remembered is None or remembered[0] is not obj:
            remembered = (obj, body_digest(obj))
            self._body_digests[id(obj)] = remembered
        return remembered[1]

    def _by_source_path(self):
        """Every content object the site fingerprint met, by source path (None when two
        objects share one: their bodies cannot be told apart)."""
        if self._sources is None:
            self._sources = {}
            for obj in self._encoder.contents() if self._encoder is not None else ():
                if obj.source_path:
                    known = self._sources.get(obj.source_path, obj)
                    self._sources[obj.source_path] = obj if known is obj else None
        return self._sources

    def write_file(
        self,
        name,
        template,
        context,
        relative_urls=False,
        paginated=None,
        template_name=None,
        override_output=False,
        url=None,
        **kwargs,
    ):
        """Pelican's Writer.write_file, each page going through _write_page."""
        if not name:
            return

        values = context_values(context)
        shared = self._shared_copy(context, values)
        settings = self._writer.settings
        if paginated is None:
            paginated = {key: val for key, val in kwargs.items() if key in {"articles", "dates"}}

        if paginated and template_name in settings["PAGINATED_TEMPLATES"]:
            per_page = (
                settings["PAGINATED_TEMPLATES"][template_name] or settings["DEFAULT_PAGINATION"]
            )
            paginators = {
                key: Paginator(name, url, val, settings, per_page) for key, val in paginated.items()
            }
            # Each Page made once, not three times (as the next page, the page, then the
            # previous page): ~28,500 Page objects at N = 4000 wait in the queue otherwise.
            made = {}

            def page_of(key, number):
                if (key, number) not in made:
                    made[key, number] = paginators[key].page(number)
                    made.pop((key, number - 3), None)
                return made[key, number]

            for page_num in range(next(iter(paginators.values())).num_pages):
                paginated_kwargs = kwargs.copy()
                for key, paginator in paginators.items():
                    previous_page = page_of(key, page_num) if page_num > 0 else None
                    page = page_of(key, page_num + 1)
                    next_page = (
                        page_of(key, page_num + 2) if page_num + 1 < paginator.num_pages else None
                    )
                    paginated_kwargs.update(
                        {
                            f"{key}_paginator": paginator,
                            f"{key}_page": page,
                            f"{key}_previous_page": previous_page,
                            f"{key}_next_page": next_page,
                        }
                    )
                queued = QueuedPage(
                    template, shared, page.save_as, paginated_kwargs, relative_urls, override_output
                )
                self._write_page(queued, context, values)
        else:
            queued = QueuedPage(template, shared, name, kwargs, relative_urls, override_output)
            self._write_page(queued, context, values)
