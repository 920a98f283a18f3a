"""Build the site, failing loudly and readably.

`python -m sitetools.build --settings pelicanconf.py --output output` is what
`invoke build` runs. The content linter runs first (sitetools/content_lint.py): on any
problem it prints them all and nothing is built (`--no-lint` skips it, for benchmarks);
with the content cache on, it reads only the files changed since the last build.
Every ERROR logged fails the build (plugins/strict_build); the author sees one short
message per problem, with the file (and line) and the fix; the traceback only with --debug.
"""

import argparse
import atexit
import gc
import json
import logging
import os
import re
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_command(output, settings="pelicanconf.py", content=None, extra=()):
    """The command line of one build into `output`, with its caches beside it.

    What the tests, the browser suite and the local server run: a fresh process each
    time, as `invoke build` does.
    """
    command = [
        sys.executable,
        "-m",
        "sitetools.build",
        "--settings",
        str(ROOT / settings),
        "--output",
        str(output),
        "--set",
        f'CACHE_PATH="{Path(output).parent / "cache"}"',
        *extra,
    ]
    if content:
        command += ["--content", str(content)]
    return command


def parse_overrides(pairs):
    """Turn ["KEY=json-or-text", ...] into a settings dict."""
    overrides = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key.isupper():
            raise SystemExit(f"--set expects KEY=VALUE with an upper-case KEY, got {pair!r}")
        try:
            overrides[key] = json.loads(raw)
        except json.JSONDecodeError:
            overrides[key] = raw
    return overrides


def build(settings_file, output, content=None, overrides=None, debug=False, lint=True):
    """Lint the content, then run Pelican once; return the process exit code."""
    override = {"OUTPUT_PATH": str(Path(output).resolve())}
    if content:
        override["PATH"] = str(Path(content).resolve())
    override.update(overrides or {})
    early = None
    if lint:  # before importing Pelican: the linter's child imports on the other core
        from sitetools.content_lint import EarlyLint

        early = EarlyLint(settings_file, override)
    try:
        return _build(settings_file, override, debug, lint, early)
    finally:
        if early is not None:
            early.close()


# The signal sent once the content linter passed (a blinker signal by name: plugins
# connect to it without importing sitetools).
CONTENT_LINTED = "sitetools.content_linted"


def run_linter(pelican, early):
    """The content's problems. With none, the prompt cards the linter parsed go to the
    plugins (the prompt_cards plugin takes them rather than parse every post again);
    they are not kept here while the site is built."""
    from blinker import signal

    from sitetools.content_lint import lint_cache, lint_content

    settings, cards = pelican.settings, {}
    problems = lint_content(settings["PATH"], settings, lint_cache(settings), early, cards)
    if not problems:
        signal(CONTENT_LINTED).send(pelican, cards=cards)
    return problems


def _build(settings_file, override, debug, lint_first, early):
    from pelican import Pelican
    from pelican.log import init as init_logging
    from pelican.settings import read_settings

    from sitetools.content_lint import report

    init_logging(level=logging.DEBUG if debug else logging.WARNING, name="pelican")
    settings = None
    try:
        settings = read_settings(str(settings_file), override=override)
        # Plugins start now (checking their settings; search_index may start Pagefind on
        # the unchanged articles), so their early work overlaps the linting. Nothing is
        # read or written before run().
        pelican = Pelican(settings)
        # What starting made (modules, classes, settings, plugins) lives as long as the
        # process: frozen, the collector's full collections while the content is read
        # no longer go through it (0.04 -> 0.01 s at N = 1000). The page renderers'
        # fork unfreezes it (incremental_output/split.py).
        gc.freeze()
        if lint_first:
            problems = run_linter(pelican, early)
            if problems:
                consequence = " Nothing was built: fix them and build again."
                return report(problems, sys.stderr, consequence)
        pelican.run()
    except Exception as error:  # noqa: BLE001 - every failure becomes one readable message
        if debug:
            traceback.print_exc()
        print(
            "\nBuild failed:", *describe_failure(error, settings or {}), sep="\n", file=sys.stderr
        )
        if not debug:
            print("(run with --debug for the full traceback)", file=sys.stderr)
        return 1
    return 0


