"""Validate HTML with the Nu Html Checker (vnu.jar from the npm package vnu-jar, pinned in
package.json: current enough to know CSP 'wasm-unsafe-eval' and today's CSS).

One `java` run checks every page (the JVM start costs more than the pages). Shared by
the browser tests and `invoke check`.
"""

import contextlib
import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

ERROR_TYPES = {"error", "non-document-error"}


ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_jar():
    """The path of vnu.jar, installing the npm packages first when they are missing."""
    if not VNU_JAR.is_file():
        from sitetools.system_deps import ensure_node_packages

        ensure_node_packages()
    return VNU_JAR


def _path_of(url):
    """vnu reports files as file:/abs/path URLs."""
    return unquote(urlsplit(url).path) if url.startswith("file:") else url


def format_messages(report, base=None):
    """Turn vnu's JSON report into "page:line:column: message" lines, errors only."""
    lines = []
    for message in report.get("messages", []):
        if message.get("type") not in ERROR_TYPES:
            continue  # "info" carries warnings and notes: not errors
        where = _path_of(message.get("url", "?"))
        if base is not None:
            with contextlib.suppress(ValueError):  # outside `base`: keep the full path
                where = str(Path(where).relative_to(base))
        line = message.get("firstLine") or message.get("lastLine")
        column = message.get("firstColumn") or message.get("lastColumn")
        position = f":{line}:{column}" if line else ""
        lines.append(f"{where}{position}: {message.get('message', '').strip()}")
    return lines


def validate_html(paths, base=None):
    """Check HTML files with the Nu Html Checker; return one line per error ([] = valid).

    `base` (a folder) makes the reported paths relative to it.
    """
    paths = [str(Path(p).resolve()) for p in paths]
    if not paths:
        return []
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("The Nu Html Checker needs Java: install default-jre-headless")
    command = [java, "-Xss4m", "-jar", str(vnu_jar()), "--format", "json", "--exit-zero-always"]
    result = subprocess.run(
        [*command, *paths], capture_output=True, text=True, timeout=600, check=False
    )
    output = result.stderr + result.stdout
    # The report is one JSON line; the JVM may print notes (e.g. _JAVA_OPTIONS) around it.
    report_line = next(
        (ln for ln in output.splitlines() if ln.startswith("{") and '"messages"' in ln), ""
    )
    try:
        report = json.loads(report_line)
    except json.JSONDecodeError as error:
        raise RuntimeError(
            f"The Nu Html Checker did not report JSON (exit {result.returncode}): {output[:2000]}"
        ) from error
    return format_messages(report, base=Path(base).resolve() if base else None)
