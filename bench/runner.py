"""Timed whole-process builds: this site, stock Pelican and the Markdown floor.

Every measurement is a fresh subprocess; its wall time comes from perf_counter around
it and its peak RSS from os.wait4 (the largest resident set of the process and any
children it waited for). Systems run interleaved, repetition by repetition, so the
machine's noise falls on all of them alike and the ratios stay meaningful.
"""

import copy
import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpus import DEFAULT_SEED, article_slug, edit_article, write_corpus

ROOT = Path(__file__).resolve().parent.parent
# Settings naming a cache location: Pelican's CACHE_PATH and any plugin's *_CACHE_PATH or
# *_CACHE_DIR. The bench points each at its own scratch folder, so a cold build is cold.
CACHE_SETTING = re.compile(r"CACHE_PATH|[A-Z0-9_]+_CACHE_(PATH|DIR)")


# The site's own code: pip compiles the packages it installs (Pelican, Markdown, ...),
# not these. Where PYTHONDONTWRITEBYTECODE is set (as on the machine CI runs on), every
# build would compile them again, about 50 ms that stock Pelican never pays.
SITE_CODE = ("plugins", "sitetools", "pelicanconf.py", "publishconf.py")


def compile_site_code(root=ROOT):
    """Compile the site's own modules to bytecode, as an installed package is."""
    import compileall

    for name in SITE_CODE:
        path = Path(root) / name
        if path.is_dir():
            done = compileall.compile_dir(path, quiet=1)
        else:
            done = compileall.compile_file(path, quiet=1)
        if not done:
            raise BenchError(f"{path} does not compile: the build would fail")


class BenchError(RuntimeError):
    """A build under measurement failed, or the bench could not set one up."""


def timed_run(command, cwd, log_path, timeout=3600):
    """Run `command` once; return (wall s, peak RSS KiB, CPU s). Raise if it fails.

    CPU time (user + system, the process and the children it waited for) is far less
    disturbed than wall time by other work on a busy machine; both are reported.

    The build is waited for without polling: waking every 5 ms took CPU from a build
    that uses both cores and not from one that uses one (HTML-only, N = 1000, 6 pairs:
    5.26 s against 5.17 s, median), so it was the measurement, not the build.
    """
    timed_out = threading.Event()
    with open(log_path, "wb") as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)

        def stop():
            timed_out.set()
            process.kill()

        timer = threading.Timer(timeout, stop)
        timer.start()
        try:
            _pid, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
    if timed_out.is_set():
        raise BenchError(f"timed out after {timeout} s: {' '.join(command)}")
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        tail = Path(log_path).read_text(encoding="utf-8", errors="replace")[-3000:]
        raise BenchError(f"exit {process.returncode}: {' '.join(map(str, command))}\n{tail}")
    return seconds, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def cache_setting_keys(settings):
    """The settings that name a cache location, CACHE_PATH first."""
    keys = [key for key, value in settings.items() if isinstance(value, str)]
    found = [key for key in keys if CACHE_SETTING.fullmatch(key)]
    return sorted(found, key=lambda key: (key != "CACHE_PATH", key))


def markdown_config(settings):
    """The MARKDOWN setting exactly as Pelican's MarkdownReader completes it."""
    config = copy.deepcopy(settings["MARKDOWN"])
    config.setdefault("extension_configs", {})
    config.setdefault("extensions", [])
    for extension in config["extension_configs"]:
        if extension not in config["extensions"]:
            config["extensions"].append(extension)
    if "markdown.extensions.meta" not in config["extensions"]:
        config["extensions"].append("markdown.extensions.meta")
    return config


def _reset(path, into=None):
    """Make `path` absent without deleting it now: move it aside, into a sibling (or
    into the folder `into`) that the bench's temporary folder takes away at the end.

    Deleting ~10,000 files just before a build makes this machine's ext4 (no journal)
    skip every recently freed inode one by one while the build creates its own: 1.5 to
    2 s of kernel time in a build of 1,000 articles, paid for the benchmark's own `rm`,
    and most by the build that writes the most files. Measured: the same HTML-only
    build took 0.7-1.2 s of system time in a never-used folder, 2.3-2.7 s in one just
    emptied. Moving a folder aside costs one rename."""
    path = Path(path)
    if path.exists():
        folder = path.parent if into is None else Path(into)
        folder.mkdir(parents=True, exist_ok=True)
        for attempt in itertools.count():
            aside = folder / f"{path.name}.discarded-{attempt}"
            if not aside.exists():
                break
        path.rename(aside)


