"""Build the site, failing loudly and readably.

`python -m sitetools.build --settings pelicanconf.py --output output` is what
`invoke build` runs. Every ERROR logged fails the build (plugins/strict_build); the
author sees one short message per problem, the traceback only with --debug.
"""

import argparse
import json
import logging
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


def build(settings_file, output, content=None, overrides=None, debug=False):
    """Run Pelican once; return the process exit code."""
    from pelican import Pelican
    from pelican.log import init as init_logging
    from pelican.settings import read_settings

    init_logging(level=logging.DEBUG if debug else logging.WARNING, name="pelican")
    override = {"OUTPUT_PATH": str(Path(output).resolve())}
    if content:
        override["PATH"] = str(Path(content).resolve())
    override.update(overrides or {})
    try:
        settings = read_settings(str(settings_file), override=override)
        Pelican(settings).run()
    except Exception as error:  # noqa: BLE001 - every failure becomes one readable message
        if debug:
            traceback.print_exc()
        print(f"\nBuild failed: {error}", file=sys.stderr)
        if not debug:
            print("(run with --debug for the full traceback)", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default=str(ROOT / "pelicanconf.py"))
    parser.add_argument("--output", default=str(ROOT / "output"))
    parser.add_argument("--content", help="content folder (default: the settings' PATH)")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a setting")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    args = parser.parse_args(argv)
    return build(args.settings, args.output, args.content, parse_overrides(args.set), args.debug)


if __name__ == "__main__":
    sys.exit(main())
