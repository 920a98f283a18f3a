"""A folder of rendered images named by the hash of what they show.

An image is rendered only when no file with its key exists, so an unchanged card is
never drawn twice; images then go into the output as hard links (copies where linking
fails), only when missing or changed
(which keeps rsync deploys small and a build with every image cached nearly free).

Rendering can run in the background (`start_rendering(...)`, later `.wait()`), in
worker processes, so the build writes its pages while the images are drawn.
"""

import atexit
import contextlib
import functools
import logging
import os
import shutil
import stat
import time
import traceback
from pathlib import Path

from .render import card_png

try:  # a build: Pelican puts plugins/ (PLUGIN_PATHS) on sys.path
    import forking
    from forking import InChild, fork_is_safe, glibc_function, lower_priority, usable_cores
except ImportError:  # imported as plugins.<name> (the content linter, the tests)
    from plugins import forking
    from plugins.forking import (
        InChild,
        fork_is_safe,
        glibc_function,
        lower_priority,
        usable_cores,
    )

logger = logging.getLogger(__name__)

# Below this many missing images, starting worker processes costs more than it saves
# (measured on 2 cores: 4 images 0.16 s serial, 0.09 s on 2; 40 images 1.5 s vs 0.86 s).
PARALLEL_THRESHOLD = 4


def cached_path(cache_dir, spec):
    return Path(cached_file(cache_dir, spec.key()))


def cached_file(cache_dir, key):
    """The cached image with this key (CardSpec.key())."""
    return os.path.join(cache_dir, f"{key}.png")


def _render_to(spec, target):
    """Render one image into the cache; atomic, so a crash never leaves half a PNG."""
    data = card_png(spec)
    # A name of this process's own (prune() removes any left by a crash), created anew
    # ("x") with the usual mode (0o666 less the umask), not mkstemp's 0600: the output
    # links to the file.
    temporary = f"{target}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)  # left by a crash: replaced, never written through
    with open(temporary, "xb") as out:
        out.write(data)
    os.replace(temporary, target)  # a new file: a cached image is never changed in place
    return str(target)


def _render_chunk(specs, cache_dir):
    for spec in specs:
        _render_to(spec, cached_path(cache_dir, spec))
    return len(specs)


# The size below which a worker keeps the memory it frees for reuse.
_KEEP_FREED = 32 << 20


def keep_freed_memory():
    """Make a rendering worker keep the memory it frees for its next image.

    Each card allocates and frees a few hundred KB (image bands, compressor state); by
    default glibc hands such blocks back to the kernel at once and the next card faults
    them in again, which took a fifth of a worker's CPU time. A worker's heap stays a few
    MB, and it exits when the images are done. Not glibc: nothing to change.
    """
    mallopt = glibc_function("mallopt")
    if mallopt is None:
        return
    mallopt(forking.M_TRIM_THRESHOLD, _KEEP_FREED)
    mallopt(forking.M_MMAP_THRESHOLD, _KEEP_FREED)


def worker_count(setting, missing):
    """How many processes to render `missing` images with (0 = up to 2 cores); 1 (in
    this process) when forking is not safe now (plugins/forking.py)."""
    if missing < PARALLEL_THRESHOLD or not fork_is_safe():
        return 1
    wanted = setting or min(2, usable_cores())
    return max(1, min(wanted, missing))


def missing_specs(specs, cache_dir):
    """{key: spec} for every distinct image with no file in the cache yet."""
    present = {name[:-4] for name in os.listdir(cache_dir) if name.endswith(".png")}
    missing = {}
    for spec in specs:
        key = spec.key()
        if key not in present:
            missing.setdefault(key, spec)
    return missing


# The workers take the images in batches, each the next batch no worker has taken, so
# they finish within a batch of each other (dealt out in turn beforehand, one finished
# 0.06-0.3 s before the other at N = 1000, leaving a core idle). A batch number is 4 bytes
# in a pipe; the batches are never more than one page of it (4 KB), which every pipe holds.
BATCH = 8
_BATCH_BYTES = 4
_MOST_BATCHES = 4096 // _BATCH_BYTES


