"""Benchmark this site's build against stock Pelican and bare Markdown.

python -m bench [--sizes 100,1000] [--large] [--runs 5] [--json PATH] [--strict] [--profile]
                [--breakdown]
"""

import argparse
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench import report
from bench.corpus import DEFAULT_SEED
from bench.runner import ROOT, Bench, BenchError, machine

RESULTS = ROOT / "bench" / "results"


def parse_sizes(text, large=False):
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise SystemExit(f"--sizes expects numbers separated by commas, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise SystemExit(f"--sizes expects positive numbers, got {text!r}")
    if large and 4000 not in sizes:
        sizes.append(4000)
    return sorted(set(sizes))


def say(line):
    print(line, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="corpus sizes (default 100,1000)")
    parser.add_argument("--large", action="store_true", help="add N=4000 (checks peak RSS)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per build (median)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first")
    parser.add_argument("--json", default=str(RESULTS / "latest.json"), help="JSON output")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--profile", action="store_true", help="cProfile the largest size")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also time an HTML-only build with search off (what search and images cost)",
    )
    parser.add_argument("--settings", default=str(ROOT / "pelicanconf.py"))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--workdir", help="scratch folder (default: a temporary one)")
    parser.add_argument(
        "--stock-markdown",
        choices=("site", "pelican"),
        default="site",
        help="stock Pelican's MARKDOWN: the site's (default) or Pelican's own (codehilite)",
    )
    args = parser.parse_args(argv)
    sizes = parse_sizes(args.sizes, args.large)
    if args.runs < 1 or args.warmup < 0:
        raise SystemExit("--runs must be at least 1 and --warmup at least 0")

    with tempfile.TemporaryDirectory(prefix="bench-", dir=args.workdir) as workdir:
        try:
            if args.profile:
                from bench.profile import profile_site

                bench = Bench(max(sizes), workdir, args.settings, seed=args.seed, say=say)
                say(profile_site(bench, RESULTS))
                return 0
            results = {}
            for n in sizes:
                say(f"N={n}: {args.warmup} warm-up + {args.runs} timed runs per build")
                bench = Bench(
                    n,
                    workdir,
                    args.settings,
                    args.runs,
                    args.warmup,
                    args.seed,
                    say,
                    args.stock_markdown,
                    args.breakdown,
                )
                results[n] = bench.run()
        except BenchError as error:
            print(f"bench: a build failed: {error}", file=sys.stderr)
            return 1

    meta = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": Path(args.settings).name,
        "sizes": sizes,
        "runs": args.runs,
        "warmup": args.warmup,
        "seed": args.seed,
        "stock_markdown": args.stock_markdown,
        "breakdown": args.breakdown,
    }
    document = report.document(results, meta)
    table = report.table(document["rows"])
    targets = report.targets_text(document["targets"])
    say(f"\n{table}\n\nTargets:\n{targets}")
    output = Path(args.json)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    output.with_suffix(".md").write_text(f"{table}\n\n{targets}\n", encoding="utf-8")
    say(f"\nWrote {output} and {output.with_suffix('.md')}")
    if args.strict and report.any_failed(document["targets"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