def read_site_settings(settings_file):
    from pelican.settings import read_settings

    return read_settings(str(settings_file))


@dataclass
class Site:
    """(a) This site: our theme and plugins, the given (dev) settings file."""

    settings_file: Path
    corpus: Path
    workdir: Path
    name: str = "site"
    cache_dirs: dict = field(default_factory=dict)

    def __post_init__(self):
        settings = read_site_settings(self.settings_file)
        self.cache_dirs = {
            key: self.workdir / "cache" / key.lower() for key in cache_setting_keys(settings)
        }
        self.output = self.workdir / "output"

    def command(self, scenario):
        """The build for `scenario`: cold, warm, html-only, or html-only-no-search
        (--breakdown: HTML-only with SEARCH_INDEX_ENABLED = False)."""
        command = [sys.executable, "-m", "sitetools.build", "--settings", str(self.settings_file)]
        command += ["--content", str(self.corpus), "--output", str(self.output)]
        for key, path in self.cache_dirs.items():
            command += ["--set", f"{key}={json.dumps(str(path))}"]
        if scenario == "html-only-no-search":
            command += ["--set", "SEARCH_INDEX_ENABLED=false"]
        return command

    def prepare(self, scenario):
        if scenario == "cold":
            _reset(self.output)
            for path in self.cache_dirs.values():
                _reset(path)
        elif scenario in ("html-only", "html-only-no-search"):
            # Only the rendered images stay cached: the output, Pelican's content cache
            # and every other plugin cache (the search index, the content linter's, the
            # compiled templates, ...) go, so every page and the search index are built
            # again, as in a cold build.
            _reset(self.output)
            keep = Path(self.image_cache())
            for path in self.cache_dirs.values():
                if path == keep:
                    continue
                for entry in list(path.iterdir()) if path.is_dir() else []:
                    if entry != keep:
                        _reset(entry, into=self.workdir / "discarded")

    def image_cache(self):
        """The folder of rendered images the build is pointed at."""
        from plugins.prompt_cards.settings import image_cache_path

        paths = {key: str(path) for key, path in self.cache_dirs.items()}
        return image_cache_path({"PROMPT_CARDS_CACHE_PATH": None, **paths})


STOCK_SETTINGS = """# Written by the benchmark: stock Pelican, its default theme, no plugins.
SITENAME = "Benchmark"
TIMEZONE = "UTC"
PATH = {path!r}
OUTPUT_PATH = {output!r}
PLUGINS = []  # an empty list: None would load every installed namespace plugin
CACHE_PATH = {cache!r}
CACHE_CONTENT = {cache_on}
LOAD_CONTENT_CACHE = {cache_on}
"""
# Stock Pelican's default MARKDOWN runs codehilite, which hands every ```prompts block to
# Pygments: no lexer has that name, so Pygments scans its plugins and then guesses a
# lexer by trying them all, about half of stock's build time on this corpus. That would
# flatter us, so by default the stock build converts with the site's MARKDOWN setting:
# both sides then do the same Markdown work and (a)/(b) compares Pelican + theme +
# plugins with Pelican + notmyidea. `--stock-markdown pelican` keeps Pelican's default.
STOCK_MARKDOWN = """# The site's Markdown configuration (see bench/runner.py: STOCK_MARKDOWN).
MARKDOWN = {markdown!r}
"""


@dataclass
class Stock:
    """(b) Stock Pelican 4.12, notmyidea, no plugins; content cache only when warm."""

    corpus: Path
    workdir: Path
    markdown: dict | None = None  # None: Pelican's default MARKDOWN (codehilite)
    name: str = "stock"

    def __post_init__(self):
        self.output = self.workdir / "output"
        self.cache = self.workdir / "cache"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.settings = {}
        for scenario, cache_on in (("cold", False), ("warm", True)):
            path = self.workdir / f"stock-{scenario}.py"
            text = STOCK_SETTINGS.format(
                path=str(self.corpus),
                output=str(self.output),
                cache=str(self.cache),
                cache_on=cache_on,
            )
            if self.markdown is not None:
                text += STOCK_MARKDOWN.format(markdown=self.markdown)
            path.write_text(text, encoding="utf-8")
            self.settings[scenario] = path

    def command(self, scenario):
        return [sys.executable, "-m", "pelican", "--settings", str(self.settings[scenario])]

    def prepare(self, scenario):
        if scenario == "cold":
            _reset(self.output)
            _reset(self.cache)