def describe_failure(error, settings):
    """The lines the author reads for a failed build: where it failed, and the fix."""
    import jinja2

    from sitetools.content_lint import shown_path

    if isinstance(error, jinja2.TemplateSyntaxError):
        where = shown_path(error.filename or error.name or "a template")
        return [
            f"{where}:{error.lineno}: template syntax error: {error.message} — check the "
            "{% %} tags on that line: every if, for and block needs its end tag"
        ]
    if isinstance(error, jinja2.TemplateNotFound):
        return [
            f"the template {error.name!r} does not exist — check a post's Template: line, "
            "or add the file to theme/templates/"
        ]
    if isinstance(error, jinja2.UndefinedError):
        return [
            f"{template_location(error)}: {error.message} — check the spelling of the "
            "name, or write {% if name is defined %} around the line that uses it"
        ]
    records = getattr(error, "records", None)  # plugins/strict_build.BuildFailed
    if records:
        return [describe_logged_error(message, cause, settings) for message, cause in records]
    if isinstance(error, ValueError):  # settings errors from plugins: already worded for her
        return [str(error)]
    return [f"{type(error).__name__}: {error}"]


def template_location(error):
    """`template.html:line` of the innermost template frame in a Jinja error's traceback."""
    from sitetools.content_lint import shown_path

    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.endswith((".html", ".xml", ".j2", ".jinja"))
    ]
    if not frames:
        return "a template"
    return f"{shown_path(frames[-1].filename)}:{frames[-1].lineno}"


def describe_logged_error(message, cause, settings):
    """One error Pelican logged, with the content file's path as the author knows it."""
    from sitetools.content_lint import shown_path

    message = message.strip().splitlines()[0] if message.strip() else "error"
    unreadable = re.match(r"Could not process (?P<path>.+)$", message)
    if unreadable:
        path = Path(settings.get("PATH", ".")) / unreadable.group("path")
        reason = f" ({cause})" if cause is not None else ""
        return (
            f"{shown_path(path)}: Pelican could not read this file{reason} — correct it "
            "(`invoke lint` explains the usual mistakes), then build again"
        )
    return f"{message}: {cause}" if cause is not None else message


# glibc's default size from which a block gets a mapping of its own (M_MMAP_THRESHOLD).
DEFAULT_MMAP_THRESHOLD = 128 * 1024


def hand_back_large_blocks():
    """Keep glibc's mmap threshold at its default for the whole build, so every block of
    128 KiB or more is mapped on its own and handed back to the system when freed.

    Left alone, glibc raises the threshold to the size of each large block freed (up to
    32 MiB); the build's large, short-lived buffers (Pagefind's requests and answers, the
    page texts of a batch) then come from the heap, whose freed pages stay resident
    around the objects that outlive them. Measured at N = 4000: the build's peak RSS
    300 MB against 226 MB with the threshold fixed (the same at 64 and 256 KiB), and its
    forked page renderers' 230-241 MB against 215-220 MB. Not glibc: nothing to change.
    (The image workers, which reuse their buffers, set the opposite:
    prompt_cards.imagecache.keep_freed_memory.)
    """
    from plugins.forking import M_MMAP_THRESHOLD, glibc_function

    mallopt = glibc_function("mallopt")
    if mallopt is not None:
        mallopt(M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD)


def main(argv=None):
    hand_back_large_blocks()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default=str(ROOT / "pelicanconf.py"))
    parser.add_argument("--output", default=str(ROOT / "output"))
    parser.add_argument("--content", help="content folder (default: the settings' PATH)")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a setting")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument(
        "--no-lint", action="store_true", help="skip the content linter (for benchmarks)"
    )
    args = parser.parse_args(argv)
    overrides = parse_overrides(args.set)
    return build(args.settings, args.output, args.content, overrides, args.debug, not args.no_lint)


def leave(status):
    """Exit with `status`. After a successful build, without the interpreter freeing the
    site's objects one by one (~0.1 s at 1,000 articles): atexit handlers still run and
    the output is flushed, only the teardown is skipped. Under a profiler (`python -m
    cProfile -o ...`, as `invoke bench --profile` runs it) the normal exit, for the
    profiler writes its results when the build returns."""
    if status or sys.getprofile() is not None:
        sys.exit(status)
    atexit._run_exitfuncs()  # what the interpreter would run at exit (no public API)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    leave(main())
