"""Fingerprints of what a page is rendered from: pure functions of Python values.

`Encoder.encode(value)` turns the values a template can see (settings, content objects,
tags, paginator pages, prompt cards, ...) into a canonical string; equal strings mean
equal renderings, given the same templates and code. A type it does not know raises
`Unfingerprintable`, and the page is rendered.

Content objects (articles, pages) are encoded as a reference (class and source path);
their own attributes are fingerprinted once each (`own`), and the site fingerprint holds
the attributes of every content object reachable from the context. The body is left out
of that (`UNRENDERED_FIELDS`): which bodies a page shows is recorded while it is rendered
(see writer.py), so editing one article's text re-renders only the pages that show it.
"""

import dataclasses
import datetime
import functools
import hashlib
import re
import types
from pathlib import PurePath

from markupsafe import Markup
from pelican.contents import Content, Static
from pelican.paginator import Page, Paginator
from pelican.urlwrappers import URLWrapper
from pelican.utils import DateFormatter

try:  # a build: Pelican puts plugins/ (PLUGIN_PATHS) on sys.path
    from content_body import PackedBody, body_as_written
except ImportError:  # imported as plugins.<name> (the tests)
    from plugins.content_body import PackedBody, body_as_written

# Attributes (of content objects) and dataclass fields left out of the fingerprints:
# - `_content`, the body: templates read it as `.content` (or `.summary` without
#   Summary: metadata), and the writer records every such read; `_get_content`, the
#   same body kept compressed (plugins/compact_bodies);
# - `word_count` (reading_aids), which changes with every edit and no template shows;
# - `line`, a prompt card's line in its article (for error messages; the cards' order
#   is in the fingerprint), which moves whenever a line is added above the block.
# A template that names one of them (`.line`, 'line') puts it back (unrendered_fields).
UNRENDERED_FIELDS = frozenset({"_content", "_get_content", "word_count", "line"})
# Attributes shared by every object and fingerprinted once for the whole site.
SHARED_ATTRIBUTES = frozenset({"_context", "settings"})
# Properties computed from the attributes and settings, read by templates.
CONTENT_PROPERTIES = ("url", "save_as", "summary")


class Unfingerprintable(TypeError):
    """A value of a type whose rendering the encoder cannot vouch for."""


def digest(text):
    return digest_bytes(text.encode("utf-8", "surrogatepass"))


def digest_bytes(data):
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def unrendered_fields(template_sources):
    """UNRENDERED_FIELDS less those a template names as an attribute (`.x`, 'x')."""
    return frozenset(
        name
        for name in UNRENDERED_FIELDS
        if not any(
            re.search(rf"\.{name}\b|['\"]{name}['\"]", source) for source in template_sources
        )
    )


def content_ref(obj):
    """A content object's identity across builds."""
    return f"C({type(obj).__name__},{obj.source_path!r},{getattr(obj, 'save_as', None)!r})"


def body_digest(obj):
    """The fingerprint of a content object's body (what `.content` renders from). A body
    kept packed (plugins/compact_bodies) is fingerprinted as its packed bytes, which the
    same text always packs to: 2.5 µs instead of 38 for unpacking and digesting it."""
    packed = getattr(obj, "_get_content", None)
    if type(packed) is PackedBody:
        return "P" + digest_bytes(packed.data)
    return digest(repr(body_as_written(obj)))


SCALARS = (str, int, float, bool, type(None), bytes, complex)
TIMES = (datetime.datetime, datetime.date, datetime.time, datetime.timedelta, datetime.tzinfo)
# An encoding longer than this is replaced by its digest.
LONG = 200
CALLABLES = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.ModuleType,
    type,
)