@dataclass
class Floor:
    """(c) Python-Markdown alone, configured like the site's reader."""

    corpus: Path
    config: dict
    name: str = "floor"

    def command(self, scenario):
        config = json.dumps(self.config)
        return [sys.executable, "-m", "bench.floor", str(self.corpus), "--markdown", config]

    def prepare(self, scenario):
        pass


def _snapshot(path):
    path = Path(path)
    if not path.exists():
        return {}
    return {str(p): p.stat().st_mtime_ns for p in path.rglob("*") if p.is_file()}


class Bench:
    """Measure the three systems on one corpus size; collect into `measurements`."""

    def __init__(
        self,
        n,
        workdir,
        settings_file,
        runs=5,
        warmup=1,
        seed=DEFAULT_SEED,
        say=print,
        stock_markdown="site",
        breakdown=False,
    ):
        self.n, self.runs, self.warmup, self.say = n, runs, warmup, say
        self.breakdown = breakdown
        self.workdir = Path(workdir) / f"n{n}"
        _reset(self.workdir)
        self.corpus = self.workdir / "corpus"
        write_corpus(self.corpus, n, seed)
        self.edited = self.corpus / f"{article_slug(n // 2)}.md"
        settings_file = Path(settings_file).resolve()
        settings = read_site_settings(settings_file)
        self.site = Site(settings_file, self.corpus, self.workdir / "site")
        markdown = copy.deepcopy(settings["MARKDOWN"]) if stock_markdown == "site" else None
        # Two stock set-ups: the cold one never caches, the warm one keeps its cache.
        self.stock_cold = Stock(self.corpus, self.workdir / "stock-cold", markdown)
        self.stock_warm = Stock(self.corpus, self.workdir / "stock-warm", markdown)
        self.floor = Floor(self.corpus, markdown_config(settings))
        self.logs = self.workdir / "logs"
        self.logs.mkdir()
        self.measurements = {}

    def measure(self, system, scenario, record):
        system.prepare(scenario)
        log = self.logs / f"{system.name}-{scenario}.log"
        seconds, rss_kb, cpu = timed_run(system.command(scenario), ROOT, log)
        if record:
            entry = self.measurements.setdefault(
                (system.name, scenario), {"seconds": [], "cpu_seconds": [], "rss_kb": []}
            )
            entry["seconds"].append(seconds)
            entry["cpu_seconds"].append(cpu)
            entry["rss_kb"].append(rss_kb)
        tag = "" if record else " (warm-up)"
        self.say(
            f"  N={self.n} {system.name:5} {scenario:9} {seconds:7.2f} s wall"
            f" {cpu:7.2f} s CPU {rss_kb / 1024:6.0f} MB{tag}"
        )

    def run(self):
        """Each repetition measures every build once, in the same order; the first
        `warmup` repetitions are not recorded. Every (a) build has the same noise
        around it as the (b) and (c) builds it is divided by."""
        compile_site_code()
        repo_cache = _snapshot(ROOT / ".cache")
        self.stock_warm.prepare("cold")
        timed_run(self.stock_warm.command("warm"), ROOT, self.logs / "stock-prime.log")
        for repetition in range(self.warmup + self.runs):
            record = repetition >= self.warmup
            self.measure(self.site, "cold", record)
            if repetition == 0 and _snapshot(ROOT / ".cache") != repo_cache:
                self.say(
                    "  warning: the build wrote into the repository's .cache/ although every "
                    "*CACHE_PATH/*CACHE_DIR setting was redirected: cold runs may not be cold"
                )
            if self.breakdown:  # before HTML-only, which leaves the warm build its caches
                self.measure(self.site, "html-only-no-search", record)
            # HTML-only: the output and every cache gone but the cold build's images.
            self.measure(self.site, "html-only", record)
            # Warm: one article edited since the last build, every cache kept.
            edit_article(self.edited, repetition)
            self.measure(self.site, "warm", record)
            self.measure(self.stock_cold, "cold", record)
            self.measure(self.stock_warm, "warm", record)
            self.measure(self.floor, "convert", record)
        return self.measurements


def machine():
    import platform

    import jinja2
    import markdown
    import pelican

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pelican": pelican.__version__,
        "markdown": markdown.__version__,
        "jinja2": jinja2.__version__,
    }
