"""axe-core (bundled by axe-playwright-python) on every page type: no WCAG A/AA violation."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.pages import PAGE_TYPES

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
# Axe injects its script with page.evaluate (the DevTools protocol), which the page's CSP
# does not govern: the pages are checked with their CSP in force, and watched for violations.
AXE = Axe()


@pytest.mark.parametrize("path", PAGE_TYPES.values(), ids=PAGE_TYPES.keys())
def test_no_wcag_violations(watched, path):
    watched.goto(path)
    results = AXE.run(watched.page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
    watched.assert_clean()
