"""Build the site for a local address and serve it on 127.0.0.1, the way a host would.

The browser tests and `invoke lighthouse` both need the real production build served
over HTTP at an address the build knows, so that its absolute URLs stay on the local
origin: start the server on a free port first, then build with SITE_URL pointing at it.
"""

import functools
import os
import subprocess
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sitetools.build import build_command

ROOT = Path(__file__).resolve().parent.parent
NOT_FOUND_PAGE = "404.html"


class StaticSiteHandler(SimpleHTTPRequestHandler):
    """/dir/ serves dir/index.html; a missing file serves /404.html with status 404."""

    def send_error(self, code, message=None, explain=None):
        not_found = Path(self.directory) / NOT_FOUND_PAGE
        if code != 404 or not not_found.is_file():
            super().send_error(code, message, explain)
            return
        body = not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):
        """Stay quiet: test output and task output are for findings, not access logs."""


@contextmanager
def serve(directory, host="127.0.0.1", port=0):
    """Serve `directory` (which may still be empty) in a thread; yield its base URL."""
    handler = functools.partial(StaticSiteHandler, directory=str(directory))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="static-site", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def build_for(site_url, output, settings="publishconf.py", content=None):
    """Build with `settings` for `site_url` into `output`; return the CompletedProcess.

    PLACEHOLDER practice values are allowed: this build is for looking at, never deployed
    (refusing placeholders is the publish build's job).
    """
    command = build_command(output, settings, content)
    env = {**os.environ, "SITE_URL": site_url, "SITE_ALLOW_PLACEHOLDERS": "1"}
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
