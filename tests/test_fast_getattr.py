"""plugins/fast_getattr changes how fast Jinja reads `value.name`, never what it reads."""

from types import SimpleNamespace

import pytest
from jinja2 import ChainableUndefined, Environment, StrictUndefined, Undefined

from plugins.fast_getattr import DICT_ATTRIBUTES, getattr_
from tests.sitebuild import assert_same_site_without, content_with_corpus


class Mapping(dict):
    """A dict subclass with an attribute of its own: Jinja's getattr finds it."""

    url = "the attribute"


class Raising:
    """An object whose attribute lookup fails, and whose item lookup too."""

    def __getattr__(self, name):
        raise AttributeError(name)

    def __getitem__(self, key):
        raise LookupError(key)


VALUES = [
    Raising(),
    1.5,
    ("a", "b"),
    {"url": "/a/", "name": "A"},
    {"items": "an item named like a method", "get": 1, "keys": 2, "__class__": 3},
    {},
    {1: "not a text key"},
    Mapping(url="the item"),
    SimpleNamespace(url="/b/", name="B"),
    [1, 2],
    "text",
    None,
]
NAMES = ["url", "name", "missing", "items", "get", "keys", "values", "__class__", "__doc__"]


@pytest.mark.parametrize("undefined", [Undefined, ChainableUndefined, StrictUndefined])
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_every_read_gives_what_jinja_gives(value, undefined):
    env = Environment(undefined=undefined)
    for name in NAMES:
        expected = env.getattr(value, name)
        got = getattr_(env, value, name)
        assert type(got) is type(expected), name
        if isinstance(expected, Undefined):
            assert (got._undefined_obj, got._undefined_name) == (value, name)
        else:
            assert got == expected, name


def test_dict_attributes_are_what_a_dict_instance_can_find():
    assert {"items", "get", "keys", "__class__", "__len__"} <= DICT_ATTRIBUTES
    assert all(hasattr({}, name) for name in DICT_ATTRIBUTES)
    assert not hasattr({}, "url")


def test_templates_render_the_same_with_it():
    source = (
        "{{ meta.url }} {{ meta.image.width }} {{ meta.missing is defined }} {{ meta.items }}"
        "{% for key, value in meta.items() %}{{ key }}={{ value.alt|default(value) }};{% endfor %}"
        "{{ meta.image.missing|default('none') }} {{ other.url }} {{ listed.0 }}"
    )
    values = {
        "meta": {"url": "/x/", "image": {"width": 1200, "alt": "An <alt>"}, "items": "shadowed"},
        "other": SimpleNamespace(url="/y/"),
        "listed": ["first"],
    }
    stock = Environment(autoescape=True)
    fast = Environment(autoescape=True)
    fast.getattr = getattr_.__get__(fast)
    assert fast.from_string(source).render(values) == stock.from_string(source).render(values)


@pytest.mark.parametrize("settings", ["pelicanconf.py", "publishconf.py"])
def test_the_built_site_is_byte_identical_with_and_without_the_plugin(tmp_path, settings):
    content = content_with_corpus(tmp_path, 12)
    extra = ("--set", "SEARCH_INDEX_ENABLED=false")
    assert assert_same_site_without(tmp_path, "fast_getattr", content, settings, extra) > 100
