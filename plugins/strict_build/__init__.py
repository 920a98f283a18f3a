"""Fail the build when anything logs an error.

Pelican's default is to log a broken article, skip it and exit 0; on a site that is
deployed with rsync that silently deletes the article from the server. This plugin
records every ERROR logged during a build and, once Pelican has finished, raises
`BuildFailed` listing them, so `pelican` and `invoke build` exit non-zero.
"""

import logging
import sys

from pelican import signals


class BuildFailed(RuntimeError):
    """Raised at the end of a build during which errors were logged."""

    exitcode = 1


class _ErrorCollector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records = []

    def emit(self, record):
        if record.levelno >= logging.CRITICAL:  # CRITICAL is Pelican's own exit path
            return
        # Pelican logs "Could not process <file>" without the exception unless DEBUG
        # is on; emit() runs inside its except block, so the cause is still at hand.
        cause = (record.exc_info or sys.exc_info())[1]
        self.records.append((record.getMessage(), cause))


_collector = _ErrorCollector()


def describe(records):
    """One line per error, for the final message: what was logged, and why."""
    lines = []
    for message, cause in records:
        line = message.strip().splitlines()[0] if message.strip() else "error"
        if cause is not None:
            line += f": {cause}"
        lines.append(line)
    return lines


def start_collecting(pelican):
    _collector.records.clear()
    root = logging.getLogger()
    if _collector not in root.handlers:
        root.addHandler(_collector)


def fail_if_errors(pelican):
    logging.getLogger().removeHandler(_collector)
    records = list(_collector.records)
    errors = describe(records)
    _collector.records.clear()
    if errors:
        failure = BuildFailed(
            f"the build logged {len(errors)} error(s); nothing is published "
            "until they are fixed:\n  - " + "\n  - ".join(errors)
        )
        failure.records = records  # [(message, cause)]: sitetools.build words them for the author
        raise failure


def register():
    # initialized: before any content is read; finalized: after every file is written.
    signals.initialized.connect(start_collecting)
    signals.finalized.connect(fail_if_errors)
