"""Lighthouse scores 100 in every category on the key pages (what `invoke lighthouse` runs).

About 10 s per page: one run each, mobile, on the production build served locally.
"""

import pytest

from sitetools.lighthouse import CATEGORIES, LIGHTHOUSE_PATHS, check_site

pytestmark = pytest.mark.browser


def test_lighthouse_scores_100_on_the_key_pages():
    scores, failures = check_site(LIGHTHOUSE_PATHS)
    assert failures == []
    assert len(scores) == len(LIGHTHOUSE_PATHS)
    for url, by_category in scores.items():
        assert by_category == dict.fromkeys(CATEGORIES, 100), url
