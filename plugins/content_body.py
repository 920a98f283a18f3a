"""Bodies of articles and pages, for the plugins that read them outside a page's rendering,
and the compressed form they are kept in.

Not a plugin: helpers shared by reading_aids (analyses bodies), incremental_output
(digests them), search_index (indexes them) and compact_bodies (keeps them compressed).
Pelican's `get_content` reads `_get_content()` when an object has one (compact_bodies
gives every body one), else `_content`, resolves the {filename}, {static}, ... links for
a site URL and memoizes the result per (object, site URL).
"""

import os
from urllib.parse import urlparse

from isal import isal_zlib


def pack_bytes(data):
    """`data` compressed (ISA-L's deflate, level 1: the corpus' HTML to 30 %): what the
    build keeps packed in memory is packed so, here alone."""
    return isal_zlib.compress(data, 1)


def unpack_bytes(data):
    """The bytes `data` was packed from."""
    return isal_zlib.decompress(data)


def pack(text):
    """`text` packed (pack_bytes), as bytes: the same text packed by the same library
    always gives the same bytes."""
    return pack_bytes(text.encode("utf-8", "surrogatepass"))


def unpack(data):
    """The text `data` was packed from."""
    return unpack_bytes(data).decode("utf-8", "surrogatepass")


class PackedBody:
    """A body kept packed; calling it gives the text back (`Content._get_content`)."""

    __slots__ = ("data",)

    def __init__(self, text):
        self.data = pack(text)

    def __call__(self):
        return unpack(self.data)


class PackedMemo(dict):
    """A memo (Pelican's `memoized.cache`) that keeps each text value packed (as bytes,
    which `get_content` never gives) and gives it back whole: the bodies a build has
    shown stay ~30 % of their size between reads."""

    packs_text = True

    def __setitem__(self, key, value):
        super().__setitem__(key, pack(value) if type(value) is str else value)

    def __getitem__(self, key):
        value = super().__getitem__(key)
        return unpack(value) if type(value) is bytes else value

    def get(self, key, default=None):
        try:
            return self[key]  # dict.get would hand back the packed bytes
        except KeyError:
            return default


def body_as_written(content):
    """`content`'s body as written, before Pelican resolves its links (None if it has
    none); nothing is memoized."""
    get_content = getattr(content, "_get_content", None)
    return get_content() if get_content is not None else getattr(content, "_content", None)


# Intrasite links Pelican resolves from the settings alone ({tag}, {category}, ...).
LINKS_FROM_SETTINGS = frozenset({"category", "tag", "index", "author"})


def shown_once_read(content):
    """Whether `content`'s body shows, now that its generator has read every article,
    what it will show when its page is written: each of its intrasite links is one
    Pelican resolves from the settings alone, or a {filename} link to content read
    already, found by its path as written (Pelican's first try; `_link_replacer`). A
    {filename} link to a page (pages are read after the articles), a {static} or
    {attach} link (the static files come last), or one Pelican would look for again
    some other way, is not: resolving it now would show it unresolved, with a warning,
    and the memo would keep that."""
    body = body_as_written(content)
    if not body:
        return True
    generated = content._context["generated_content"]
    for match in content._get_intrasite_link_regex().finditer(body):
        what = match["what"]
        if what in LINKS_FROM_SETTINGS:
            continue
        if what != "filename":
            return False
        path = urlparse(match["value"]).path
        if path.startswith("/"):
            path = path[1:]
        else:
            path = content.get_relative_source_path(os.path.join(content.relative_dir, path))
        if generated.get(path) is None:
            return False
    return True


def memoized_get_content():
    """Pelican's memoized `Content.get_content` (under any wrappers, which name it
    `__wrapped__`); its `cache` is the memo."""
    from pelican.contents import Content

    function = Content.__dict__["get_content"]
    while not hasattr(function, "cache"):
        function = function.__wrapped__
    return function


def packed_body_as_shown(content, siteurl):
    """`content.get_content(siteurl)` packed: the very bytes Pelican's memo keeps when
    compact_bodies packs it (no second copy, and not expanded to be packed again), else
    packed here."""
    memo = memoized_get_content().cache
    if getattr(memo, "packs_text", False):
        key = (content, siteurl)
        if key not in memo:
            content.get_content(siteurl)  # made and memoized, packed
        packed = dict.get(memo, key)
        if type(packed) is bytes:
            return packed
    return pack(content.get_content(siteurl))
