"""When and how a build forks: the rules and the helpers the plugins that fork share.

Not a plugin. A fork copies the locks other threads hold at that moment; the child, which
has none of those threads, would wait for them forever. So the build forks only while
no other thread runs, except threads marked `fork_safe = True`: threads that never
touch what a child uses (search_index's only moves bytes between a queue and Pagefind's
pipes). Children end with os._exit.
"""

import contextlib
import ctypes
import logging
import os
import pickle
import select
import signal
import struct
import sys
import tempfile
import threading


def fork_is_safe():
    """No thread but this one runs, except threads marked `fork_safe = True`."""
    current = threading.current_thread()
    return all(t is current or getattr(t, "fork_safe", False) for t in threading.enumerate())


class WarningFlag(logging.Handler):
    """Notes that something was logged at WARNING or above (`raised`)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.raised = False

    def emit(self, record):
        self.raised = True


def only_flag_warnings():
    """In a child doing work its parent may do again: log nothing (the parent logs what
    it does itself) and return a WarningFlag that notes whether anything warned."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    flag = WarningFlag()
    root.addHandler(flag)
    return flag


# How much lower than the build's the priority of work it does not wait for at once
# (Pagefind, the image workers): such work takes the time a core would idle, not the
# time of the build's own processes.
BACKGROUND_NICENESS = 10


def lower_priority(pid=0):
    """Run process `pid` (0: this one) BACKGROUND_NICENESS lower than it runs now."""
    with contextlib.suppress(OSError, AttributeError):  # not allowed, or not POSIX
        now = os.getpriority(os.PRIO_PROCESS, pid)
        os.setpriority(os.PRIO_PROCESS, pid, now + BACKGROUND_NICENESS)


# glibc's mallopt() parameters (malloc.h): the size below which freed memory at the top of
# the heap is kept, and the size from which a block gets a mapping of its own.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3


def glibc_function(name):
    """The C library's function `name` (malloc_trim, mallopt, ...), or None where there
    is no such function (not glibc): the memory tuning is then simply not done."""
    try:
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None


def hand_back_free_memory():
    """Hand the heap's free pages back to the system (glibc's malloc_trim), before
    forking: a child's resident set starts as its parent's, free pages included. What
    the build's process freed since its peak (bodies read and packed, the reader's
    buffers, ...) stays resident otherwise: at N = 4000 the page renderers started 3 MB
    higher and ended 3-5 MB higher (README, "Benchmarks"). Not glibc: nothing to do."""
    trim = glibc_function("malloc_trim")
    if trim is not None:
        trim(0)


