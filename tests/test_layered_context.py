"""plugins/layered_context changes what an {% include %} costs, never what it renders."""

from collections import ChainMap

import pytest
from jinja2 import DictLoader, Environment, pass_context

from plugins.layered_context import Layered, LayeredContext, LayeredTemplate, flat
from tests.sitebuild import assert_same_site_without, content_with_corpus


@pass_context
def names_seen(context, *names):
    """What a context-reading function sees: each name, `in`, and the whole mapping."""
    everything = context.get_all()
    return " ".join(
        [f"{name}={context.get(name, '-')}:{name in context}" for name in names]
        + [f"keys={list(context.keys())}", f"all={list(everything.items())}"]
    )


TEMPLATES = {
    "base.html": (
        "{% set page_var = 'page' %}<title>{% block title %}T{% endblock %}</title>"
        "{% set rendered = self.title() %}{% include 'head.html' %}"
        "<main>{% block content %}{% endblock %}</main>{% include 'foot.html' %}"
    ),
    "head.html": "[head {{ page_var }} {{ rendered }} {{ title }} {{ item|default('no item') }}]",
    "foot.html": "{% set foot_var = 'foot' %}[foot {{ foot_var }} {{ page_var }}]",
    "page.html": (
        "{% extends 'base.html' %}"
        "{% from 'macros.html' import with_context, shout with context %}"
        "{% import 'plain_macros.html' as plain %}"
        "{% block title %}{{ title }} · {{ super() }}{% endblock %}"
        "{% block content %}"
        "{% for item in items %}{% set loop_set = item ~ '!' %}"
        "{% include 'item.html' %}{{ with_context() }}{{ shout(item) }}"
        "{{ plain.tag(item) }}{% endfor %}"
        "{% with local = 'w' %}{% include 'item.html' %}{% endwith %}"
        "{% include ['missing.html', 'item.html'] %}"
        "{% include 'nowhere.html' ignore missing %}"
        "{% include 'plain_include.html' without context %}"
        "{% set ns = namespace(total=0) %}{% for n in numbers %}"
        "{% set ns.total = ns.total + n %}{% include 'ns.html' %}{% endfor %}"
        "{% call plain.wrap() %}{{ item|default('none') }} {{ page_var }}{% endcall %}"
        "{% for node in tree recursive %}<{{ node.name }}{% include 'depth.html' %}"
        "{{ loop(node.children) }}>{% endfor %}"
        "{{ names_seen('page_var', 'title', 'item', 'loop_set', 'absent') }}"
        "{% include 'reads.html' %}"
        "{% endblock %}"
    ),
    "item.html": (
        "{% set inner = 'inner' %}(item {{ item|default('-') }} {{ loop_set|default('-') }}"
        " {{ local|default('-') }} {{ page_var }} {{ inner }}"
        "{% include 'nested.html' %})"
    ),
    "nested.html": "{nested {{ inner|default('-') }} {{ item|default('-') }} {{ page_var }}}",
    "macros.html": (
        "{% set module_var = page_var ~ '+module' %}"
        "{% macro with_context() %}<{{ module_var }} {{ title }}>{% endmacro %}"
        "{% macro shout(text) %}{{ text|upper }}{{ caller_free|default('') }}{% endmacro %}"
    ),
    "plain_macros.html": (
        "{% macro tag(text) %}#{{ text }}{{ page_var|default('?') }}{% endmacro %}"
        "{% macro wrap() %}[[{{ caller() }}]]{% endmacro %}"
    ),
    "plain_include.html": "(without context: {{ page_var|default('unseen') }})",
    "ns.html": "{{ ns.total }},",
    "depth.html": "{{ loop.depth|default('?') }}{{ node.name }}",
    "reads.html": "{{ names_seen('page_var', 'inner', 'foot_var', 'title') }}",
}

VALUES = {
    "title": "A <title> & more",
    "items": ["one", "<two>"],
    "numbers": [1, 2, 3],
    "tree": [{"name": "a", "children": [{"name": "b", "children": []}]}],
}


def environment(layered):
    env = Environment(loader=DictLoader(TEMPLATES), autoescape=True)
    env.globals["names_seen"] = names_seen
    if layered:
        env.context_class = LayeredContext
        env.template_class = LayeredTemplate
    return env


