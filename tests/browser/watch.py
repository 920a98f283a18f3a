"""Watch what a page does in the browser: requests, console, errors, dialogs, CSP."""

from urllib.parse import urlsplit

# Schemes that never reach the network (data: images are allowed by the CSP's img-src).
LOCAL_SCHEMES = {"data", "blob", "about"}

# Runs before any page script (Playwright installs it through the DevTools protocol, so
# the page's CSP does not apply to it) and reports every CSP violation to Python.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline code"}`
    + ` on ${location.pathname} (${event.sourceFile || "document"}:${event.lineNumber})`
  );
});
"""


def origin_of(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def stays_on(url, origin):
    """True when fetching `url` cannot leave `origin`."""
    scheme = urlsplit(url).scheme
    return scheme in LOCAL_SCHEMES or origin_of(url) == origin


class PageWatch:
    """Records everything a page does that the site promises it never does."""

    def __init__(self, page, origin):
        self.page = page
        self.origin = origin
        self.requests = []
        self.responses = []
        self.console_errors = []
        self.page_errors = []
        self.dialogs = []
        self.csp_violations = []
        page.expose_binding("__reportCspViolation", self._csp_violation)
        page.add_init_script(CSP_LISTENER)
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("response", lambda response: self.responses.append(response))
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("dialog", self._dialog)

    def reset(self):
        """Forget what was recorded (the page is reused by the next test)."""
        for record in (self.requests, self.responses, self.console_errors, self.page_errors):
            record.clear()
        self.dialogs.clear()
        self.csp_violations.clear()

    def _csp_violation(self, _source, text):
        self.csp_violations.append(text)

    def _console(self, message):
        if message.type == "error":
            where = message.location.get("url", "")
            self.console_errors.append(f"{message.text} ({where})")

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def goto(self, path, expect_status=200):
        """Open a path on the site and wait for it to load; check the status."""
        response = self.page.goto(self.origin + path, wait_until="load")
        assert response is not None, path
        assert response.status == expect_status, f"{path}: HTTP {response.status}"
        return response

    def off_origin_requests(self):
        return [url for url in self.requests if not stays_on(url, self.origin)]

    def problems(self):
        """Everything that went wrong, one line each; [] when the page kept its promises."""
        return (
            [f"request to another origin: {url}" for url in self.off_origin_requests()]
            + [f"console error: {text}" for text in self.console_errors]
            + [f"page error: {text}" for text in self.page_errors]
            + [f"dialog opened: {text}" for text in self.dialogs]
            + [f"CSP violation: {text}" for text in self.csp_violations]
        )

    def assert_clean(self):
        problems = self.problems()
        assert not problems, "\n".join(problems)
