"""plugins/site_fragments renders a fragment once per distinct value of what it reads,
and the site it writes is the same as with a plain {% include %}."""

import json
import shutil

import pytest
from jinja2 import DictLoader, Environment
from markupsafe import Markup

from plugins import site_fragments
from plugins.site_fragments import FragmentError, names_read, site_fragment
from tests.sitebuild import PUBLISH_ENV, ROOT, content_with_corpus, output_tree, run_build


def environment(templates):
    env = Environment(loader=DictLoader(templates), autoescape=True)
    env.globals["site_fragment"] = site_fragment
    return env


def render(env, **values):
    return env.from_string('{{ site_fragment("fragment.html") }}').render(**values)


def test_names_are_read_through_includes_and_imports_with_context():
    env = environment(
        {
            "fragment.html": (
                "{{ SITEURL }}{% include 'inner.html' %}"
                "{% from 'macros.html' import shout %}{% import 'shared.html' as s with context %}"
                "{% include 'absent.html' ignore missing %}"
            ),
            "inner.html": "{% for item in ITEMS %}{{ item }}{% endfor %}{{ loop_free }}",
            "macros.html": "{% macro shout(x) %}{{ x }}{{ NOT_SEEN }}{% endmacro %}",
            "shared.html": "{{ SHARED }}",
        }
    )
    env.globals["SHARED"] = "a global, which a page's context may hide"
    assert names_read(env, "fragment.html") == {"SITEURL", "ITEMS", "loop_free", "SHARED"}


def test_a_template_named_by_a_variable_is_refused():
    env = environment({"fragment.html": "{% include which %}"})
    with pytest.raises(FragmentError, match=r"fragment.html \(line 1\) includes a template"):
        render(env, which="x.html")


def test_a_fragment_renders_as_an_include_and_once_per_distinct_value():
    renders = []
    env = environment({"fragment.html": "<p>{{ tick() }}{{ SITEURL }}/{{ NAME }}</p>"})
    env.globals["tick"] = lambda: renders.append(1) or ""
    include = env.from_string('{% include "fragment.html" %}')
    for siteurl in ["..", "..", "../..", "..", "../.."]:
        expected = include.render(SITEURL=siteurl, NAME="<Yasmine & co>")
        assert render(env, SITEURL=siteurl, NAME="<Yasmine & co>") == expected
    assert len(renders) == 5 + 2  # each include, and the fragment once per SITEURL
    assert "&lt;Yasmine &amp; co&gt;" in expected


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("<b>", Markup("<b>")),  # escaped text, then HTML
        (1, True),
        (1, 1.0),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),  # a loop over them runs in another order
        ([1, 2], (1, 2)),
        (None, ""),
    ],
)
def test_values_that_render_differently_do_not_share_a_rendering(first, second):
    env = environment({"fragment.html": "{{ VALUE }}"})
    include = env.from_string('{% include "fragment.html" %}')
    for value in [first, second, first]:
        assert render(env, VALUE=value) == include.render(VALUE=value)
    assert render(env, VALUE=first) != render(env, VALUE=second)


def test_a_value_that_is_not_plain_data_is_refused_by_name():
    class Article:
        title = "Hello"

    env = environment({"fragment.html": "{{ article.title }}"})
    with pytest.raises(FragmentError, match=r"fragment.html reads 'article', a .*Article"):
        render(env, article=Article())
    env = environment({"fragment.html": "{% for item in ITEMS %}{{ item }}{% endfor %}"})
    with pytest.raises(FragmentError, match="reads 'ITEMS', a set"):
        render(env, ITEMS={1, 2})


def test_the_environment_s_own_globals_are_not_part_of_the_key():
    env = environment({"fragment.html": "{{ helper() }}{{ SITEURL }}"})
    env.globals["helper"] = lambda: "h"
    assert render(env, SITEURL="x") == "hx"
    fragment = site_fragments._FRAGMENTS[env]["fragment.html"]
    assert list(fragment.versions) == [((str, "x"), None)]
    with pytest.raises(FragmentError, match="reads 'helper', a function"):
        render(env, SITEURL="x", helper=lambda: "the page's own")
    env = environment({"fragment.html": "{{ LABEL }}"})
    env.globals["LABEL"] = "the site's"
    assert [render(env), render(env, LABEL="the page's"), render(env)] == [
        "the site&#39;s",
        "the page&#39;s",
        "the site&#39;s",
    ]


def test_a_value_that_differs_on_every_page_keeps_few_versions():
    env = environment({"fragment.html": "{{ current_url }}"})
    for number in range(site_fragments.MOST_KEPT * 3):
        assert render(env, current_url=f"page-{number}/") == f"page-{number}/"
    fragment = site_fragments._FRAGMENTS[env]["fragment.html"]
    assert 0 < len(fragment.versions) <= site_fragments.MOST_KEPT


def test_each_environment_has_its_own_fragments():
    first = environment({"fragment.html": "one {{ SITEURL }}"})
    second = environment({"fragment.html": "two {{ SITEURL }}"})
    assert render(first, SITEURL="") == "one "
    assert render(second, SITEURL="") == "two "


@pytest.mark.parametrize("settings", ["pelicanconf.py", "publishconf.py"])
def test_the_site_is_byte_identical_to_one_that_includes_the_footer(tmp_path, settings):
    """The theme's footer, shared between pages, is what {% include %} writes on each."""
    content = content_with_corpus(tmp_path, 6)
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    base = theme / "templates" / "base.html"
    shared = '{{ site_fragment("partials/footer.html") -}}'
    assert shared in base.read_text(encoding="utf-8")
    base.write_text(
        base.read_text(encoding="utf-8").replace(shared, '  {% include "partials/footer.html" %}'),
        encoding="utf-8",
    )
    env = PUBLISH_ENV if settings == "publishconf.py" else None
    trees = []
    for name, extra in [("shared", ()), ("included", ("--set", f"THEME={json.dumps(str(theme))}"))]:
        output = tmp_path / name / "output"
        result = run_build(
            output, settings, content, env, (*extra, "--set", "SEARCH_INDEX_ENABLED=false")
        )
        assert result.returncode == 0, result.stdout + result.stderr
        trees.append(output_tree(output))
    assert trees[0] == trees[1]
    pages = [name for name in trees[0] if name.endswith(".html")]
    assert len(pages) > 30
    assert all(b'<footer class="site-footer">' in trees[0][name] for name in pages)
