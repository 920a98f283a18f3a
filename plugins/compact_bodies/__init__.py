"""Keep every article's and page's body compressed once its generator has read them.

Pelican keeps each body twice: as Markdown made it (`_content`, its {filename} links not
yet resolved) and as its page shows it (what `get_content(siteurl)` memoizes; the search
index makes it for every article before anything is written). Once a generator has read
its content (`article_generator_finalized`, `page_generator_finalized`) the first serves
only to make the second (for the site's URL, and the feeds' FEED_DOMAIN), the reading
aids' analyses and the incremental writer's body digests (plugins/content_body.py). So
this plugin keeps it compressed (ISA-L's deflate, level 1: the corpus' HTML to 30 %) and
hands it back through `Content._get_content`, the hook Pelican's `get_content` calls
instead of reading `_content`; and it makes Pelican's memo of `get_content` keep the
second compressed too (`PackedMemo`), each read expanding it again: the search index's
documents share the memo's compressed bodies (`packed_body_as_shown`). Pelican's reader
cache (CACHE_CONTENT) holds the same strings; the generator saved it to disk before, and
it is emptied.

At N = 4000 the bodies are ~20 MB each way in the build's process and in every process
forked from it after the articles are read (page renderers, image workers) (README,
"Benchmarks", for the peaks measured). Its receivers come first (the plugin is early in
PLUGINS), so what the other plugins make then (cards, reading aids, search documents)
reuses the memory the bodies leave. The cost: compressing every body once a build as
written and once as shown, and expanding it where it is read again (README).

It also keeps every article's attribute table small (`share_article_keys`). CPython
stores the attributes of a class's instances in one shared table of names plus, per
instance, an array of values (~290 bytes for an article), but stops adding names to that
table as instances are made: each new instance shrinks the room left, so the names the
plugins give articles once thousands exist (prompt_cards, ...) made every article's
attributes a table of its own (1,584 bytes; 5 MB at N = 4000, in the build and every
process forked from it). An article made when the plugins start, before any is read,
puts their names in the table first. The table holds about 28 names (CPython 3.11):
Pelican's (23 for an article with the usual metadata) and ARTICLE_ATTRIBUTES, which is
why reading_aids keeps its six in one.

tests/test_compact_bodies.py proves the built site byte-identical with and without this
plugin, with the dev and the publish settings, and that a build's articles share their
attribute table.
"""

from pelican import signals
from pelican.contents import Article

try:  # as Pelican loads it (PLUGIN_PATHS), or from the repository root (tests)
    from content_body import PackedBody, PackedMemo, memoized_get_content
except ImportError:
    from plugins.content_body import PackedBody, PackedMemo, memoized_get_content


def compact(content):
    """Keep `content`'s body compressed; False when it has no body of its own as text
    (None: Pelican records a file it could not read so), or already provides it some
    other way (its own `_get_content`)."""
    body = getattr(content, "__dict__", {}).get("_content")
    if type(body) is not str or hasattr(content, "_get_content"):
        return False
    content._get_content = PackedBody(body)
    del content._content
    return True


# The attributes the plugins give every article, besides Pelican's own.
ARTICLE_ATTRIBUTES = (
    "_get_content",  # this plugin
    "prompt_cards",  # prompt_cards
    "share_image",  # prompt_cards
    "preview_status",  # post_status
    "reading_aids",  # reading_aids
)


def share_keys(cls, names):
    """Put `names` in the shared table of attribute names of `cls`'s instances, through
    one instance made for that and dropped. Call it before instances are made: once
    a few exist, the table has no room left for names."""
    placeholder = object.__new__(cls)
    for name in names:
        object.__setattr__(placeholder, name, None)


def share_article_keys(_pelican=None):
    """initialized: before any article is made."""
    share_keys(Article, ARTICLE_ATTRIBUTES)


def pack_memo(_sender=None):
    """Make Pelican's memo of `get_content` keep its bodies compressed (once a process)."""
    memoized = memoized_get_content()
    if not getattr(memoized.cache, "packs_text", False):
        memoized.cache = PackedMemo(memoized.cache)


def compact_read(generator):
    """*_generator_finalized: drop the generator's reader cache and compress every body
    read so far (the articles', then the pages' too)."""
    readers = getattr(generator, "readers", None)
    if isinstance(getattr(readers, "_cache", None), dict):
        readers._cache = {}  # saved to disk by generate_context, not read again
    for content in list(generator.context.get("generated_content", {}).values()):
        compact(content)


def register():
    signals.initialized.connect(share_article_keys)
    # initialized: Pelican's memo of the bodies as shown packs what it keeps from the
    # start, before anything asks for them (the search index makes them as soon as the
    # articles are read, at article_generator_pretaxonomy).
    signals.initialized.connect(pack_memo)
    # *_generator_finalized: the generator has read its content and saved its reader
    # cache. Connected before the other plugins' receivers (compact_bodies comes early in
    # PLUGINS), so what they make then (cards, reading aids, search documents) takes
    # the memory the bodies leave, instead of more.
    signals.article_generator_finalized.connect(compact_read)
    signals.page_generator_finalized.connect(compact_read)
