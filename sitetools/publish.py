"""Publish the site: build, check, upload a release over SSH, switch to it atomically.

`invoke publish` runs publish(), `invoke rollback` runs rollback(). On the server,
under the SITE_DEPLOY_TARGET path:

    releases/<UTC timestamp>/     one complete build per publish; the last 5 are kept
    releases/.partial-<name>/     an upload in progress (or one that was cut off)
    current -> releases/<name>    what the web server serves: point its root here

Nothing remote changes before the build has passed every check. A release gets its
final name only once rsync has completed, and `current` is switched by renaming a new
symlink over it, so the live site is always one complete release. Unchanged files are
hard links into the previous release (rsync --link-dest), so a release costs only
what changed.
"""

import json
import locale
import os
import re
import shlex
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sitetools.checks import MANIFEST, run_checks, site_url_problem

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "publishconf.py"
KEEP = 5  # releases kept on the server
RELEASE_NAME = re.compile(r"^\d{8}T\d{6}Z$")
PARTIAL_PREFIX = ".partial-"
SSH_TIMEOUT = 120  # seconds, for the short remote commands (not the upload)
# --checksum: every build writes every file anew, so sizes+mtimes say nothing; with
# checksums, unchanged files become hard links into the previous release.
# --perms + --chmod: the same modes on every release, whatever the local umask, so
# hard links are possible and the web server can read everything.
RSYNC_OPTIONS = ["--recursive", "--links", "--perms", "--chmod=D755,F644", "--checksum"]
TARGET = re.compile(r"^(?P<host>[^\s:/\-][^\s:/]*):(?P<path>\S+)$")


class PublishError(Exception):
    """Publishing was refused or failed; the message says why and what to do."""


# ---- Configuration (environment variables, documented in publishconf.py) ----


@dataclass(frozen=True)
class Target:
    """Where releases go: SITE_DEPLOY_TARGET and the SSH settings."""

    host: str  # user@host
    path: str  # the site folder on the server, absolute or relative to the home folder
    port: int = 22
    key: str | None = None
    known_hosts: str | None = None

    def __str__(self):
        return f"{self.host}:{self.path}"


def deploy_target(env):
    """The deploy target from SITE_DEPLOY_* variables; PublishError naming a bad one."""
    raw = (env.get("SITE_DEPLOY_TARGET") or "").strip()
    if not raw:
        raise PublishError(
            "SITE_DEPLOY_TARGET is not set: set it to user@host:/path/to/site, the folder "
            "on the server that holds releases/ and current (see README, Deploying)"
        )
    match = TARGET.match(raw)
    path = match["path"] if match else ""
    if path.startswith("~/"):
        path = path[2:]  # relative paths are relative to the home folder for ssh and rsync
    if not match or path.rstrip("/") in ("", "~", ".") or path.startswith("-"):
        raise PublishError(
            f"SITE_DEPLOY_TARGET={raw!r} is not user@host:/path/to/site "
            "(a folder of its own, not / or the home folder)"
        )
    port_text = (env.get("SITE_DEPLOY_PORT") or "22").strip()
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise PublishError(f"SITE_DEPLOY_PORT={port_text!r} is not a port number (default 22)")
    files = {}
    for name in ("SITE_DEPLOY_SSH_KEY", "SITE_DEPLOY_KNOWN_HOSTS"):
        value = (env.get(name) or "").strip()
        if value and not Path(value).expanduser().is_file():
            raise PublishError(f"{name}={value!r}: no such file")
        files[name] = str(Path(value).expanduser()) if value else None
    return Target(
        host=match["host"],
        path=path.rstrip("/") or "/",
        port=int(port_text),
        key=files["SITE_DEPLOY_SSH_KEY"],
        known_hosts=files["SITE_DEPLOY_KNOWN_HOSTS"],
    )


