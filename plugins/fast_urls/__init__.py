"""Work out each article's and page's URL once while pages are written, not on every use.

Pelican's `Content.url` and `Content.save_as` are properties that format the URL
setting from the object's metadata on every read (relative paths, slug, date, ...):
~30,000 times a build at N = 1000, each listing, link and feed reading them again. Once
writing starts nothing changes them any more, so from the first generator's
`generate_output` until `finalized` each value is kept per object. Before and after,
the properties work as in Pelican. tests/test_fast_urls.py proves the built site
byte-identical with and without this plugin, with the dev and the publish settings.

A tag's, category's or author's URL is formatted from `URLWrapper.as_dict()`, which in
Pelican writes the name and slug into the object's own attributes each time: every
article has its own Tag objects, and each one rendered got an attribute table of its own
(~200 bytes more, made while pages are written: ~2 MB in each page renderer at
N = 4000). `as_dict` gives the same values in a new dict instead.

Every URL Pelican formats starts from the object's path relative to PATH
(`get_relative_source_path`, about 12 times per article in a build): that one is a pure
function of two absolute paths, so it is worked out once per path, for the whole build.

A tag's, category's or author's slug is worked out from its name by `slugify`, once per
object (and again to compare one with a string): every article has its own Tag objects,
so about 5,000 times at N = 1000 for a few dozen names. `slugify` is a pure function of
its arguments; the one urlwrappers calls remembers its answers (`remembered_slugify`).
"""

import os

import pelican.urlwrappers
from pelican import signals
from pelican.contents import Content
from pelican.urlwrappers import URLWrapper

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


_relative_paths = {}  # (source path, PATH) -> the source path relative to PATH


def remembered_relative_path(original):
    """`original` (Content.get_relative_source_path), answered once per source path and
    PATH when both are absolute: abspath and relpath then depend on the two strings
    alone, not on the working folder or the file system."""

    def get_relative_source_path(self, source_path=None):
        key = (source_path or self.source_path, self.settings.get("PATH"))
        relative = _relative_paths.get(key)  # only absolute paths are remembered
        if relative is None:
            relative = original(self, source_path)
            path, root = key
            if path and os.path.isabs(path) and os.path.isabs(root):
                _relative_paths[key] = relative
        return relative

    get_relative_source_path.keeps_values = True
    get_relative_source_path.original = original
    get_relative_source_path.__doc__ = original.__doc__
    return get_relative_source_path


def remembered_slugify(original):
    """`original` (pelican.utils.slugify), answered once per value and options."""
    answers = {}

    def slugify(value, regex_subs=(), preserve_case=False, use_unicode=False):
        try:
            key = (value, tuple(map(tuple, regex_subs)), preserve_case, use_unicode)
            hash(key)
        except TypeError:  # options it cannot remember: asked each time
            return original(value, regex_subs, preserve_case, use_unicode)
        slug = answers.get(key)
        if slug is None:
            slug = answers[key] = original(value, regex_subs, preserve_case, use_unicode)
        return slug

    slugify.keeps_values = True
    slugify.original = original
    slugify.__doc__ = original.__doc__
    return slugify


def url_fields(wrapper):
    """What a URLWrapper's URL settings are formatted with (its attributes, name and
    slug), without storing name and slug among its attributes as Pelican's as_dict does."""
    name, slug = wrapper.name, wrapper.slug  # first: the slug is worked out into _slug
    return {**wrapper.__dict__, "name": name, "slug": slug}


def install(_pelican=None):
    """Replace Content's url and save_as properties and get_relative_source_path,
    URLWrapper.as_dict, and the slugify urlwrappers calls (once per process)."""
    URLWrapper.as_dict = url_fields
    if not getattr(pelican.urlwrappers.slugify, "keeps_values", False):
        pelican.urlwrappers.slugify = remembered_slugify(pelican.urlwrappers.slugify)
    for name in CACHED_PROPERTIES:
        current = Content.__dict__[name]
        if not getattr(current.fget, "keeps_values", False):
            setattr(Content, name, cached_property(name, current))
    current = Content.__dict__["get_relative_source_path"]
    if not getattr(current, "keeps_values", False):
        Content.get_relative_source_path = remembered_relative_path(current)


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
