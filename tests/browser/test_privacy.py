"""Privacy and security, in the browser and in the HTML: nothing leaves the site's origin,
nothing is stored about the reader, and the Content-Security-Policy holds on every page."""

import pytest

from tests.browser.pages import PAGE_TYPES
from tests.browser.watch import PageWatch, origin_of
from tests.sitebuild import html_pages, parse

pytestmark = pytest.mark.browser

REQUIRED_CSP = {"default-src": "'self'"}
FORBIDDEN_IN_SCRIPT_SRC = ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:")


def csp_directives(policy):
    """{"default-src": ["'self'"], ...} from a policy string."""
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        if name:
            directives[name.lower()] = values
    return directives


def csp_problems(page):
    """What is wrong with a parsed page's CSP meta tag, one line each."""
    head = page.head
    metas = head.find_all(
        "meta", attrs={"http-equiv": lambda v: v and v.lower() == "content-security-policy"}
    )
    if len(metas) != 1:
        return [f"{len(metas)} CSP meta tags in <head>, not 1"]
    problems = []
    meta = metas[0]
    before = meta.find_all_previous(["link", "script", "style", "base"])
    if before:
        problems.append(f"the CSP meta comes after {[tag.name for tag in before]}: they escape it")
    directives = csp_directives(meta["content"])
    for name, value in REQUIRED_CSP.items():
        if directives.get(name) != [value]:
            problems.append(f"{name} is {directives.get(name)}, not [{value}]")
    script_src = directives.get("script-src", directives.get("default-src", []))
    problems += [f"script-src allows {v}" for v in FORBIDDEN_IN_SCRIPT_SRC if v in script_src]
    return problems


def markup_problems(page):
    """Inline code the CSP forbids or a handler attribute would need: one line each."""
    problems = []
    for tag in page.find_all(True):
        handlers = [name for name in tag.attrs if name.lower().startswith("on")]
        if handlers:
            problems.append(f"<{tag.name}> has inline event handler(s) {handlers}")
        if "style" in tag.attrs:
            problems.append(f"<{tag.name}> has a style attribute")
        for name in ("href", "src", "action", "formaction"):
            if str(tag.get(name, "")).strip().lower().startswith("javascript:"):
                problems.append(f"<{tag.name}> has a javascript: URL")
    for script in page.find_all("script"):
        if not script.get("src") and script.get("type") != "application/ld+json":
            problems.append("an inline <script> (only JSON-LD may be inline)")
    if page.find("style"):
        problems.append("a <style> element")
    return problems


@pytest.mark.parametrize("which", ["browser_site", "hostile_site"])
def test_every_page_has_a_strict_csp_and_no_inline_code(which, request):
    site = request.getfixturevalue(which)
    problems = {}
    pages = html_pages(site.output)
    assert len(pages) >= len(PAGE_TYPES)
    for path in pages:
        page = parse(path)
        found = csp_problems(page) + markup_problems(page)
        if found:
            problems[str(path.relative_to(site.output))] = found
    assert problems == {}


@pytest.mark.parametrize("path", PAGE_TYPES.values(), ids=PAGE_TYPES.keys())
def test_a_page_stays_on_its_origin_and_stores_nothing(new_context, browser_site, path):
    """A fresh profile per page type: every request, cookie and storage write counts."""
    context = new_context("phone", "light")
    watch = PageWatch(context.new_page(), browser_site.url)
    watch.goto(path)
    page = watch.page
    page.wait_for_load_state("networkidle")

    assert origin_of(watch.requests[0]) == browser_site.url
    assert any(url.endswith(".css") for url in watch.requests), watch.requests
    assert watch.off_origin_requests() == []
    set_cookies = [
        response.url for response in watch.responses if "set-cookie" in response.all_headers()
    ]
    assert set_cookies == []
    assert context.cookies() == []
    assert page.evaluate("document.cookie") == ""
    stored = page.evaluate("[localStorage.length, sessionStorage.length]")
    assert stored == [0, 0], "the page wrote to localStorage/sessionStorage"
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
    watch.assert_clean()
