"""Tasks for writing, previewing, testing and publishing the blog.

`invoke --list` shows them all; `invoke --help TASK` shows a task's options.
"""

import shutil
import sys
from pathlib import Path

from invoke import task

ROOT = Path(__file__).resolve().parent
OUTPUT = ROOT / "output"
CACHE = ROOT / ".cache"
PYTHON = sys.executable
PORT = 8000
WATCHED = ["content", "theme", "plugins", "pelicanconf.py", "publishconf.py"]


def _build_command(settings="pelicanconf.py", output=OUTPUT, debug=False):
    command = f'"{PYTHON}" -m sitetools.build --settings "{ROOT / settings}" --output "{output}"'
    return command + (" --debug" if debug else "")


@task(help={"debug": "show tracebacks and debug logs"})
def build(c, debug=False):
    """Build the site with the local settings into output/."""
    with c.cd(str(ROOT)):
        c.run(_build_command(debug=debug), pty=False)


@task
def clean(c):
    """Remove output/ and the build caches."""
    for path in (OUTPUT, CACHE):
        shutil.rmtree(path, ignore_errors=True)


@task(pre=[clean])
def rebuild(c, debug=False):
    """Clean, then build from scratch."""
    build(c, debug=debug)


@task(help={"port": f"port to serve on (default {PORT})"})
def serve(c, port=PORT):
    """Serve output/ at http://localhost:8000 (no rebuilds)."""
    from pelican.server import ComplexHTTPRequestHandler, RootedHTTPServer

    RootedHTTPServer.allow_reuse_address = True
    server = RootedHTTPServer(str(OUTPUT), ("127.0.0.1", int(port)), ComplexHTTPRequestHandler)
    print(f"Serving {OUTPUT} at http://localhost:{port}/  (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


@task(help={"port": f"port to serve on (default {PORT})"})
def livereload(c, port=PORT):
    """Build, serve at http://localhost:8000 and rebuild + reload the browser on any change."""
    from livereload import Server, shell

    build(c)
    server = Server()
    rebuild_command = shell(_build_command(), cwd=str(ROOT))
    for path in WATCHED:
        target = ROOT / path
        server.watch(str(target / "**" / "*") if target.is_dir() else str(target), rebuild_command)
    server.serve(host="127.0.0.1", port=int(port), root=str(OUTPUT), open_url_delay=None)


@task(help={"port": f"port to serve on (default {PORT})"})
def preview(c, port=PORT):
    """Build with the publish settings (SITE_URL defaults to localhost) and serve it."""
    import os

    env = {"SITE_URL": os.environ.get("SITE_URL", f"http://localhost:{port}")}
    with c.cd(str(ROOT)):
        c.run(_build_command("publishconf.py"), env=env)
    serve(c, port=port)


@task(help={"k": "only tests matching this pytest -k expression", "x": "stop at first failure"})
def test(c, k="", x=False):
    """Run the whole test suite (installs the system packages it needs first)."""
    from sitetools.system_deps import ensure_system_packages

    ensure_system_packages()
    args = ["-q"]
    if k:
        args += ["-k", f'"{k}"']
    if x:
        args.append("-x")
    with c.cd(str(ROOT)):
        c.run(f'"{PYTHON}" -m pytest {" ".join(args)}', pty=False)


@task(
    help={
        "sizes": "corpus sizes, comma-separated (default 100,1000)",
        "large": "also N=4000 (checks the peak-RSS target)",
        "runs": "timed runs per build; the median is reported (default 5)",
        "json": "where to write the results (default bench/results/latest.json)",
        "strict": "exit non-zero when a target fails",
        "profile": "instead: cProfile our build at the largest size, top entries to a file",
    }
)
def bench(c, sizes="100,1000", large=False, runs=5, json="", strict=False, profile=False):
    """Time the build against stock Pelican and bare Markdown; check the speed targets."""
    args = [f"--sizes {sizes}", f"--runs {int(runs)}"]
    args += [f'--json "{json}"'] if json else []
    args += [flag for flag, on in (("--large", large), ("--strict", strict)) if on]
    args += ["--profile"] if profile else []
    with c.cd(str(ROOT)):
        c.run(f'"{PYTHON}" -m bench {" ".join(args)}', pty=False)
