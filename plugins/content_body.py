"""An article's or page's body as written: its HTML before Pelican resolves its links.

Not a plugin: a helper for the plugins that read bodies outside a page's rendering
(reading_aids analyses them, incremental_output digests them). Pelican's `get_content`
reads `_get_content()` when an object has one (plugins/compact_bodies gives every body
one, kept compressed), else `_content`; this reads the same, without resolving the
{filename}, {static}, ... links or memoizing anything.
"""


def body_as_written(content):
    """`content`'s body as written (None if it has none)."""
    get_content = getattr(content, "_get_content", None)
    return get_content() if get_content is not None else getattr(content, "_content", None)
