"""plugins/fast_escape changes how fast Jinja escapes, never what comes out."""

import jinja2.runtime
import markupsafe
import pytest
from jinja2 import Environment
from markupsafe import Markup

from plugins import fast_escape
from tests.sitebuild import assert_same_site_without, content_with_corpus


class Html:
    def __html__(self):
        return "<b>already safe</b>"


class Text(str):
    """A str subclass without __html__: escaped as its text."""


class Shown:
    def __str__(self):
        return 'shown <as> "text" & more'


VALUES = [
    "",
    "plain words",
    'Tom & Jerry\'s <b>"quotes"</b>',
    "déjà vu — 💬 <3",
    Markup("<i>kept</i> & <b>safe</b>"),
    Html(),
    Text("a <subclass> & 'quotes'"),
    Shown(),
    0,
    3.5,
    True,
    None,
    ["<list>"],
    {"a": "<dict>"},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_each_value_escapes_to_the_same_markup(value):
    expected = markupsafe.escape(value)
    got = fast_escape.escape(value)
    assert type(got) is Markup
    assert got == expected
    assert got.__html__() == expected.__html__()


def test_templates_loaded_after_install_use_it_and_render_the_same(monkeypatch):
    monkeypatch.setattr(jinja2.runtime, "escape", jinja2.runtime.escape)  # restored after
    source = "{% for v in values %}<p>{{ v }}</p>{% set s = v %}{{ s ~ '&' }}{% endfor %}"
    before = Environment(autoescape=True).from_string(source).render(values=VALUES)
    fast_escape.install()
    assert jinja2.runtime.escape is fast_escape.escape
    template = Environment(autoescape=True).from_string(source)
    assert template.root_render_func.__globals__["escape"] is fast_escape.escape
    assert template.render(values=VALUES) == before


@pytest.mark.parametrize("settings", ["pelicanconf.py", "publishconf.py"])
def test_the_built_site_is_byte_identical_with_and_without_the_plugin(tmp_path, settings):
    content = content_with_corpus(tmp_path, 12)
    extra = ("--set", "SEARCH_INDEX_ENABLED=false")
    assert assert_same_site_without(tmp_path, "fast_escape", content, settings, extra) > 100
