"""Jobs shared between this process and forked children, with the same failures.

`run_split(jobs, run, processes, child_state, merge)` forks `processes - 1` children;
process k runs the jobs k, k + processes, k + 2 * processes, ... (interleaved: pages of
one kind sit together in the queue, so each process gets its fair part of every kind).
A child sends back `child_state()` (what the parent needs: the pages' records, counts),
the log records it made and its error, through a pipe, and ends with os._exit. The
parent merges each answer, replays the child's log records through its own handlers
(so plugins/strict_build counts a child's ERROR as its own), and raises the error of
the earliest failing job, as running every job in order here would: the parent's own
exception as it is, a child's rebuilt (same class and message, and a traceback with
the child's frames, template lines included, so sitetools.build names the template).
"""

import gc
import itertools
import logging
import pickle
import sys
import traceback

try:  # a build: Pelican puts plugins/ (PLUGIN_PATHS) on sys.path
    from forking import InChild, hand_back_free_memory, usable_cores
except ImportError:  # imported as plugins.<name> (the tests)
    from plugins.forking import InChild, hand_back_free_memory, usable_cores


class ChildFailed(RuntimeError):
    """A child's error that could not be sent back as itself."""


def default_processes():
    """Processes to render pages with: both cores, or one on a one-core machine."""
    return max(1, min(2, usable_cores()))


class _Capture(logging.Handler):
    """Keeps every log record a child makes, ready to be pickled."""

    def __init__(self):
        super().__init__(logging.NOTSET)
        self.records = []

    def emit(self, record):
        self.records.append(portable(record))


def portable(record):
    """A copy of `record` that pickles: message formatted, exception kept as text."""
    fields = dict(vars(record))
    fields["msg"], fields["args"] = record.getMessage(), None
    if record.exc_info:
        fields["exc_text"] = record.exc_text or "".join(
            traceback.format_exception(*record.exc_info)
        )
        error = record.exc_info[1]
        fields["exc_info"] = (type(error), error, None) if _pickles(error) else None
    copy = logging.makeLogRecord(fields)
    if _pickles(copy):
        return copy
    keep = ("name", "levelno", "levelname", "pathname", "lineno", "funcName", "created")
    return logging.makeLogRecord({**{k: fields[k] for k in keep}, "msg": fields["msg"]})


def _pickles(value):
    try:
        pickle.loads(pickle.dumps(value))
    except Exception:  # noqa: BLE001 - whatever fails, the value cannot be sent
        return False
    return True