def production_site_url(env):
    """SITE_URL, refused when missing or not a production https:// address."""
    url = (env.get("SITE_URL") or "").strip().rstrip("/")
    if not url:
        raise PublishError(
            "SITE_URL is not set: set it to the production address, "
            "e.g. SITE_URL=https://yasminebinghalib.com"
        )
    problem = site_url_problem(url, name="SITE_URL")
    if problem:
        raise PublishError(problem)
    return url


# ---- SSH ----


def ssh_command(target, ssh="ssh"):
    """The ssh command line: host keys are always verified, never accepted blindly."""
    command = [ssh, "-p", str(target.port)]
    if target.key:
        command += ["-i", target.key, "-o", "IdentitiesOnly=yes"]
    if target.known_hosts:
        command += ["-o", f"UserKnownHostsFile={target.known_hosts}"]
    return [
        *command,
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=30",
    ]


def explain_ssh_failure(stderr):
    """The ssh/rsync error, plus what to do about the usual causes."""
    text = stderr.strip()
    if "Host key verification failed" in text or "REMOTE HOST IDENTIFICATION" in text:
        text += (
            "\nThe server's host key is not in your known_hosts (or has changed). Get its "
            "fingerprint from the hosting provider, check it against `ssh-keyscan -p PORT "
            "HOST`, then add the line to the file named by SITE_DEPLOY_KNOWN_HOSTS."
        )
    elif "Permission denied" in text:
        text += "\nThe server refused the key: check SITE_DEPLOY_SSH_KEY and the user name."
    return text


def run_remote(target, script, what, ssh="ssh"):
    """Run a shell script on the server; return its stdout or raise PublishError."""
    command = [*ssh_command(target, ssh), target.host, script]
    try:
        result = subprocess.run(
            command, capture_output=True, encoding="utf-8", errors="replace", timeout=SSH_TIMEOUT
        )
    except subprocess.TimeoutExpired as error:
        raise PublishError(f"{what} on {target.host}: no answer in {SSH_TIMEOUT} s") from error
    if result.returncode != 0:
        raise PublishError(f"{what} on {target.host} failed:\n{explain_ssh_failure(result.stderr)}")
    return result.stdout


# ---- The server's state, and pure decisions about it ----


@dataclass
class RemoteState:
    """What is on the server under the target path."""

    current_link: str | None = None  # where `current` points, as written in the link
    current_is_folder: bool = False  # `current` is a real folder (a non-release deploy)
    releases: list = field(default_factory=list)  # complete releases, oldest first
    partials: list = field(default_factory=list)  # .partial-* left by cut-off uploads
    manifest: dict | None = None  # the live release's release.json

    @property
    def current(self):
        """The release name `current` points at, or None."""
        name = (self.current_link or "").rstrip("/").removeprefix("releases/")
        return name if RELEASE_NAME.match(name) else None


def state_script(path):
    """A read-only script printing what parse_remote_state reads."""
    return "\n".join(
        [
            f"cd {shlex.quote(path)} 2>/dev/null || exit 0",
            'if [ -L current ]; then echo "current=$(readlink current)"; '
            'elif [ -e current ]; then echo "current-is-a-folder"; fi',
            'if [ -d releases ]; then ls -1A releases | sed "s/^/entry=/"; fi',
            f'if [ -f current/{MANIFEST} ]; then echo "manifest:"; cat current/{MANIFEST}; fi',
        ]
    )


def parse_remote_state(text):
    """Parse the output of state_script()."""
    state = RemoteState()
    head, _, manifest = text.partition("manifest:\n")
    for line in head.splitlines():
        key, _, value = line.partition("=")
        if key == "current":
            state.current_link = value
        elif line == "current-is-a-folder":
            state.current_is_folder = True
        elif key == "entry" and RELEASE_NAME.match(value):
            state.releases.append(value)
        elif key == "entry" and value.startswith(PARTIAL_PREFIX):
            state.partials.append(value)
    state.releases.sort()
    if manifest.strip():
        try:
            state.manifest = json.loads(manifest)
        except json.JSONDecodeError:
            state.manifest = None
    return state


