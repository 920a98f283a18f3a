"""cProfile one build of this site and say where the time goes.

`invoke bench --profile` builds the corpus cold and then warm (one article edited)
under `python -m cProfile`, writes the top cumulative entries to
bench/results/profile-<scenario>.txt, and prints own time grouped by package (Pelican,
Markdown, Jinja, our plugins one by one, our templates, ...).
"""

import io
import pstats
from pathlib import Path

from bench.corpus import edit_article
from bench.runner import ROOT, timed_run

TOP = 60


def category(filename, root=ROOT):
    """Where a profiled function lives: 'plugins/<name>', 'theme templates', a package..."""
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins"
    path = Path(filename)
    try:
        parts = path.resolve().relative_to(Path(root).resolve()).parts
    except ValueError:
        parts = None
    if parts and parts[0] not in (".venv",):
        if parts[0] == "plugins" and len(parts) > 1:
            return f"plugins/{parts[1]}"
        if parts[0] == "theme":
            return "theme templates"
        return parts[0]
    segments = path.parts
    if "site-packages" in segments:
        package = segments[segments.index("site-packages") + 1]
        return package.removesuffix(".py")
    return "python stdlib"


def own_time_by_category(stats, root=ROOT):
    """{category: seconds of own time}, largest first, from pstats' raw dict.

    Time spent in built-in functions (str.join, re, file writes, pickle...) is charged
    to the code that called them, so it shows up under the package that asked for it.
    """
    totals = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, callers) in stats.items():
        key = category(filename, root)
        shares = {}
        if key == "builtins" and callers:
            for caller, (_ccc, _cnc, caller_tottime, _cct) in callers.items():
                owner = category(caller[0], root)
                shares[owner] = shares.get(owner, 0.0) + caller_tottime
        for owner, seconds in (shares or {key: tottime}).items():
            totals[owner] = totals.get(owner, 0.0) + seconds
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def summary(stats, root=ROOT, smallest=0.005):
    totals = own_time_by_category(stats, root)
    whole = sum(totals.values()) or 1.0
    return "\n".join(
        f"  {seconds:7.2f} s {seconds * 100 / whole:5.1f}%  {name}"
        for name, seconds in totals.items()
        if seconds >= smallest
    )


def profile_site(bench, results_dir):
    """Profile the site's cold and warm builds of `bench`'s corpus; return the report text."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    site = bench.site
    texts = []
    for revision, scenario in enumerate(("cold", "warm")):
        if scenario == "warm":
            edit_article(bench.edited, revision)
        site.prepare(scenario)
        raw = results_dir / f"profile-{scenario}.prof"
        command = site.command(scenario)
        command[1:3] = ["-m", "cProfile", "-o", str(raw), "-m", "sitetools.build"]
        seconds, _rss, _cpu = timed_run(command, ROOT, bench.logs / f"profile-{scenario}.log")
        stream = io.StringIO()
        stats = pstats.Stats(str(raw), stream=stream)
        head = f"N={bench.n}, {scenario} build under cProfile: {seconds:.2f} s wall\n"
        grouped = f"Own time by where the code lives:\n{summary(stats.stats)}\n"
        stats.sort_stats("cumulative").print_stats(TOP)
        (results_dir / f"profile-{scenario}.txt").write_text(
            head + "\n" + grouped + "\n" + stream.getvalue(), encoding="utf-8"
        )
        texts.append(
            head + grouped + f"  (top {TOP} cumulative: {results_dir}/profile-{scenario}.txt)"
        )
    return "\n".join(texts)
