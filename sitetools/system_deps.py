"""Install the system packages the test suite needs, when they are missing.

Debian/Ubuntu only (apt-get); uses sudo when not run as root.
"""

import os
import shutil
import subprocess
from pathlib import Path

# Debian package -> a file or command that proves it is installed.
REQUIRED = {
    "chromium": "/usr/bin/chromium",
    "openssh-server": "/usr/sbin/sshd",
    "openssh-client": "ssh",
    "rsync": "rsync",
    "default-jre-headless": "java",
    "nodejs": "node",
    "npm": "npm",
    "fonts-dejavu-core": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
}


def is_present(probe):
    return Path(probe).exists() if probe.startswith("/") else shutil.which(probe) is not None


def missing_packages():
    return [package for package, probe in REQUIRED.items() if not is_present(probe)]


def ensure_system_packages():
    """apt-get install whatever is missing; return the list installed."""
    missing = missing_packages()
    if not missing:
        return []
    if shutil.which("apt-get") is None:
        raise SystemExit(
            "The tests need these system packages: " + ", ".join(missing) + ".\n"
            "Install them with your system's package manager, then run the tests again."
        )
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print("Installing system packages for the tests:", " ".join(missing), flush=True)
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        check=True,
        env=env,
    )
    return missing


# ---- Node packages (Lighthouse) ----
# `npm ci` installs exactly what package-lock.json pins into node_modules/. A copy of the
# lockfile it installed from marks node_modules/ as current (as ./run does for .venv).
ROOT = Path(__file__).resolve().parent.parent
NODE_STAMP = Path("node_modules") / ".installed-package-lock.json"


def node_packages_current(root=ROOT):
    """True when node_modules/ was installed from the current package-lock.json."""
    stamp = Path(root) / NODE_STAMP
    lockfile = Path(root) / "package-lock.json"
    return stamp.is_file() and stamp.read_bytes() == lockfile.read_bytes()


def ensure_node_packages(root=ROOT):
    """`npm ci` when node_modules/ is missing or stale; return True when it ran."""
    root = Path(root)
    if node_packages_current(root):
        return False
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "The tests need npm (Node.js 18 or newer) to install Lighthouse: "
            "install the nodejs and npm packages, then run the tests again."
        )
    print("Installing the pinned Node packages (npm ci) ...", flush=True)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=root, check=True)
    (root / NODE_STAMP).write_bytes((root / "package-lock.json").read_bytes())
    return True