def capture_logging():
    """In a child: one capture instead of every handler (the parent emits), on each
    logger where a record's way up ends (the root, and loggers that do not propagate)."""
    capture = _Capture()
    loggers = [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        logger.handlers = [] if logger.propagate else [capture]
    logging.getLogger().handlers = [capture]
    return capture


def replay(records):
    """Emit a child's log records here, through the loggers they were made by."""
    for record in records:
        logger = logging.getLogger(record.name)
        try:
            logger.handle(record)
        except Exception as error:  # pelican.log's filters raise to drop a record
            if type(error).__name__ != "FilteredMessage":
                raise


def error_payload(error):
    """What the parent needs to raise `error` again: itself if it pickles, its frames."""
    frames = [
        (frame.filename, frame.lineno or 1, frame.name)
        for frame in traceback.extract_tb(error.__traceback__)
    ]
    payload = {"frames": frames, "type": type(error).__qualname__, "text": str(error)}
    plain = error.with_traceback(None)
    if _pickles(plain):
        payload["error"] = pickle.dumps(plain)
    return payload


def rebuilt_error(payload):
    """The child's exception, with a traceback made of the child's frames."""
    if "error" in payload:
        error = pickle.loads(payload["error"])
    else:
        error = ChildFailed(f"{payload['type']}: {payload['text']}")
    tracebacks = [_frame(*frame) for frame in payload["frames"]]
    tracebacks = [tb for tb in tracebacks if tb is not None]
    for outer, inner in itertools.pairwise(tracebacks):
        outer.tb_next = inner
    return error.with_traceback(tracebacks[0] if tracebacks else None)


class _Here(Exception):
    """Raised to make a traceback frame at a given file and line."""


def _frame(filename, lineno, name):
    """A one-frame traceback at `filename:lineno` in a function called `name`."""
    try:
        code = compile("\n" * (lineno - 1) + "raise __here__", filename, "exec")
        code = code.replace(co_name=name)
    except (SyntaxError, ValueError):
        return None
    try:
        exec(code, {"__here__": _Here(), "__name__": name})  # only raises _Here
    except _Here:
        return sys.exc_info()[2].tb_next
    return None


def run_split(jobs, run, processes, child_state, merge):
    """Run `run(job)` for every job in `processes` processes; see the module docstring."""
    shares = _shares(jobs, processes)
    children = _fork_children(jobs, shares[1:], run, child_state)
    failure = None
    try:
        failure = _run_share(jobs, shares[0], run)
    except BaseException:  # KeyboardInterrupt, SystemExit: no waiting for the children
        _stop(children)
        raise
    _collect(children, merge, [failure] if failure is not None else [])


class InBackground:
    """`run(job)` for every job in `processes` forked children, while this process goes
    on (with the next generator's pages); `finish(merge)` waits for them, merges their
    answers and raises the error of the earliest failing job, as run_split does."""

    def __init__(self, jobs, run, processes, child_state):
        self.children = _fork_children(jobs, _shares(jobs, processes), run, child_state)

    def finish(self, merge):
        children, self.children = self.children, []
        _collect(children, merge, [])

    def stop(self):
        children, self.children = self.children, []
        _stop(children)


def _shares(jobs, processes):
    """The indices of `jobs` dealt out to `processes` processes (at most one per job)."""
    processes = max(1, min(processes, len(jobs)))
    return [range(k, len(jobs), processes) for k in range(processes)]


def _fork_children(jobs, shares, run, child_state):
    sys.stdout.flush()
    sys.stderr.flush()
    children = []
    hand_back_free_memory()
    gc.freeze()  # a child's collections then leave the shared objects' pages unshared
    try:
        for share in shares:
            children.append(InChild(_child_answer, jobs, share, run, child_state))
    except BaseException:
        _stop(children)
        raise
    finally:
        gc.unfreeze()
    return children


def _collect(children, merge, failures):
    """Wait for `children`, merge their answers and replay their logs; raise the error
    of the earliest failing job (`failures`: this process's (index, error), if any)."""
    answers = [_answer(child) for child in children]
    for answer in answers:
        merge(answer["state"])
        replay(answer["records"])
    failures = failures + [
        (answer["error"][0], rebuilt_error(answer["error"][1]))
        for answer in answers
        if answer["error"] is not None
    ]
    if failures:
        raise min(failures, key=lambda failure: failure[0])[1]


def _run_share(jobs, share, run):
    """Run a share; (index, exception) of the job that failed, or None."""
    for index in share:
        try:
            run(jobs[index])
        except Exception as error:  # noqa: BLE001 - raised by run_split, in job order
            return index, error
    return None


def _child_answer(jobs, share, run, child_state):
    """A child's work: its share of the jobs; its answer: the state the parent merges,
    the log records it made and its first error."""
    capture = capture_logging()
    failure = _run_share(jobs, share, run)
    error = None if failure is None else (failure[0], error_payload(failure[1]))
    return {"state": child_state(), "records": capture.records, "error": error}


def _answer(child):
    pid = child.pid
    answer = child.result()
    if answer is None:
        raise ChildFailed(
            f"incremental_output: a process rendering pages (pid {pid}) ended without an "
            "answer; build again with INCREMENTAL_OUTPUT_PROCESSES = 1 to see why"
        )
    return answer


def _stop(children):
    for child in children:
        child.close()
