"""Parts of a page that are the same on every page, rendered once per process.

Every page ends with the same footer (crisis resources, licence numbers, feed links):
rendering it with each of a site's pages took about 0.1 ms a page, a quarter of a
prompt-card page's rendering (4,600 pages at N = 1000). In a template,

    {{ site_fragment("partials/footer.html") }}

renders the fragment with the page's context the first time, and gives the same HTML to
every later page whose context holds the same values for every name the fragment reads.

A fragment may also be given values, an article among them:

    {{ site_fragment("partials/article_summary.html", item=item) }}

renders each article's summary once, however many listings show it (index, category,
author and tag pages: about five times each), as long as the other names it reads hold
the same values.

Safe by construction, never by convention:
- The names are read from the fragment's source and from every template it includes,
  or imports with context (`jinja2.meta`); a name only the environment defines (a global
  no page overrides) is the same for every page and is left out.
- Each value must be plain data (text, numbers, True/False/None, and lists, tuples and
  dicts of them) and is compared by value and type (`Markup("a")` is not `"a"`, nor
  `1` `True`). Anything else (a function, a set) but a content object is an error that
  names the fragment and the value: what it renders could depend on more than its value
  shows.
- The fragment sees the page's context, not the calling template's local variables
  (a `{% set %}` inside a block): the names it reads are looked up the same way for the
  key and for rendering. A local it needs is passed by name, as `item` above.
- A content object (article, page), given by name or in the page's context, is told
  apart by identity: Pelican's own writers take a content object as fixed once pages
  are written (it memoizes each body). A fragment that reads a body (`item.content`,
  `item.summary`) is refused at its first rendering: plugins/incremental_output must
  see every page read the bodies it shows.
Each template environment has its own fragments (a rebuild in the same process has new
environments), at most MOST_KEPT versions of each.
"""

import weakref

from jinja2 import meta, nodes, pass_context
from jinja2.exceptions import TemplateNotFound, TemplateRuntimeError
from jinja2.runtime import missing
from markupsafe import Markup
from pelican import signals
from pelican.contents import Content

# Versions of one fragment kept (one per page depth when URLs are relative): a fragment
# read with a value that differs on every page is rendered each time, never piled up.
# (Each version also keeps one rendering per content object it was given.)
MOST_KEPT = 64

_SCALARS = frozenset([str, int, float, bool, type(None)])
_SEQUENCES = frozenset([list, tuple])

# {environment: {fragment name: Fragment}}; an environment ends with its build.
_FRAGMENTS = weakref.WeakKeyDictionary()


class FragmentError(TemplateRuntimeError):
    """A fragment that cannot be shared between pages."""


class Fragment:
    """One template rendered once per distinct value of the names it reads."""

    def __init__(self, environment, name):
        self.template = environment.get_template(name)
        self.name = name
        self.names = tuple(sorted(names_read(environment, name)))
        # {key of the plain values: {ids of the content objects given: rendering}}
        self.versions = {}

    def render(self, context, given):
        """The fragment for this page; `given`: the values passed by name."""
        environment = context.environment
        plain_key, objects = [], []
        for name in self.names:
            value = given[name] if name in given else context.resolve_or_missing(name)
            if isinstance(value, Content):
                objects.append(value)
            else:
                plain_key.append(value_key(self.name, name, value, environment))
        plain_key = tuple(plain_key)
        renderings = self.versions.get(plain_key)
        if renderings is None:
            if len(self.versions) >= MOST_KEPT:
                self.versions.clear()
            renderings = self.versions[plain_key] = {}
        objects_key = tuple(map(id, objects))
        kept = renderings.get(objects_key)
        if kept is None:
            values = context.get_all().copy()  # a dict's, or a layered context's
            values.update(given)
            html = Markup(render_without_bodies(self.template, values, self.name, objects))
            # The objects are kept with their rendering, so their ids are never reused.
            kept = renderings[objects_key] = (html, objects)
        return kept[0]