def read_remote_state(target, ssh="ssh"):
    """Read (and change nothing) what is on the server."""
    return parse_remote_state(run_remote(target, state_script(target.path), "Reading", ssh))


def release_name(now, existing):
    """A UTC timestamp name, later than every existing release (so names sort by age)."""
    latest = max(existing, default="")
    name = now.strftime("%Y%m%dT%H%M%SZ")
    while name <= latest:
        now += timedelta(seconds=1)
        name = now.strftime("%Y%m%dT%H%M%SZ")
    return name


def releases_to_prune(releases, current, keep=KEEP):
    """The releases to delete: all but the newest `keep`, and never the live one."""
    ordered = sorted(releases)
    kept = set(ordered[-keep:]) | {current}
    return [name for name in ordered if name not in kept]


def previous_release(releases, current):
    """The release before the live one, or None."""
    ordered = sorted(releases)
    if current not in ordered:
        return None
    index = ordered.index(current)
    return ordered[index - 1] if index > 0 else None


@dataclass
class Changes:
    """Files a publish would add, change and remove (paths relative to the site root)."""

    added: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    removed: list = field(default_factory=list)


def parse_itemized(text):
    """Changes from `rsync --itemize-changes --delete` output (files only, not folders)."""
    changes = Changes()
    for line in text.splitlines():
        item, path = line[:11], line[12:]
        if len(line) < 13 or path.endswith("/"):
            continue
        if item.startswith("*deleting"):
            changes.removed.append(path)
        elif item[1:2] == "f" and item[2:] == "+" * 9:
            changes.added.append(path)
        elif item[1:2] == "f" and item[0] in "<>ch." and item[2:].strip("."):
            changes.changed.append(path)
    return changes


def local_files(output):
    """Every file of a build, relative to it."""
    output = Path(output)
    return sorted(str(p.relative_to(output)) for p in output.rglob("*") if p.is_file())


# ---- Building ----


@contextmanager
def _environment(env):
    """os.environ with the SITE_* variables taken from `env` only, while reading settings.

    Pelican also sets the process locale from the settings: restored afterwards too.
    """
    saved, wanted = dict(os.environ), build_environment(env)
    saved_locale = locale.setlocale(locale.LC_ALL)
    os.environ.clear()
    os.environ.update(wanted)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        locale.setlocale(locale.LC_ALL, saved_locale)


def build_environment(env):
    """The environment for a build: this process's, with SITE_* variables from `env`."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("SITE_")}
    return {**inherited, **env}


def load_settings(settings_file=SETTINGS, env=None, overrides=None):
    """The settings a build is made with (read the way Pelican reads them)."""
    from pelican.settings import read_settings

    settings_file = Path(settings_file).resolve()
    added = str(settings_file.parent) not in sys.path
    if added:  # publishconf.py does `from pelicanconf import *`
        sys.path.insert(0, str(settings_file.parent))
    try:
        with _environment(os.environ if env is None else env):
            return read_settings(str(settings_file), override=dict(overrides or {}))
    finally:
        if added:
            sys.path.remove(str(settings_file.parent))


def build_site(output, settings_file=SETTINGS, content=None, env=None, overrides=None):
    """Build into `output` with sitetools.build; PublishError with its message if it fails."""
    command = [
        sys.executable,
        "-m",
        "sitetools.build",
        "--settings",
        str(settings_file),
        "--output",
        str(output),
        "--set",
        f"CACHE_PATH={json.dumps(str(Path(output).parent / 'cache'))}",
    ]
    for key, value in (overrides or {}).items():
        command += ["--set", f"{key}={json.dumps(value)}"]
    if content:
        command += ["--content", str(content)]
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=build_environment(os.environ if env is None else env),
        capture_output=True,
        encoding="utf-8",
        errors="replace",
    )
    if result.returncode != 0:
        raise PublishError(f"the build failed; nothing was sent.\n{result.stderr.strip()}")
    return result.stdout.strip()


def source_commit(root=ROOT):
    """`git describe` of the source (with -dirty for uncommitted changes), or None."""
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


def stamp_manifest(output, **fields):
    """Add fields (the commit) to the build's release.json, when it has one."""
    path = Path(output) / MANIFEST
    if not path.is_file():
        return  # the SITEURL check reports it
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(fields)
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


