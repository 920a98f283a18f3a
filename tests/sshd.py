"""A throwaway OpenSSH server on 127.0.0.1, for the publish tests.

Debian's /usr/sbin/sshd with its own host key, client key, authorized_keys and
known_hosts, all in a temp folder. Runs as the current user (root in CI: sshd then
needs its privilege-separation folder /run/sshd, created here).
"""

import getpass
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = "/usr/sbin/sshd"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def keygen(path):
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "publish-tests", "-f", str(path)],
        check=True,
    )


def sshd_config(folder, port):
    return "\n".join(
        [
            f"Port {port}",
            "ListenAddress 127.0.0.1",
            f"HostKey {folder / 'host_key'}",
            f"PidFile {folder / 'sshd.pid'}",
            f"AuthorizedKeysFile {folder / 'authorized_keys'}",
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "StrictModes no",
            "UsePAM no",
            "",
        ]
    )


@dataclass
class SSHServer:
    """A running sshd and the client files that reach it."""

    process: subprocess.Popen
    port: int
    user: str
    client_key: Path
    known_hosts: Path
    log: Path

    def env(self, site_path, **extra):
        """SITE_* variables that publish to `site_path` on this server."""
        return {
            "SITE_DEPLOY_TARGET": f"{self.user}@127.0.0.1:{site_path}",
            "SITE_DEPLOY_PORT": str(self.port),
            "SITE_DEPLOY_SSH_KEY": str(self.client_key),
            "SITE_DEPLOY_KNOWN_HOSTS": str(self.known_hosts),
            "SITE_URL": "https://example.org",
            "SITE_ALLOW_PLACEHOLDERS": "1",
            **extra,
        }

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_sshd(folder):
    """Start sshd with fresh keys in `folder`; return an SSHServer once it accepts logins."""
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    keygen(folder / "host_key")
    keygen(folder / "client_key")
    (folder / "authorized_keys").write_text((folder / "client_key.pub").read_text())
    port = free_port()
    host_key = (folder / "host_key.pub").read_text().split()
    (folder / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
    config = folder / "sshd_config"
    config.write_text(sshd_config(folder, port))
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, parents=True, exist_ok=True)
    subprocess.run([SSHD, "-t", "-f", str(config)], check=True)
    log = folder / "sshd.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)], stdout=log_file, stderr=subprocess.STDOUT
        )
    server = SSHServer(
        process, port, getpass.getuser(), folder / "client_key", folder / "known_hosts", log
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited: {log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"sshd did not start listening on port {port}: {log.read_text()}")