def batch_size(count):
    """Images per batch: BATCH, or more when `count` images would need too many batches."""
    return max(BATCH, -(-count // _MOST_BATCHES))


def batches(count, size):
    """A pipe's read end from which workers read the start of each batch of `size` of
    `count` images, in order, then the end of the pipe. (A 4-byte read from a pipe is
    whole: no two workers get the same batch.)"""
    read_end, write_end = os.pipe()
    try:
        starts = b"".join(s.to_bytes(_BATCH_BYTES, "big") for s in range(0, count, size))
        os.write(write_end, starts)  # at most 4 KB: written whole, no reader needed yet
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    return read_end


# Renderings started and not yet waited for: a build that failed in between.
_ABANDONED = set()


class ImageRenderingError(RuntimeError):
    """A worker process failed to render its images."""


class Rendering:
    """Missing images being rendered; `wait()` returns the keys rendered this time.

    Workers are forked processes (plugins/forking.InChild) with no threads of their own
    (the pages are rendered in forked processes too, which must not copy a lock another
    thread holds). Each renders its share into the cache and hands back only a failure.
    """

    def __init__(self, missing, cache_dir, workers):
        self.cache_dir = cache_dir
        self.missing = set(missing)  # the keys of the images being drawn
        self.count = worker_count(workers, len(missing))
        self.workers = []  # InChild, each handing back "" or its failure
        self.done = False
        self._keys = list(missing)  # in the order the workers take them
        self._seen = 0  # how many of them drawn() has reported
        # The specs are kept only while this process is to draw them (wait()): forked
        # workers have their own copy, and the build's pages are rendered in processes
        # forked from this one (16,000 specs at N = 4000, about 6 MB in all).
        self._specs = list(missing.values())
        if self.count > 1:
            stop_abandoned()
            size = batch_size(len(self._specs))
            claims = batches(len(self._specs), size)
            try:
                for _ in range(self.count):
                    self.workers.append(
                        InChild(_render_batches, self._specs, cache_dir, claims, size)
                    )
            finally:
                os.close(claims)  # the workers have it
            self._specs = None
            _ABANDONED.add(self)

    def covers(self, specs):
        """Whether every one of `specs` with no cached image is being rendered here."""
        return set(missing_specs(specs, self.cache_dir)) <= self.missing

    def stop(self):
        """End the worker processes (at once, if they are still rendering)."""
        _ABANDONED.discard(self)
        for worker in self.workers:
            worker.close()
        self.workers = []

    def drawn(self, timeout):
        """(keys of the images the workers drew since the last call, whether any is still
        drawing), after waiting up to `timeout` seconds for a worker to finish.

        So the build can link images into the output while the last ones are drawn.
        The workers take the images in order, and an image's file appears whole (a
        rename): reported are those up to the first with no file yet.
        """
        if not self.workers:
            return [], False
        drawing = not all(worker.finished(timeout) for worker in self.workers)
        start = end = self._seen
        keys = self._keys
        while end < len(keys) and os.path.exists(cached_file(self.cache_dir, keys[end])):
            end += 1
        self._seen = end
        return keys[start:end], drawing

    def wait(self):
        if self.workers:
            _ABANDONED.discard(self)
            answers = [worker.result() for worker in self.workers]
            self.workers = []
            failures = [
                "a worker ended without an answer" if answer is None else answer
                for answer in answers
                if answer != ""
            ]
            if failures:
                raise ImageRenderingError(
                    "prompt_cards: rendering the share images failed:\n" + "\n".join(failures)
                )
        elif not self.done:
            _render_chunk(self._specs, self.cache_dir)
        self.done = True
        self._specs = None
        if self.missing:
            logger.info(
                "prompt_cards: rendered %d image(s) with %d process(es)",
                len(self.missing),
                self.count,
            )
        return set(self.missing)


def _render_batches(specs, cache_dir, claims, size):
    """A worker's job: render the batches of `specs` it reads from the pipe `claims`
    into `cache_dir`, until no batch is left; "" when done, else the error."""
    keep_freed_memory()
    lower_priority()  # the build waits for the images only once its pages are written
    try:
        while claim := os.read(claims, _BATCH_BYTES):
            start = int.from_bytes(claim, "big")
            _render_chunk(specs[start : start + size], cache_dir)
    except Exception:  # noqa: BLE001 - everything is reported to the build
        return traceback.format_exc()
    return ""


@atexit.register
def stop_abandoned():
    """Stop the workers of a build that failed before it waited for its images."""
    while _ABANDONED:
        _ABANDONED.pop().stop()


def start_rendering(specs, cache_dir, workers=0):
    """Begin rendering every spec with no cached image (in worker processes when it pays)."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    return Rendering(missing_specs(specs, cache_dir), cache_dir, workers)


def ensure_rendered(specs, cache_dir, workers=0):
    """Render every spec with no cached image; return the keys rendered this time."""
    return start_rendering(specs, cache_dir, workers).wait()


def publish(source, destination):
    """Put the cached image `source` at `destination` unless it is already there; True
    when the destination's bytes changed.

    The output gets a hard link to the cached file (or, where linking fails, e.g. across
    file systems, a copy). Sharing the file is safe because a cached image is never
    modified: a rendering is always a new file renamed into place (_render_to), prune()
    only unlinks, and publish() only ever creates a new file or renames one over the
    destination, so neither side can change a file the other still names.

    A link or copy has the source's modification time, so the same size and time mean
    the same image without reading either file. Same bytes with another time: the file
    is replaced by a link (its bytes are unchanged). The output keeps the usual file mode:
    a cached image made with another mode (by an older version) is copied, not linked.
    """
    have = os.stat(source)
    try:
        there = os.stat(destination)
    except FileNotFoundError:
        _new_file(source, destination, have)  # the link itself is created atomically
        return True
    if os.path.samestat(have, there):
        return False
    if there.st_size == have.st_size:
        if there.st_mtime_ns == have.st_mtime_ns:
            return False
        if _same_bytes(source, destination):
            _replace(source, destination, have)
            return False
    _replace(source, destination, have)
    return True


def _same_bytes(first, second):
    with open(first, "rb") as one, open(second, "rb") as other:
        return one.read() == other.read()


def _replace(source, destination, have):
    """A new file renamed over destination: never a write into the file there."""
    temporary = f"{destination}.{os.getpid()}.tmp"
    _new_file(source, temporary, have)
    os.replace(temporary, destination)


def _new_file(source, target, have):
    try:
        _link_or_copy(source, target, have)
    except FileNotFoundError:
        # Only now make the folder: a folder per image would cost a system call each.
        os.makedirs(os.path.dirname(target), exist_ok=True)
        _link_or_copy(source, target, have)


def _link_or_copy(source, target, have):
    if stat.S_IMODE(have.st_mode) == usual_mode():
        try:
            os.link(source, target)
            return
        except FileExistsError:  # left by an interrupted build
            os.unlink(target)
            os.link(source, target)
            return
        except OSError as error:  # another file system, or no links there: copy
            if isinstance(error, FileNotFoundError):
                raise
    if os.path.lexists(target):
        os.unlink(target)  # never write through a link left by an interrupted build
    shutil.copyfile(source, target)  # not copy2: the output keeps its usual mode
    os.utime(target, ns=(have.st_atime_ns, have.st_mtime_ns))


@functools.cache
def usual_mode():
    """The mode a new file gets here (0o666 less the umask), which cached images get too."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def prune(cache_dir, keep, max_age_days, now=None):
    """Delete cached images not in `keep` (keys) and older than max_age_days, and any
    half-written file left by an interrupted build."""
    cache_dir = Path(cache_dir)
    if not cache_dir.is_dir():
        return []
    cutoff = (now if now is not None else time.time()) - max_age_days * 86400
    removed = []
    for path in [*cache_dir.glob("*.png"), *cache_dir.glob("*.tmp")]:
        if path.stem not in keep and path.stat().st_mtime < cutoff:
            path.unlink()
            removed.append(path.name)
    return removed