def usable_cores():
    """How many cores this process may run on (its CPU affinity, where the system says)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def can_fork():
    """Whether a second process would run beside this one: the system forks, there is a
    core for it, and no thread forbids it."""
    return hasattr(os, "fork") and usable_cores() > 1 and fork_is_safe()


# Where a streamed item is in the temporary file: its offset and size.
_PLACE = struct.Struct("<QQ")


def _send_items(items, spool, pipe):
    """In a streaming InChild's child: each item pickled into the file `spool`, then
    its place written to `pipe` (both file descriptors)."""
    offset = 0
    for item in items:
        data = pickle.dumps(item, pickle.HIGHEST_PROTOCOL)
        write_all(spool, data)
        write_all(pipe, _PLACE.pack(offset, len(data)))
        offset += len(data)


def write_all(fd, data):
    """Write all of `data` to the file descriptor `fd` (os.write may write only part)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class InChild:
    """`function(*args)` computed in a forked child process while this one goes on.

    The child sends its result back pickled, through a pipe, and leaves with os._exit
    (none of this process's cleanup runs twice). `result()` waits for it and returns None
    when the child failed in any way (an exception, a crash, a result that would not
    pickle): the caller then does the work itself, and fails or logs as it would have.
    `close()` stops a child still working, for a build that failed meanwhile.

    InChild.streaming(function, *args): `function` is a generator, and the child hands
    over each item as soon as it is made; `next_item()` waits for the next one (None
    once the child is done, or failed). The items go through a temporary file, the pipe
    carrying only where each one is: a pipe holds 64 KB, and a child whose items this
    process is not reading yet would stop at the first full pipe.
    """

    def __init__(self, function, *args, spool=None):
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no process to be had: the pipe is not left open
            os.close(read_end)
            os.close(write_end)
            raise
        if pid == 0:  # the child: compute, send, and leave without any cleanup
            status = 1
            try:
                os.close(read_end)
                if spool is not None:
                    _send_items(function(*args), spool.fileno(), write_end)
                else:
                    data = pickle.dumps(function(*args), pickle.HIGHEST_PROTOCOL)
                    with os.fdopen(write_end, "wb") as pipe:
                        pipe.write(data)
                status = 0
            finally:
                for stream in (sys.stdout, sys.stderr):  # what it printed, not lost
                    with contextlib.suppress(Exception):
                        stream.flush()
                os._exit(status)
        os.close(write_end)
        self.pid, self._pipe = pid, os.fdopen(read_end, "rb")
        self._spool = spool

    @classmethod
    def streaming(cls, function, *args):
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the child (close)
        try:
            return cls(function, *args, spool=spool)
        except BaseException:
            spool.close()
            raise

    def next_item(self):
        if self.pid is None:
            return None
        try:
            where = self._pipe.read(_PLACE.size)
            if len(where) == _PLACE.size:
                offset, size = _PLACE.unpack(where)
                return pickle.loads(os.pread(self._spool.fileno(), size, offset))
        except Exception:  # noqa: BLE001 - a child that failed midway: as if it ended
            pass
        self.close()
        return None

    def result(self):
        try:
            data = self._pipe.read()
            return pickle.loads(data) if data else None
        except Exception:  # noqa: BLE001 - whatever went wrong, the caller does the work
            return None
        finally:
            self.close()

    def finished(self, timeout=0):
        """Whether the child has answered (or ended), waiting at most `timeout` seconds."""
        if self.pid is None:
            return True
        return bool(select.select([self._pipe], [], [], timeout)[0])

    def close(self):
        if self.pid is None:
            return
        self._pipe.close()
        if self._spool is not None:
            self._spool.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)  # nothing, if it has already left
        os.waitpid(self.pid, 0)
        self.pid = None


def _apply(function, items):
    return [function(item) for item in items]


def _apply_quietly(function, items):
    """_apply in a child: None if anything logged a warning (see map_in_two)."""
    flag = only_flag_warnings()
    results = _apply(function, items)
    return None if flag.raised else results


class MapInChild:
    """[function(item) for item in items] computed in a forked child from now on, while
    this process does other work. `results()` waits for it; if the child failed or
    logged a warning, they are computed here instead, so errors are raised and warnings
    logged here, once, in order (as map_in_two does for its half)."""

    def __init__(self, function, items):
        self.function, self.items = function, list(items)
        self._child = InChild(_apply_quietly, function, self.items)

    def results(self):
        theirs = self._child.result()
        return theirs if theirs is not None else _apply(self.function, self.items)

    def close(self):
        """Stop the child: its results will not be asked for."""
        self._child.close()


def map_in_two(function, items, at_least):
    """[function(item) for item in items], the second half computed in a forked child
    when there are `at_least` items and a second process can run. The child's half is
    computed here again if the child failed or logged a warning, so errors are raised
    and warnings logged here, once, in order."""
    items = list(items)
    if len(items) < at_least or not can_fork():
        return _apply(function, items)
    cut = len(items) // 2
    try:
        theirs = MapInChild(function, items[cut:])
    except OSError:  # no process to be had now: all of it here
        return _apply(function, items)
    try:
        mine = _apply(function, items[:cut])
    except BaseException:
        theirs.close()
        raise
    return mine + theirs.results()
