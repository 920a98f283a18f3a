"""The floor: Python-Markdown converting every article of a corpus, and nothing else.

`python -m bench.floor CORPUS --markdown JSON` converts each *.md file under CORPUS with
one Markdown instance (reset between files) configured exactly like the site's
Pelican reader (the JSON is the site's resolved MARKDOWN setting). No Pelican import.
"""

import argparse
import json
import sys
from pathlib import Path

import markdown


def convert_all(paths, config):
    """Yield the HTML of each file, converted by one Markdown instance."""
    md = markdown.Markdown(**config)
    for path in paths:
        md.reset()
        yield md.convert(Path(path).read_text(encoding="utf-8"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--markdown", required=True, help="the MARKDOWN setting, as JSON")
    args = parser.parse_args(argv)
    paths = sorted(Path(args.corpus).rglob("*.md"))
    if not paths:
        print(f"bench.floor: no *.md files under {args.corpus}", file=sys.stderr)
        return 1
    sum(len(html) for html in convert_all(paths, json.loads(args.markdown)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