# ---- Uploading and switching ----


def rsync_command(target, ssh="ssh"):
    return ["rsync", *RSYNC_OPTIONS, "-e", shlex.join(ssh_command(target, ssh))]


def preview_changes(output, target, state, ssh="ssh"):
    """What publishing `output` would change, compared with the live release (read-only)."""
    if not state.current_link:
        return Changes(added=local_files(output))
    command = [
        *rsync_command(target, ssh),
        "--dry-run",
        "--itemize-changes",
        "--delete",
        f"{output}/",
        f"{target.host}:{target.path}/current/",
    ]
    result = subprocess.run(command, capture_output=True, encoding="utf-8", errors="replace")
    if result.returncode != 0:
        raise PublishError(f"comparing with the live release failed:\n{result.stderr.strip()}")
    return parse_itemized(result.stdout)


def describe_changes(changes):
    lines = [
        f"{len(changes.added)} to add, {len(changes.changed)} to change, "
        f"{len(changes.removed)} to remove"
    ]
    for mark, paths in (("+", changes.added), ("~", changes.changed), ("-", changes.removed)):
        lines += [f"  {mark} {path}" for path in paths]
    return lines


def upload(output, target, state, name, ssh="ssh", out=print):
    """rsync the build into releases/.partial-<name>/, sharing unchanged files."""
    bases = [b for b in dict.fromkeys([state.current, *state.releases[-1:]]) if b]
    command = [
        *rsync_command(target, ssh),
        # Each remote command costs a login; creating releases/ rides along with rsync's.
        f"--rsync-path=mkdir -p {shlex.quote(target.path)}/releases && rsync",
        "--info=progress2",
        *[f"--link-dest=../{base}" for base in bases],
        f"{output}/",
        f"{target.host}:{target.path}/releases/{PARTIAL_PREFIX}{name}/",
    ]
    out(f"Uploading to {target}/releases/{PARTIAL_PREFIX}{name}/")
    live = f"releases/{state.current}" if state.current else "nothing yet"
    try:
        result = subprocess.run(command, stderr=subprocess.PIPE, encoding="utf-8", errors="replace")
    except KeyboardInterrupt:
        out(f"\nUpload interrupted: the live site was not changed (current: {live}).")
        raise
    if result.returncode != 0:
        raise PublishError(
            f"the upload failed (rsync exit code {result.returncode}):\n"
            f"{explain_ssh_failure(result.stderr)}\n"
            f"The live site was not changed (current: {live}); run `invoke publish` again."
        )


def switch_script(path, name, rename_partial=False):
    """Rename the finished upload into place (optionally), then point current at it."""
    q = shlex.quote
    steps = [f"cd {q(path)}"]
    if rename_partial:
        steps.append(f"mv -T releases/{PARTIAL_PREFIX}{name} releases/{name}")
    # A new symlink renamed over the old one: rename(2) is atomic, so `current`
    # is never missing and never half-switched.
    steps += [f"ln -sfn releases/{name} .current-{name}", f"mv -T .current-{name} current"]
    return " && ".join(steps)


