"""Lighthouse (npm lighthouse, pinned in package.json) on the production build.

`invoke lighthouse` (and `invoke check --lighthouse`) builds the site with the publish
settings for a local address, serves it on 127.0.0.1 and runs Lighthouse with Debian's
Chromium on each page in LIGHTHOUSE_PATHS: every category must score 100. One run per
page, mobile (Lighthouse's default: a mid-range phone on slow 4G), about 10 s each.
"""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sitetools.local_site import build_for, serve
from sitetools.system_deps import ensure_node_packages

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROME_PATH = "/usr/bin/chromium"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")

# The pages Lighthouse scores, as paths on the site: the index, the article and a
# booking page.
LIGHTHOUSE_PATHS = [
    "/",
    "/the-ingredients/",
    "/book/california/",
]


def summarise(url, report):
    """(scores, failures) from one Lighthouse JSON report.

    scores: {category: 0-100 or None}; failures: one line per category under 100 or
    missing, naming the audits that cost points.
    """
    failures = []
    if report.get("runtimeError"):
        error = report["runtimeError"]
        failures.append(f"{url}: Lighthouse failed: {error.get('code')}: {error.get('message')}")
    scores = {}
    categories = report.get("categories", {})
    audits = report.get("audits", {})
    for name in CATEGORIES:
        category = categories.get(name)
        score = None if not category or category.get("score") is None else category["score"]
        scores[name] = None if score is None else round(score * 100)
        if scores[name] == 100:
            continue
        costly = []
        for ref in (category or {}).get("auditRefs", []):
            audit = audits.get(ref["id"], {})
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                shown = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
                costly.append(f"{audit.get('title', ref['id'])}{shown}")
        failures.append(
            f"{url}: {name} scored {scores[name]}, not 100"
            + (": " + "; ".join(costly) if costly else "")
        )
    return scores, failures


def lighthouse_command(url, output_path):
    return [
        shutil.which("node") or "node",
        str(CLI),
        url,
        "--output=json",
        f"--output-path={output_path}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--quiet",
    ]


def run_lighthouse(urls, timeout=180):
    """Run Lighthouse once on each URL; return ({url: {category: score}}, failures)."""
    ensure_node_packages()
    env = {**os.environ, "CHROME_PATH": CHROME_PATH}
    all_scores, failures = {}, []
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        for index, url in enumerate(urls):
            report_path = Path(tmp) / f"report-{index}.json"
            result = subprocess.run(
                lighthouse_command(url, report_path),
                capture_output=True,
                text=True,
                env=env,
                timeout=timeout,
                check=False,
            )
            if result.returncode != 0 or not report_path.is_file():
                all_scores[url] = dict.fromkeys(CATEGORIES)
                output = (result.stderr or result.stdout).strip()[-2000:]
                failures.append(f"{url}: Lighthouse exited {result.returncode}: {output}")
                continue
            report = json.loads(report_path.read_text(encoding="utf-8"))
            all_scores[url], url_failures = summarise(url, report)
            failures += url_failures
    return all_scores, failures


def check_site(paths=LIGHTHOUSE_PATHS, settings="publishconf.py"):
    """Build with `settings` for a local address, serve it, run Lighthouse on `paths`."""
    with tempfile.TemporaryDirectory(prefix="lighthouse-site-") as tmp:
        output = Path(tmp) / "output"
        output.mkdir()
        with serve(output) as base_url:
            built = build_for(base_url, output, settings=settings)
            if built.returncode != 0:
                return {}, [f"The build failed:\n{built.stdout}{built.stderr}"]
            return run_lighthouse([base_url + path for path in paths])


def format_scores(scores):
    """A small table: one line per URL, one column per category."""
    header = "page".ljust(40) + "".join(name.rjust(16) for name in CATEGORIES)
    lines = [header]
    for url, by_category in scores.items():
        cells = "".join(str(by_category.get(name, "-")).rjust(16) for name in CATEGORIES)
        lines.append(url.ljust(40) + cells)
    return "\n".join(lines)
