"""The page types the browser suite checks: one entry per template a reader can reach.

Every test that runs "on every page type" (axe, keyboard, privacy, CSP) reads PAGE_TYPES.
A feature that adds a page type adds one entry here, e.g.
    "prompts": "/prompts/",  "prompt": "/prompts/<a-card-slug>/",
    "booking": "/book/",  "booking-state": "/book/california/",  "search": "/search/",
and writes its reader journey as tests/browser/test_journey_<feature>.py.
"""

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
