"""Settings for local builds and the live preview.

`publishconf.py` imports everything here and overrides what differs in production.
Values marked PLACEHOLDER are shown on the site as visible placeholders until the
owner fills them in; the publish settings refuse to deploy them.
"""

AUTHOR = "Yasmine Binghalib"
SITENAME = "Yasmine Binghalib, LMFT"
SITESUBTITLE = "Notes on love, trust and the work of relationships"
SITEURL = ""

PATH = "content"
TIMEZONE = "America/Los_Angeles"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%B %-d, %Y"

THEME = "theme"
THEME_STATIC_DIR = "theme"

PLUGIN_PATHS = ["plugins"]
PLUGINS = ["strict_build"]
# plugins/compact_bodies: once the articles are read, each body as Markdown made it is kept
# compressed (pages show the copy Pelican makes with the links resolved): less memory.
# Early in the list, so its receivers run first (README, "Benchmarks").
PLUGINS += ["compact_bodies"]
PLUGINS += ["prompt_cards"]  # settings: PROMPT_CARDS_* (README, "Prompt cards")

# Jinja: autoescape everything. Article and page bodies are marked safe in the theme,
# and only there; titles, tags and summaries are escaped text.
JINJA_ENVIRONMENT = {
    "autoescape": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "extensions": [],
}
# Summaries are plain text (the content linter requires one per article): Pelican then
# neither runs them through Markdown a second time nor lets raw HTML through them.
FORMATTED_FIELDS = []

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
    },
    "output_format": "html5",
}

# URLs that last: /<slug>/ for articles and pages alike.
ARTICLE_URL = "{slug}/"
ARTICLE_SAVE_AS = "{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = "category/{slug}/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
AUTHOR_URL = "author/{slug}/"
AUTHOR_SAVE_AS = "author/{slug}/index.html"
CATEGORIES_URL = "categories/"
CATEGORIES_SAVE_AS = "categories/index.html"
TAGS_URL = "tags/"
TAGS_SAVE_AS = "tags/index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
AUTHORS_SAVE_AS = ""  # one author: her page is /author/<slug>/ and /about/
DRAFT_URL = "drafts/{slug}/"
DRAFT_SAVE_AS = "drafts/{slug}/index.html"
DRAFT_PAGE_URL = "drafts/pages/{slug}/"
DRAFT_PAGE_SAVE_AS = "drafts/pages/{slug}/index.html"
DIRECT_TEMPLATES = ["index", "tags", "categories", "archives"]

DEFAULT_PAGINATION = 10
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

# Feeds: full content. FEED_DOMAIN makes their links absolute in the publish build.
FEED_DOMAIN = "http://localhost:8000"  # the live preview; publishconf uses SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_ATOM = "feeds/category/{slug}.atom.xml"
CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TAG_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
RSS_FEED_SUMMARY_ONLY = False

STATIC_PATHS = ["images", "extra"]
EXTRA_PATH_METADATA = {}

DISPLAY_PAGES_ON_MENU = False
DISPLAY_CATEGORIES_ON_MENU = False
# The header navigation, in order: (label, URL relative to SITEURL).
MENU_LINKS = [
    ("Articles", "archives/"),
    ("Topics", "tags/"),
    ("Prompts", "prompts/"),
    ("About", "about/"),
]

# Shown under every article and on the About page.
AUTHOR_BIO = (
    "Yasmine Binghalib is a Relationship Specialist and Licensed Marriage and Family "
    "therapist practicing online for people in California & Connecticut."
)

# The practice: name, licenses, booking. One block, read by the footer, the reply
# section and the booking pages. Replace every PLACEHOLDER before publishing.
PRACTICE = {
    "name": "Yasmine Binghalib",
    "credentials": "LMFT",
    "email": "PLACEHOLDER: e-mail address for booking questions",
    "booking_url": "PLACEHOLDER: https://your-practice.clientsecure.me/",
    "consultation": "A free 15-minute video consultation",
    "fees": "",
    "states": {
        "california": {
            "name": "California",
            "title": "Licensed Marriage and Family Therapist",
            "abbreviation": "LMFT",
            "number": "PLACEHOLDER: California LMFT number",
            "board": "California Board of Behavioral Sciences",
            "lookup_url": "https://search.dca.ca.gov/",
            "telehealth_law": "16 CCR §1815.5 and Bus. & Prof. Code §2290.5",
        },
        "connecticut": {
            "name": "Connecticut",
            "title": "Licensed Marital and Family Therapist",
            "abbreviation": "LMFT",
            "number": "PLACEHOLDER: Connecticut LMFT number",
            "board": "Connecticut Department of Public Health",
            "lookup_url": "https://www.elicense.ct.gov/Lookup/LicenseLookup.aspx",
            "telehealth_law": "Conn. Gen. Stat. §19a-906",
        },
    },
}

# ---- Reply and booking (plugins/reply_booking) ----
# PRACTICE above is validated once at start-up: a malformed value or an unknown key
# fails the build naming the key. Optional keys and their defaults: "short_name" (first
# word of "name"), "consultation" and "fees" ("" leaves them out; "fees" may also be a
# list of lines), each state's "telehealth_law", and "directories" (where people in
# other states can find a therapist; see plugins/reply_booking/settings.py).
# Pages: /book/, /book/<state>/ and /book/elsewhere/; a reply section ends every article.
PLUGINS += ["reply_booking"]
MENU_LINKS += [("Book", "book/")]
PRACTICE_REFUSE_PLACEHOLDERS = False  # publishconf.py sets True

