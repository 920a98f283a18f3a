"""Jinja's `{% include %}` without copying the page's whole context, with the same output.

Every page's context holds Pelican's ~210 settings and lists. For each `{% include %}`
and `{% import ... with context %}` Jinja 3.1 makes the included template a context of
its own by copying that dict, twice when the page has set a variable and the include
sits in a block or loop (`dict(parent, **vars)`, then `dict(parent)` to add the
locals), and lists the template's globals into a set: about 17 µs an include, 20
includes an article page, a quarter of each page renderer's CPU at N = 1000.

Here the included template's context keeps a reference to the page's dict, which Jinja
never changes once rendering has started ("modifications on parent must not happen"),
and copies only the few names above it (the page's `{% set %}` values and the
includer's locals), in `overlay`. Names are looked up in the same order as before:
the template's own variables, then the includer's variables and locals, then the page's
context. `get_all()` returns those layers as one read-only mapping (`Layered`) with the
keys in the order the copy had; a template importing another "with context" sees the
values the copy would have held.

Installed through Jinja's documented hooks, `Environment.context_class` and
`Environment.template_class`, at `generator_init`: each generator's environment is
made then and has loaded no template yet. tests/test_layered_context.py renders the
theme's templates and Jinja's include, import and scoping cases with and without the
plugin and compares them, and checks the built site byte-identical.
"""

from collections import ChainMap
from collections.abc import Mapping

from jinja2 import Template
from jinja2.runtime import Context, EvalContext, missing
from pelican import signals

_EMPTY = {}


class Layered(Mapping):
    """A context's names as one read-only mapping: `small` (a few names) over `base`
    (the page's context, shared and never changed)."""

    __slots__ = ("base", "small")

    def __init__(self, base, small):
        self.base = base
        self.small = small

    def __getitem__(self, key):
        if key in self.small:
            return self.small[key]
        return self.base[key]

    def __contains__(self, key):
        return key in self.small or key in self.base

    def __iter__(self):  # the order dict(base, **small) has
        yield from self.base
        base = self.base
        yield from (key for key in self.small if key not in base)

    def __len__(self):
        base = self.base
        return len(base) + sum(key not in base for key in self.small)

    def copy(self):
        """The names as one dict, as dict.copy gives it (jinja2.debug copies a context
        so): two copies made in C, not a lookup per name."""
        names = dict(self.base)
        names.update(self.small)
        return names

    def __repr__(self):
        return repr(dict(self))


class LayeredContext(Context):
    """jinja2.runtime.Context with an `overlay` of names between its own variables and
    its parent; `globals_keys` is worked out when asked (only imports without context
    read it)."""

    def __init__(self, environment, parent, name, blocks, globals=None, overlay=_EMPTY):
        # Context.__init__ without its `set(globals)`, a walk of a ChainMap per context.
        self.parent = parent
        self.overlay = overlay
        self.vars = {}
        self.environment = environment
        self.eval_ctx = EvalContext(environment, name)
        self.exported_vars = set()
        self.name = name
        self._globals = globals
        self.blocks = {key: [block] for key, block in blocks.items()}

    @property
    def globals_keys(self):
        return set() if self._globals is None else set().union(*_maps(self._globals))

    def resolve_or_missing(self, key):
        if key in self.vars:
            return self.vars[key]
        if key in self.overlay:
            return self.overlay[key]
        if key in self.parent:
            return self.parent[key]
        return missing

    def get_all(self):
        if not self.vars:
            return Layered(self.parent, self.overlay) if self.overlay else self.parent
        # The variables as they are now: the template may set more after an include.
        return Layered(self.parent, {**self.overlay, **self.vars})

    def keys(self):
        return self.get_all().keys()

    def values(self):
        return self.get_all().values()

    def items(self):
        return self.get_all().items()

    def __contains__(self, name):
        return name in self.vars or name in self.overlay or name in self.parent


class LayeredTemplate(Template):
    """A template whose `{% include %}`s and imports with context layer the names set
    above the page's context instead of copying it."""

    def new_context(self, vars=None, shared=False, locals=None):
        if not shared:  # a page's own render: the globals, then the values (a copy)
            names = flat(self.globals)
            if isinstance(vars, Layered):
                names.update(vars.base)
                vars = vars.small
            names.update(vars or ())
            return _new_context(self, names, {}, locals)
        if isinstance(vars, Layered):
            return _new_context(self, vars.base, dict(vars.small), locals)
        return _new_context(self, {} if vars is None else vars, {}, locals)

    def _get_default_module(self, ctx=None):
        """Jinja 3.1's, its globals compared with set operations made in C, not through
        ChainMap's Python methods (each `{% from ... import %}` without context)."""
        if self.environment.is_async:
            raise RuntimeError("Module is not available in async mode.")
        if ctx is not None:
            keys = ctx.globals_keys.difference(*_maps(self.globals))
            if keys:
                return self.make_module({key: ctx.parent[key] for key in keys})
        if self._module is None:
            self._module = self.make_module()
        return self._module


def _maps(names):
    """The dicts a template's globals are layered from (Jinja: a ChainMap)."""
    return names.maps if type(names) is ChainMap else (names,)


def flat(names):
    """dict(names) for a template's globals: the same keys, order and values as the
    ChainMap gives, copied in C."""
    copy = {}
    for layer in reversed(_maps(names)):
        copy.update(layer)
    return copy


def _new_context(template, parent, overlay, locals):
    """The context Jinja's new_context makes: `overlay` (a dict of this context's own,
    or the shared empty one when `locals` is empty) takes the locals Jinja would have
    added to its copy of the parent."""
    if locals:
        for key, value in locals.items():
            if value is not missing:
                overlay[key] = value
    return LayeredContext(
        template.environment,
        parent,
        template.name,
        template.blocks,
        globals=template.globals,
        overlay=overlay or _EMPTY,
    )


def install(generator):
    """Give the generator's template environment the layered context; no template has
    been loaded from it yet (Pelican sends generator_init right after making it)."""
    generator.env.context_class = LayeredContext
    generator.env.template_class = LayeredTemplate


def register():
    signals.generator_init.connect(install)
