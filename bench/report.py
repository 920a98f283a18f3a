"""Pure functions for the benchmark's numbers: medians, ratios, targets, table, JSON.

Nothing here touches the disk or runs anything; `bench.runner` feeds it measurements:
{n: {(system, scenario): {"seconds": [...], "rss_kb": [...]}}}.
"""

import statistics
from dataclasses import dataclass

SYSTEM_LABELS = {
    "site": "(a) this site",
    "stock": "(b) stock Pelican",
    "floor": "(c) Markdown only",
}
SCENARIO_LABELS = {
    "cold": "cold",
    "warm": "warm, 1 edit",
    "html-only": "HTML-only",
    "html-only-no-search": "HTML-only, search off",
    "convert": "convert all",
}
# What each row is compared with: (a)/(b) uses stock Pelican in the same situation,
# except HTML-only, which has no stock counterpart and is held against stock cold.
STOCK_BASELINE = {
    "cold": "cold",
    "warm": "warm",
    "html-only": "cold",
    "html-only-no-search": "cold",
}
FLOOR = ("floor", "convert")
ROW_ORDER = (
    ("site", "cold"),
    ("stock", "cold"),
    ("floor", "convert"),
    ("site", "warm"),
    ("stock", "warm"),
    ("site", "html-only"),
    ("site", "html-only-no-search"),
)


@dataclass(frozen=True)
class Target:
    key: str
    description: str
    n: int
    metric: str  # "seconds" (median wall time) or "rss_kb" (peak)
    ours: tuple
    baseline: tuple
    limit: float


TARGETS = (
    Target(
        "cold",
        "cold full build (images included) <= 1.5x stock Pelican cold",
        1000,
        "seconds",
        ("site", "cold"),
        ("stock", "cold"),
        1.5,
    ),
    Target(
        "warm",
        "warm rebuild after editing one article <= 0.5x stock Pelican cold",
        1000,
        "seconds",
        ("site", "warm"),
        ("stock", "cold"),
        0.5,
    ),
    Target(
        "html-only",
        "HTML-only build (images cached) <= 1.0x stock Pelican cold",
        1000,
        "seconds",
        ("site", "html-only"),
        ("stock", "cold"),
        1.0,
    ),
    Target(
        "rss",
        "peak RSS, cold build <= 1.2x stock Pelican",
        4000,
        "rss_kb",
        ("site", "cold"),
        ("stock", "cold"),
        1.2,
    ),
)


def median(values):
    return statistics.median(values) if values else None


def peak(values):
    return max(values) if values else None


def ratio(numerator, denominator):
    """numerator / denominator, or None when either is missing or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def statistic(measurement, metric):
    """The figure a target compares: peak RSS, or the median of a time metric."""
    if measurement is None or metric not in measurement:
        return None
    if metric == "rss_kb":
        return peak(measurement["rss_kb"])
    return median(measurement[metric])


def rows_for(n, measurements):
    """One dict per measured (system, scenario) at corpus size n, with its ratios."""
    floor_seconds = statistic(measurements.get(FLOOR), "seconds")
    rows = []
    keys = [key for key in ROW_ORDER if key in measurements]
    keys += [key for key in measurements if key not in ROW_ORDER]
    for system, scenario in keys:
        measurement = measurements[(system, scenario)]
        seconds = statistic(measurement, "seconds")
        cpu = statistic(measurement, "cpu_seconds")
        stock = None
        if system == "site" and scenario in STOCK_BASELINE:
            stock = measurements.get(("stock", STOCK_BASELINE[scenario]))
        rss = peak(measurement["rss_kb"])
        rows.append(
            {
                "n": n,
                "system": system,
                "scenario": scenario,
                "runs": len(measurement["seconds"]),
                "seconds": seconds,
                "all_seconds": list(measurement["seconds"]),
                "ms_per_article": seconds * 1000 / n if n else None,
                "cpu_seconds": cpu,
                "all_cpu_seconds": list(measurement.get("cpu_seconds", [])),
                "vs_stock": ratio(seconds, statistic(stock, "seconds")),
                "cpu_vs_stock": ratio(cpu, statistic(stock, "cpu_seconds")),
                "vs_stock_baseline": f"stock {STOCK_BASELINE[scenario]}" if stock else None,
                "vs_floor": None if system == "floor" else ratio(seconds, floor_seconds),
                "peak_rss_mb": rss / 1024 if rss is not None else None,
            }
        )
    return rows


def check_targets(results, targets=TARGETS):
    """Each target: the measured ratio and PASS/FAIL, or passed=None if not measured."""
    checked = []
    for target in targets:
        measurements = results.get(target.n, {})
        value = ratio(
            statistic(measurements.get(target.ours), target.metric),
            statistic(measurements.get(target.baseline), target.metric),
        )
        cpu = None
        if target.metric == "seconds":
            cpu = ratio(
                statistic(measurements.get(target.ours), "cpu_seconds"),
                statistic(measurements.get(target.baseline), "cpu_seconds"),
            )
        checked.append(
            {
                "key": target.key,
                "description": target.description,
                "n": target.n,
                "ratio": value,
                "cpu_ratio": cpu,
                "limit": target.limit,
                "passed": None if value is None else value <= target.limit,
            }
        )
    return checked


def verdict(target):
    return {True: "PASS", False: "FAIL", None: "not measured"}[target["passed"]]


def _number(value, digits):
    return "-" if value is None else f"{value:.{digits}f}"


def _times(value):
    return "-" if value is None else f"{value:.2f}x"


TABLE_HEADER = (
    "| N | system | build | wall s (median) | ms/article | × stock (a/b) | × Markdown (a/c) "
    "| CPU s (median) | CPU × stock | peak RSS MB |",
    "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
)


def table(rows):
    """A Markdown table (printed as is, and pasted into the README)."""
    lines = list(TABLE_HEADER)
    for row in rows:
        lines.append(
            f"| {row['n']} | {SYSTEM_LABELS[row['system']]} | "
            f"{SCENARIO_LABELS[row['scenario']]} | {_number(row['seconds'], 2)} | "
            f"{_number(row['ms_per_article'], 2)} | {_times(row['vs_stock'])} | "
            f"{_times(row['vs_floor'])} | {_number(row['cpu_seconds'], 2)} | "
            f"{_times(row['cpu_vs_stock'])} | {_number(row['peak_rss_mb'], 0)} |"
        )
    return "\n".join(lines)


def targets_text(checked):
    lines = []
    for target in checked:
        measured = "" if target["ratio"] is None else f": {target['ratio']:.2f}x"
        if target["cpu_ratio"] is not None:
            measured += f" (CPU time: {target['cpu_ratio']:.2f}x)"
        lines.append(f"{verdict(target):>12}  N={target['n']} {target['description']}{measured}")
    return "\n".join(lines)


def any_failed(checked):
    return any(target["passed"] is False for target in checked)


def document(results, meta):
    """Everything as one JSON-ready dict."""
    rows = [row for n in sorted(results) for row in rows_for(n, results[n])]
    return {**meta, "rows": rows, "targets": check_targets(results)}
