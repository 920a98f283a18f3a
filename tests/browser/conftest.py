"""Fixtures for the browser suite: the real production build served on 127.0.0.1, and
one Chromium (Debian's, driven by Playwright) shared by the whole session.

The site is built with the publish settings, because that is what gets deployed
(absolute URLs, no drafts, no caches), with SITE_URL set to the local server's address
so every absolute URL stays on the origin the tests watch. PLACEHOLDER practice values
are allowed (SITE_ALLOW_PLACEHOLDERS=1): the owner fills them in before publishing.
"""

from typing import NamedTuple

import pytest
from playwright.sync_api import sync_playwright

from sitetools.local_site import build_for, serve
from tests.browser.pages import DISPLAYS, VIEWPORTS
from tests.browser.watch import PageWatch
from tests.sitebuild import content_with

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE_FIXTURE = "hostile/hostile.md"


class Site(NamedTuple):
    url: str  # the origin it is served at, e.g. http://127.0.0.1:43121
    output: object  # Path of the built output folder


def _served_build(tmp_path_factory, name, fixtures=()):
    folder = tmp_path_factory.mktemp(name)
    content = content_with(folder, *fixtures) if fixtures else None
    output = folder / "output"
    output.mkdir()
    with serve(output) as url:
        result = build_for(url, output, content=content)
        assert result.returncode == 0, result.stdout + result.stderr
        yield Site(url, output)


@pytest.fixture(scope="session")
def browser_site(tmp_path_factory):
    """The real site, built with the publish settings for, and served at, 127.0.0.1."""
    yield from _served_build(tmp_path_factory, "browser-site")


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory):
    """The real site plus an article whose title, tags, summary and text are hostile."""
    yield from _served_build(tmp_path_factory, "hostile-site", fixtures=[HOSTILE_FIXTURE])


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, launched once per session."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser):
    """Make browser contexts (fresh profiles: no cookies, no cache); closed after the test."""
    contexts = []

    def make(viewport="phone", color_scheme="light", **options):
        context = browser.new_context(
            viewport=VIEWPORTS[viewport], color_scheme=color_scheme, **options
        )
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(params=DISPLAYS, ids=lambda display: "-".join(display))
def display(request):
    """(viewport, color scheme): each test using it runs at 360×740 and 1280×800, light and dark."""
    return request.param


@pytest.fixture(scope="session")
def display_pages(browser, browser_site):
    """One watched page per display, made on first use and reused (a new page costs more
    than the test that uses it); each test starts by opening an address."""
    pages, contexts = {}, []

    def page_for(display):
        if display not in pages:
            viewport, scheme = display
            context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme)
            contexts.append(context)
            pages[display] = PageWatch(context.new_page(), browser_site.url)
        return pages[display]

    yield page_for
    for context in contexts:
        context.close()


@pytest.fixture
def watched(display_pages, display):
    """A page of the real site in the current display, watched (see watch.PageWatch)."""
    watch = display_pages(display)
    watch.reset()
    return watch