class Encoder:
    """Encodes values canonically, remembering containers and content objects it met.

    One encoder lives for one build's writing phase: containers are remembered by
    identity, so they must not change while pages are written (Pelican builds the whole
    context before writing anything).
    """

    def __init__(self, unrendered=UNRENDERED_FIELDS):
        self.unrendered = unrendered
        self._memo = {}  # id -> (value, encoding, ids of the content objects inside)
        self._own = {}  # id -> (content, own fingerprint, ids of content it refers to)
        self._objects = {}  # id -> content object, for every content object met
        self._ref_memo = {}  # id -> content_ref() of that object
        self._keys = {}  # id -> that id as one int object
        self._field_names = {}  # dataclass -> the names of its fields that are rendered
        # The content objects met by the encode() running now: a list of parts, each the
        # id of a content object or the (remembered) parts of a container met before, so
        # meeting a container costs one part, not a copy of every id inside it.
        self._refs = []
        self._outside_memo = {}  # id(parts) -> (parts, known, ids in them not in known)
        self._open = set()  # ids of the values being encoded (a cycle would never end)
        # Where the containers met now are remembered: None, in _memo for the build; a
        # dict, only until the encode_with_refs(keep_nested=False) running now returns.
        self._scratch = None

    def contents(self):
        """Every content object met so far."""
        return list(self._objects.values())

    # -- values --

    def encode_with_refs(self, value, remember=True, known=None, keep_nested=True):
        """(encoding, {id: content object} for every content object inside `value`, but
        those whose id is in `known`). `keep_nested=False`: the containers inside are
        looked up among those remembered, and remembered only while `value` is encoded."""
        outer, self._refs = self._refs, []
        scratch = self._scratch
        if not keep_nested and scratch is None:
            self._scratch = {}
        try:
            encoding = self.encode(value, remember)
            parts = tuple(self._refs)
        finally:
            self._refs = outer
            self._scratch = scratch
        # `parts` is this value's alone: only the remembered parts inside it are kept.
        ids = self._every_id(parts) if known is None else self._outside(parts, known, keep=False)
        return encoding, {key: self._objects[key] for key in ids}

    @staticmethod
    def _every_id(parts):
        found, seen, pending = set(), set(), [parts]
        while pending:
            node = pending.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            for part in node:
                if type(part) is int:
                    found.add(part)
                else:
                    pending.append(part)
        return found

    def _outside(self, node, known, keep=True):
        """The ids in `node` (parts) not in `known`, worked out once per remembered node
        (`keep=False`: a node met once)."""
        remembered = self._outside_memo.get(id(node)) if keep else None
        if remembered is not None and remembered[0] is node and remembered[1] is known:
            return remembered[2]
        ids = set()
        for part in node:
            if type(part) is int:
                if part not in known:
                    ids.add(part)
            else:
                ids.update(self._outside(part, known))
        ids = tuple(ids)
        if keep:
            self._outside_memo[id(node)] = (node, known, ids)
        return ids

    def encode(self, value, remember=True):
        """The canonical string of `value`; `remember=False` for a value met only once
        (each page's own variables), so it is not kept for the whole build."""
        kind = type(value)
        if kind is str or kind is int or kind is float or kind is bool or value is None:
            return repr(value)
        if isinstance(value, Content):
            key = id(value)
            if self._objects.get(key) is not value:
                self._objects[key] = value
                self._ref_memo[key] = content_ref(value)
                self._keys[key] = key
            # The same int object each time: id() makes a new one, and the parts and
            # memos keep ~90,000 of them in a page renderer at N = 4000 (3 MB).
            self._refs.append(self._keys[key])
            return self._ref_memo[key]
        remembered = self._memo.get(id(value))
        if remembered is None and self._scratch is not None:
            remembered = self._scratch.get(id(value))
        if remembered is not None and remembered[0] is value:
            if remembered[2]:
                self._refs.append(remembered[2])
            return remembered[1]
        if id(value) in self._open:
            raise Unfingerprintable(f"a {type(value).__qualname__} that contains itself")
        self._open.add(id(value))
        outer, self._refs = self._refs, []
        try:
            encoding = self._encode_new(value)
            inner = tuple(self._refs)
        finally:
            self._refs = outer
            self._open.discard(id(value))
        if inner:
            outer.append(inner)
        if len(encoding) > LONG:  # nested containers then cost their digest, not a copy
            encoding = f"#{digest(encoding)}"
        if remember and not isinstance(value, SCALARS):
            memo = self._memo if self._scratch is None else self._scratch
            memo[id(value)] = (value, encoding, inner)
        return encoding

    def _item(self, value):
        """encode(value), a plain string's without a call (most keys and items are)."""
        return repr(value) if type(value) is str else self.encode(value)

    def _encode_new(self, value):
        encode, item = self.encode, self._item
        if isinstance(value, Markup):
            return f"M{str(value)!r}"
        if isinstance(value, SCALARS):
            return f"{type(value).__name__}{value!r}"
        if isinstance(value, list | tuple):
            return f"{type(value).__name__}[{','.join([item(v) for v in value])}]"
        if isinstance(value, dict):
            items = ",".join([f"{item(k)}:{item(v)}" for k, v in value.items()])
            return f"{type(value).__name__}{{{items}}}"
        if isinstance(value, set | frozenset):
            return f"{type(value).__name__}{{{','.join(sorted(map(encode, value)))}}}"
        if isinstance(value, TIMES):
            return repr(value)
        if isinstance(value, URLWrapper):
            return f"{type(value).__name__}({value.name!r},{value.slug!r})"
        if isinstance(value, Page | Paginator | DateFormatter):  # plain attributes
            return self._object(value, vars(value))
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            names = self._field_names.get(type(value))
            if names is None:  # dataclasses.fields() each time: ~3,000 prompt cards
                names = tuple(
                    f.name for f in dataclasses.fields(value) if f.name not in self.unrendered
                )
                self._field_names[type(value)] = names
            return self._object(value, {name: getattr(value, name) for name in names})
        if isinstance(value, types.SimpleNamespace):
            return self._object(value, vars(value))
        if isinstance(value, CALLABLES):
            module = getattr(value, "__module__", None)
            name = getattr(value, "__qualname__", None) or getattr(value, "__name__", "")
            if isinstance(value, types.MethodType):
                return f"method({encode(value.__self__)}.{name})"
            if isinstance(value, types.FunctionType):
                # Its code is in the code digest; what it closes over and its defaults:
                cells = [cell.cell_contents for cell in value.__closure__ or ()]
                captured = encode([cells, value.__defaults__, value.__kwdefaults__])
                return f"function({module}.{name},{captured})"
            return f"{type(value).__name__}({module}.{name})"
        if isinstance(value, functools.partial):
            return f"partial({encode(value.func)},{encode(value.args)},{encode(value.keywords)})"
        if isinstance(value, re.Pattern):
            return f"re({value.pattern!r},{value.flags})"
        if isinstance(value, PurePath):
            return f"path({str(value)!r})"
        configs = getattr(value, "getConfigs", None)  # Markdown extensions in MARKDOWN
        if callable(configs):
            return f"{type(value).__qualname__}({encode(configs())})"
        raise Unfingerprintable(f"cannot fingerprint a {type(value).__qualname__}")

    def _object(self, value, attributes):
        item = self._item
        items = ",".join(
            [
                f"{name}:{item(field)}"
                for name, field in attributes.items()
                if name not in SHARED_ATTRIBUTES
            ]
        )
        return f"{type(value).__qualname__}({items})"

    # -- content objects --

    def own(self, obj):
        """(fingerprint of a content object's own attributes, body left out; the
        content objects they refer to)."""
        remembered = self._own.get(id(obj))
        if remembered is not None and remembered[0] is obj:
            return remembered[1], remembered[2]
        attributes = {
            name: value
            for name, value in sorted(vars(obj).items())
            if name not in SHARED_ATTRIBUTES and name not in self.unrendered
        }
        for name in CONTENT_PROPERTIES if not isinstance(obj, Static) else ("url", "save_as"):
            try:
                attributes[f"@{name}"] = getattr(obj, name, None)
            except Exception as error:  # whatever it is, the page is rendered
                raise Unfingerprintable(f"{content_ref(obj)}.{name}: {error!r}") from error
        # An object's own attributes (its dates, tag list, metadata, ...) are met once:
        # remembering them would keep ~25 containers per article for the whole build.
        encoding, refers_to = self.encode_with_refs(attributes, remember=False, keep_nested=False)
        fingerprint = digest(f"{type(obj).__qualname__}({encoding})")
        self._own[id(obj)] = (obj, fingerprint, refers_to)
        return fingerprint, refers_to

    def closure(self, start, known=()):
        """{id: (reference, own fingerprint)} for the content objects in `start` and
        every one they refer to, directly or not, leaving out the ids in `known`."""
        found = {}
        pending = [obj for key, obj in start.items() if key not in known]
        while pending:
            obj = pending.pop()
            if id(obj) in found:
                continue
            fingerprint, refers_to = self.own(obj)
            found[id(obj)] = (self.encode(obj), fingerprint)
            pending.extend(o for k, o in refers_to.items() if k not in found and k not in known)
        return found