# Dev builds are fast to iterate on: cache parsed content between runs.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = ".cache/pelican"
DELETE_OUTPUT_DIRECTORY = False

# Authoring: drafts and scheduled posts carry a "Draft" / "Scheduled" banner and badge
# in this preview (plugins/post_status); drafts are listed on the index while
# DRAFT_SAVE_AS writes them. publishconf.py writes neither (see README, "Writing a post").
PLUGINS += ["post_status"]
# ---- Discovery: search, sharing, sitemap, reading aids (issue 7) ----
# plugins/search_index: Pagefind indexes every article after each build; /search/.
# plugins/site_meta: JSON-LD, Open Graph/Twitter cards, canonical links, robots.txt.
# plugins/reading_aids: reading time, older/newer, related articles, table of contents.
# pelican.plugins.sitemap (pelican-sitemap): sitemap.xml. Listed before search_index:
# both act at `finalized`, in this order, so the sitemap is written while Pagefind
# still indexes rather than after it. reading_aids before search_index: once the
# articles are read, it forks the analyses the build waits for, then Pagefind starts.
PLUGINS += ["pelican.plugins.sitemap", "reading_aids", "search_index", "site_meta"]
MENU_LINKS += [("Search", "search/")]
SEARCH_INDEX_ENABLED = True  # False skips Pagefind (faster builds; /search/ then says so)
SEARCH_URL = "search/"
SEARCH_SAVE_AS = "search/index.html"
# Headings get ids from Markdown's toc extension; reading_aids builds the table of
# contents from them for long articles. No [TOC] marker: the theme places it.
MARKDOWN["extension_configs"]["markdown.extensions.toc"] = {"marker": "", "toc_depth": "2-3"}
READING_AIDS = {
    "words_per_minute": 230,
    "related_limit": 3,
    "toc_min_headings": 3,  # a table of contents needs at least 3 h2/h3 headings
    "toc_min_words": 600,  # ... and an article long enough to need one
}
SITE_META = {
    "default_image": {
        "url": "theme/images/share-default.png",  # theme/static/images/, 1200×630
        "alt": "Yasmine Binghalib, LMFT: notes on love, trust and the work of relationships",
        "width": 1200,
        "height": 630,
    },
    "person_url": "about/",  # the author's page: the Person's url in JSON-LD
    "person_page": "about",  # slug of the page that carries the Person JSON-LD
}
SITEMAP = {
    "format": "xml",
    # Drafts, hidden pages (the 404 page) are left out by the plugin itself; these
    # patterns (on the URL relative to SITEURL) catch what it can't know.
    "exclude": [r"^drafts/", r"^404\.html$", r"^book/elsewhere/"],
}
# ---- Feeds: titles and summaries stay plain text (plugins/feed_text) ----
PLUGINS = [*PLUGINS, "feed_text"]
# Build speed (README, "Benchmarks"): read Markdown with one reused Markdown instance
# instead of a new one per file; the output is byte-identical (tests/test_fast_markdown.py).
PLUGINS += ["fast_markdown"]
# ---- Build speed: dev builds skip what has not changed (README, "Benchmarks") ----
# plugins/incremental_output: a page is rendered again only when something it is made
# from changed (publishconf.py turns it off: production is always a full build).
PLUGINS += ["incremental_output"]
INCREMENTAL_OUTPUT = True
# plugins/fast_urls: each article's URL is worked out once while pages are written.
PLUGINS += ["fast_urls"]
# plugins/fast_escape: Jinja's autoescape without markupsafe's Python wrapping (same output).
PLUGINS += ["fast_escape"]
# plugins/layered_context: an {% include %} refers to the page's context instead of copying it.
PLUGINS += ["layered_context"]
# plugins/fast_getattr: `value.name` on a dict reads the item without a failed getattr first.
PLUGINS += ["fast_getattr"]
# ---- Build speed: pages rendered on both cores (README, "Pages rendered on both cores") ----
# plugins/incremental_output renders every build's pages, production's too, in this many
# processes: None = both cores (one on a one-core machine); 1 = in the build's own only.
INCREMENTAL_OUTPUT_PROCESSES = None
# Jinja checks every template file's mtime on each {% include %} by default (~90,000
# stats a build); templates don't change during a build, so load each once.
JINJA_ENVIRONMENT["auto_reload"] = False
# And keep them in a plain dict: Jinja's default LRU cache of 400 moves each template to
# the end of a deque on every {% include %} (28,000 lookups a build in each renderer);
# the theme has 45 templates, and each build makes its environments anew.
JINJA_ENVIRONMENT["cache_size"] = -1
# ---- Build speed: warm dev rebuilds (README, "Benchmarks") ----
# Pelican gzips its content cache by default: at N = 1000 that is ~0.25 s of every
# rebuild spent compressing and decompressing 5 MB of pickles. Plain files load 10x faster.
GZIP_CACHE = False
# plugins/template_cache: compiled templates kept in CACHE_PATH/jinja/ (Jinja's bytecode
# cache, checked against each template's source), ~0.1 s of every rebuild per process.
PLUGINS += ["template_cache"]
TEMPLATE_CACHE = True
# plugins/site_fragments: the footer, the same on every page, is rendered once per build
# process, not once per page (theme/templates/base.html calls site_fragment: the theme
# needs this plugin).
PLUGINS += ["site_fragments"]
