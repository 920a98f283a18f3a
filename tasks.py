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

    # A preview is only ever looked at here, never deployed: PLACEHOLDER practice
    # settings are let through (with the loud warning) so it works before they are filled.
    env = {
        "SITE_URL": os.environ.get("SITE_URL", f"http://localhost:{port}"),
        "SITE_ALLOW_PLACEHOLDERS": os.environ.get("SITE_ALLOW_PLACEHOLDERS", "1"),
    }
    with c.cd(str(ROOT)):
        c.run(_build_command("publishconf.py"), env=env)
    serve(c, port=port)


@task(help={"k": "only tests matching this pytest -k expression", "x": "stop at first failure"})
def test(c, k="", x=False):
    """Run the whole test suite (installs the system and Node packages it needs first)."""
    from sitetools.system_deps import ensure_node_packages, ensure_system_packages

    ensure_system_packages()
    ensure_node_packages()
    args = ["-q"]
    if k:
        args += ["-k", f'"{k}"']
    if x:
        args.append("-x")
    with c.cd(str(ROOT)):
        c.run(f'"{PYTHON}" -m pytest {" ".join(args)}', pty=False)


# ---- Authoring: new posts and the content linter ----


@task(
    help={
        "title": "the post's title, in quotes",
        "category": "its category (default: Relationships)",
        "content": "the content folder to write into (default: content/)",
    }
)
def new(c, title, category="", content=""):
    """Start a new draft post: invoke new "Title" writes content/<slug>.md and prints its path."""
    from invoke import Exit
    from pelican.settings import read_settings

    from sitetools.content_lint import shown_path
    from sitetools.new_post import DEFAULT_CATEGORY, PostExists, create_post

    settings = read_settings(str(ROOT / "pelicanconf.py"))
    folder = Path(content) if content else ROOT / "content"
    try:
        path = create_post(folder, title, settings, category=category or DEFAULT_CATEGORY)
    except (PostExists, ValueError) as error:
        raise Exit(f"Not created: {error}", code=1) from None
    print(shown_path(path))


@task(help={"content": "the content folder to check (default: content/)"})
def lint(c, content=""):
    """Check every post for mistakes, each with its fix (the same as `invoke check --content`)."""
    from invoke import Exit

    from sitetools.content_lint import main as lint_main

    code = lint_main(
        ["--settings", str(ROOT / "pelicanconf.py")] + (["--content", content] if content else [])
    )
    if code:
        raise Exit(code=code)


# ---- Publishing: pre-flight checks, deploy, rollback (sitetools/publish.py) ----


def _lighthouse():
    from invoke import Exit

    from sitetools.lighthouse import LIGHTHOUSE_PATHS, check_site, format_scores

    scores, failures = check_site(LIGHTHOUSE_PATHS)
    print(format_scores(scores))
    if failures:
        raise Exit("Lighthouse: not every score is 100:\n" + "\n".join(failures), code=1)
    print("Lighthouse: every category scores 100 on every page.")


@task
def lighthouse(c):
    """Run Lighthouse on the built site (publish settings, served on 127.0.0.1): all 100."""
    _lighthouse()


@task(
    help={
        "path": "build folder to check (default output/)",
        "settings": "settings the build was made with (default publishconf.py)",
        "content": "check the posts in content/ instead (the content linter)",
        "lighthouse": "score the index, the article and a booking page with Lighthouse instead",
    }
)
def check(c, path="output", settings="publishconf.py", content=False, lighthouse=False):
    """Pre-publish checks on a build (as `invoke publish` runs them); or --content, --lighthouse."""
    import os

    from invoke import Exit

    from sitetools.checks import run_checks
    from sitetools.publish import load_settings

    if content:
        return lint(c)
    if lighthouse:
        return _lighthouse()
    problems = run_checks(
        ROOT / path,
        settings=load_settings(ROOT / settings),
        allow_placeholders=os.environ.get("SITE_ALLOW_PLACEHOLDERS") == "1",
    )
    if problems:
        raise Exit(f"{len(problems)} problem(s) found.", code=1)
    print("All checks passed.")
    return None


@task(
    help={
        "dry_run": "build and check, then list what would change; touch nothing remote",
        "allow_removals": "publish even though the build has fewer articles than the live site",
    }
)
def publish(c, dry_run=False, allow_removals=False):
    """Build with publishconf.py, check, upload a new release over SSH and switch to it."""
    from invoke import Exit

    from sitetools.publish import PublishError
    from sitetools.publish import publish as run_publish

    try:
        run_publish(dry_run=dry_run, allow_removals=allow_removals)
    except PublishError as error:
        raise Exit(f"Not published: {error}", code=1) from error


@task
def rollback(c):
    """Switch the live site back to the release before the current one."""
    from invoke import Exit

    from sitetools.publish import PublishError
    from sitetools.publish import rollback as run_rollback

    try:
        run_rollback()
    except PublishError as error:
        raise Exit(f"Not rolled back: {error}", code=1) from error


@task(
    help={
        "sizes": "corpus sizes, comma-separated (default 100,1000)",
        "large": "also N=4000 (checks the peak-RSS target)",
        "runs": "timed runs per build; the median is reported (default 5)",
        "json": "where to write the results (default bench/results/latest.json)",
        "strict": "exit non-zero when a target fails",
        "profile": "instead: cProfile our build at the largest size, top entries to a file",
        "breakdown": "also build HTML-only with search off: what search and images cost",
    }
)
def bench(
    c, sizes="100,1000", large=False, runs=5, json="", strict=False, profile=False, breakdown=False
):
    """Time the build against stock Pelican and bare Markdown; check the speed targets."""
    args = [f"--sizes {sizes}", f"--runs {int(runs)}"]
    args += [f'--json "{json}"'] if json else []
    flags = (("--large", large), ("--strict", strict), ("--breakdown", breakdown))
    args += [flag for flag, on in flags if on]
    args += ["--profile"] if profile else []
    with c.cd(str(ROOT)):
        c.run(f'"{PYTHON}" -m bench {" ".join(args)}', pty=False)