def render_without_bodies(template, values, name, objects):
    """template.render(values); FragmentError if it reads the body of a content object
    given to it (then it must render on each page: see the module docstring)."""
    if not objects:
        return template.render(values)
    read = []
    get_content = Content.__dict__["get_content"]  # as defined (pelican.utils.memoized)

    def noting(content, siteurl):
        read.append(content)
        return get_content.__get__(content, type(content))(siteurl)

    Content.get_content = noting
    try:
        html = template.render(values)
    finally:
        Content.get_content = get_content
    if read:
        shown = read[0].source_path or repr(read[0])
        raise FragmentError(
            f"site_fragment: {name} shows the body of {shown}, "
            "which incremental_output must see each page read; render it with "
            "{% include %} instead, or show what the article's metadata holds"
        )
    return html


@pass_context
def site_fragment(context, name, **given):
    """The template `name` rendered with this page's context (and the values `given`,
    by name), or the same HTML as an earlier page's when every value it reads is the
    same (see the module docstring)."""
    fragments = _FRAGMENTS.setdefault(context.environment, {})
    fragment = fragments.get(name)
    if fragment is None:
        fragment = fragments[name] = Fragment(context.environment, name)
    return fragment.render(context, given)


def names_read(environment, name, seen=None):
    """Every context name the template `name` reads, and the templates it includes or
    imports with context."""
    seen = set() if seen is None else seen
    if name in seen:
        return set()
    seen.add(name)
    source = environment.loader.get_source(environment, name)[0]
    tree = environment.parse(source, name)
    names = set(meta.find_undeclared_variables(tree))
    # jinja2.meta leaves out the environment's globals; a page's context can hold a
    # value of the same name, so they are read too (value_key skips the global itself).
    names |= {
        node.name
        for node in tree.find_all(nodes.Name)
        if node.ctx == "load" and node.name in environment.globals
    }
    for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport)):
        if not node.with_context:
            continue  # an import without context cannot read the page's values
        for included in _template_names(node, name):
            try:
                names |= names_read(environment, included, seen)
            except TemplateNotFound:
                if not getattr(node, "ignore_missing", False):
                    raise
    return names


def _template_names(node, fragment):
    template = node.template
    if isinstance(template, nodes.Const) and isinstance(template.value, str):
        return [template.value]
    if isinstance(template, (nodes.List, nodes.Tuple)) and all(
        isinstance(item, nodes.Const) for item in template.items
    ):
        return [item.value for item in template.items]
    raise FragmentError(
        f"site_fragment: {fragment} (line {node.lineno}) includes a template named by "
        "a variable, so the values it reads cannot be known; name the template in quotes, "
        "or render the fragment with {% include %} instead"
    )


def value_key(fragment, name, value, environment):
    """What `value` (the page's value of `name`) contributes to the fragment's key."""
    if value is missing:
        return missing
    if name in environment.globals and environment.globals[name] is value:
        return None  # the environment's own: the same for every page
    try:
        return plain(value)
    except TypeError as error:
        raise FragmentError(
            f"site_fragment: {fragment} reads {name!r}, {error}; only plain data (text, "
            "numbers, True/False/None, lists and dicts of them) can decide whether pages "
            "share it. Render it with {% include %} instead, or pass it plain values."
        ) from None


def plain(value):
    """`value` as a hashable key that tells apart values rendered differently; TypeError
    when it is not plain data."""
    kind = type(value)
    if kind in _SCALARS:
        return (kind, value)
    if isinstance(value, str):  # Markup and other str subclasses render differently
        return (kind, str(value))
    if kind in _SEQUENCES:
        return (kind, tuple(map(plain, value)))
    if kind is dict:  # in order: a loop over it renders in that order
        return (dict, tuple((plain(key), plain(item)) for key, item in value.items()))
    raise TypeError(f"a {kind.__qualname__}")


def add_function(generator):
    generator.env.globals["site_fragment"] = site_fragment


def register():
    # generator_init: each generator has its own template environment, nothing is
    # rendered yet.
    signals.generator_init.connect(add_function)