def finalize(target, state, name, keep=KEEP, ssh="ssh", out=print):
    """Name the finished upload, switch current to it, then prune old releases.

    One remote command (each costs an SSH login). Pruning removes all but the newest
    `keep` releases (never the live one) and uploads that were cut off.
    """
    doomed = releases_to_prune([*state.releases, name], name, keep) + state.partials
    script = switch_script(target.path, name, rename_partial=True) + " && echo switched"
    if doomed:
        script += " && rm -rf -- " + " ".join(shlex.quote(f"releases/{e}") for e in doomed)
    command = [*ssh_command(target, ssh), target.host, script]
    try:
        result = subprocess.run(
            command, capture_output=True, encoding="utf-8", errors="replace", timeout=SSH_TIMEOUT
        )
    except subprocess.TimeoutExpired as error:
        raise PublishError(
            f"switching on {target.host}: no answer in {SSH_TIMEOUT} s; check where "
            f"{target}/current points before publishing again"
        ) from error
    switched = "switched" in result.stdout.split()
    if not switched:
        raise PublishError(
            f"switching to releases/{name} on {target.host} failed; the live site was not "
            f"changed:\n{explain_ssh_failure(result.stderr)}"
        )
    out(f"Published: {target}/current -> releases/{name}")
    if result.returncode != 0:
        out(f"Warning: removing old releases failed: {result.stderr.strip()}")
    elif doomed:
        out(f"Removed {', '.join(doomed)}")


# ---- The commands ----


def publish(
    *,
    settings_file=SETTINGS,
    content=None,
    env=None,
    overrides=None,
    dry_run=False,
    allow_removals=False,
    html_validation=True,
    keep=KEEP,
    ssh="ssh",
    out=print,
):
    """Build, check, upload a new release and switch `current` to it; return its name.

    env: the SITE_* variables (default os.environ). content, overrides: another content
    folder and settings overrides (tests use them). html_validation=False skips only the
    Nu Html Checker, for tests about upload mechanics. ssh: the ssh program. With
    dry_run, print what would change and return None, touching nothing remote.
    """
    env = dict(os.environ if env is None else env)
    target = deploy_target(env)  # refused before building: nothing to wait for
    site_url = production_site_url(env)
    settings_file = Path(settings_file)
    with tempfile.TemporaryDirectory(prefix="publish-") as tmp:
        output = Path(tmp) / "site"
        out(f"Building {site_url} with {settings_file.name} into a fresh folder")
        out(build_site(output, settings_file, content, env, overrides))
        stamp_manifest(output, commit=source_commit())

        out(f"Reading the live release on {target}")
        state = read_remote_state(target, ssh)
        if state.current_is_folder:
            raise PublishError(
                f"{target}/current is a folder, not a symlink to a release: move it "
                "away on the server (the web server should serve <path>/current)"
            )

        out("Checking the build:")
        problems = run_checks(
            output,
            settings=load_settings(settings_file, env, overrides),
            expected_site_url=site_url,
            live_manifest=state.manifest,
            allow_removals=allow_removals,
            allow_placeholders=env.get("SITE_ALLOW_PLACEHOLDERS") == "1",
            html_validation=html_validation,
            report=lambda line: out(f"  {line}"),
        )
        if problems:
            raise PublishError(f"{len(problems)} problem(s) found by the checks; nothing was sent.")

        if dry_run:
            live = state.current_link or "no live release yet"
            out(f"Dry run: compared with {live} on {target}; nothing was sent.")
            for line in describe_changes(preview_changes(output, target, state, ssh)):
                out(line)
            return None

        name = release_name(datetime.now(UTC), state.releases)
        upload(output, target, state, name, ssh, out)
        finalize(target, state, name, keep, ssh, out)
        out(f"{site_url}/ now serves releases/{name}; `invoke rollback` switches back.")
        return name


def rollback(*, env=None, ssh="ssh", out=print):
    """Point `current` back at the release before it; return that release's name."""
    target = deploy_target(dict(os.environ if env is None else env))
    state = read_remote_state(target, ssh)
    previous = previous_release(state.releases, state.current)
    if previous is None:
        live = f"releases/{state.current}" if state.current else "no release"
        raise PublishError(f"no release before the live one ({live}) on {target}")
    run_remote(target, switch_script(target.path, previous), "Switching", ssh)
    out(f"Rolled back: {target}/current -> releases/{previous} (was releases/{state.current})")
    return previous
