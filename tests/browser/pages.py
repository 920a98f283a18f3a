"""The page types the browser suite checks: one entry per template a reader can reach.

Every test that runs "on every page type" (axe, keyboard, privacy, CSP) reads PAGE_TYPES.
A feature that adds a page type adds one entry here, e.g.
    "prompts": "/prompts/",  "prompt": "/prompts/<a-card-slug>/",
    "booking": "/book/",  "booking-state": "/book/california/",  "search": "/search/",
and writes its reader journey as tests/browser/test_journey_<feature>.py.
"""

from playwright.sync_api import expect

# name -> path on the site (as served: /dir/ is dir/index.html)
PAGE_TYPES = {
    "index": "/",
    "article": "/the-ingredients/",
    "page": "/about/",
    "category": "/category/relationships/",
    "tag": "/tag/vulnerability/",
    "tags": "/tags/",
    "categories": "/categories/",
    "archives": "/archives/",
    "author": "/author/yasmine-binghalib/",
    "not-found": "/404.html",
    "prompts": "/prompts/",
    "prompt": "/prompts/when-it-comes-to-making-a-relationship/",
    "prompts-level": "/prompts/level/deeper/",
    "prompts-print": "/prompts/print/",
    "booking": "/book/",
    "booking-state": "/book/california/",
    "booking-state-ct": "/book/connecticut/",
    "booking-elsewhere": "/book/elsewhere/",
    "search": "/search/",
}

# The article the journeys and the weight budget read.
ARTICLE = PAGE_TYPES["article"]

# Browser windows every display-dependent test runs in: a small phone and a laptop,
# each in the light and the dark colour scheme.
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
COLOR_SCHEMES = ("light", "dark")
DISPLAYS = [(viewport, scheme) for viewport in VIEWPORTS for scheme in COLOR_SCHEMES]


def read_every_paragraph(page):
    """Scroll through the article the way a reader does; each paragraph must be legible
    (visible, in the viewport when scrolled to, set in 16px type or larger)."""
    paragraphs = page.locator(".post__body p")
    assert paragraphs.count() >= 5
    for index in range(paragraphs.count()):
        paragraph = paragraphs.nth(index)
        paragraph.scroll_into_view_if_needed()
        expect(paragraph).to_be_visible()
        expect(paragraph).to_be_in_viewport()
        size = paragraph.evaluate("p => parseFloat(getComputedStyle(p).fontSize)")
        assert size >= 16, f"paragraph {index + 1} is set in {size}px type"
