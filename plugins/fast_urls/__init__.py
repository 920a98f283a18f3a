"""Work out each article's and page's URL once while pages are written, not on every use.

Pelican's `Content.url` and `Content.save_as` are properties that format the URL
setting from the object's metadata on every read (relative paths, slug, date, ...):
~30,000 times a build at N = 1000, each listing, link and feed reading them again. Once
writing starts nothing changes them any more, so from the first generator's
`generate_output` until `finalized` each value is kept per object. Before and after,
the properties work as in Pelican. tests/test_fast_urls.py proves the built site
byte-identical with and without this plugin, with the dev and the publish settings.
"""

from pelican import signals
from pelican.contents import Content

CACHED_PROPERTIES = ("url", "save_as")

_values = None  # while writing: (id(object), name) -> (object, value)


def cached_property(name, original):
    """`original` (a property), answered from _values while they are kept."""

    def get(self):
        if _values is None:
            return original.fget(self)
        kept = _values.get((id(self), name))
        if kept is not None and kept[0] is self:
            return kept[1]
        value = original.fget(self)
        _values[(id(self), name)] = (self, value)
        return value

    get.keeps_values = True
    get.original = original
    return property(get, original.fset, original.fdel, original.__doc__)


def install(_pelican=None):
    """Replace Content's url and save_as properties (once per process)."""
    for name in CACHED_PROPERTIES:
        current = Content.__dict__[name]
        if not getattr(current.fget, "keeps_values", False):
            setattr(Content, name, cached_property(name, current))


def start_keeping(generators):
    """Keep the values from the moment the first generator writes."""
    global _values
    _values = None
    writing = [g for g in generators if getattr(g, "generate_output", None) is not None]
    if writing:
        first = writing[0]
        first.generate_output = _keeping(first.generate_output)


def _keeping(generate_output):
    def wrapped(writer):
        global _values
        _values = {}
        return generate_output(writer)

    return wrapped


def stop_keeping(_sender=None):
    global _values
    _values = None


def register():
    # initialized: before any content object exists.
    signals.initialized.connect(install)
    # all_generators_finalized: the generators exist and none has written yet.
    signals.all_generators_finalized.connect(start_keeping)
    # finalized: the build is over; objects may change again (pelican --autoreload).
    signals.finalized.connect(stop_keeping)