@pytest.mark.parametrize("name", ["page.html", "base.html", "item.html", "reads.html"])
def test_jinja_renders_the_same_with_the_layered_context(name):
    stock = environment(layered=False).get_template(name).render(VALUES)
    layered_template = environment(layered=True).get_template(name)
    assert isinstance(layered_template, LayeredTemplate)
    assert layered_template.render(VALUES) == stock
    assert "(item one one! - page inner{nested inner one page})" in environment(
        layered=False
    ).get_template("page.html").render(VALUES)  # the cases above are really exercised


def test_an_included_template_reads_the_page_context_without_copying_it():
    env = environment(layered=True)
    seen = []

    @pass_context
    def grab(context):
        seen.append(context)
        return ""

    env.globals["grab"] = grab
    env.loader.mapping["grabbed.html"] = "{{ grab() }}"
    env.from_string(
        "{% set page_var = 1 %}{% for item in [1] %}{% include 'grabbed.html' %}{% endfor %}"
    ).render(VALUES)
    (included,) = seen
    assert isinstance(included, LayeredContext)
    assert included.overlay == {"page_var": 1, "item": 1}
    assert included.parent["title"] == VALUES["title"]
    assert included.get_all() == {**env.globals, **VALUES, "page_var": 1, "item": 1}


def test_layered_reads_like_the_dict_jinja_would_have_copied():
    base = {"a": 1, "b": 2, "c": 3}
    small = {"b": 20, "d": 4}
    layered = Layered(base, small)
    copied = dict(base, **small)
    assert list(layered) == list(copied)
    assert list(layered.items()) == list(copied.items())
    assert len(layered) == len(copied) == 4
    assert layered.copy() == copied
    assert type(layered.copy()) is dict
    assert list(layered.copy().items()) == list(copied.items())
    assert {**layered} == copied
    assert ("d" in layered, "z" in layered) == (True, False)
    assert layered.get("z", "default") == "default"
    with pytest.raises(KeyError):
        layered["z"]
    assert base == {"a": 1, "b": 2, "c": 3}
    assert small == {"b": 20, "d": 4}


def test_globals_keys_is_the_templates_globals():
    env = environment(layered=True)
    template = env.from_string("x", globals={"only_here": 1})
    context = template.new_context({"v": 1})
    assert context.globals_keys == set(template.globals)
    assert "only_here" in context.globals_keys
    assert "names_seen" in context.globals_keys


@pytest.mark.parametrize("settings", ["pelicanconf.py", "publishconf.py"])
def test_the_built_site_is_byte_identical_with_and_without_the_plugin(tmp_path, settings):
    content = content_with_corpus(tmp_path, 12)
    extra = ("--set", "SEARCH_INDEX_ENABLED=false")
    assert assert_same_site_without(tmp_path, "layered_context", content, settings, extra) > 100


def test_flat_globals_are_the_chainmap_as_dict_gives_it():
    names = ChainMap({"b": "template's", "c": 3}, {"a": 1, "b": "environment's", "d": 4})
    assert list(flat(names).items()) == list(dict(names).items())
    assert flat({"a": 1}) == {"a": 1}


def test_an_import_without_context_sees_the_importers_own_globals_as_jinja_has_it():
    """Jinja makes a fresh module when the importing template has globals the imported
    one lacks (`_get_default_module`), and reuses one module otherwise."""
    outputs = []
    for layered in (False, True):
        env = environment(layered)
        env.loader.mapping["uses_global.html"] = (
            "{% macro shown() %}[{{ only_here|default('absent') }} {{ everywhere }}]{% endmacro %}"
        )
        env.globals["everywhere"] = "env"
        source = "{% from 'uses_global.html' import shown %}{{ shown() }}"
        with_own = env.from_string(source, globals={"only_here": "own global"})
        without = env.from_string(source)
        outputs.append((with_own.render(), without.render(), without.render()))
        module = env.get_template("uses_global.html")._get_default_module(without.new_context({}))
        assert module is env.get_template("uses_global.html")._get_default_module()
    assert outputs[0] == outputs[1] == (("[own global env]", "[absent env]", "[absent env]"))
