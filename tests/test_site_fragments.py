"""plugins/site_fragments renders a fragment once per distinct value of what it reads
(and once per article given to it), and the site it writes is the same as with a plain
{% include %}."""

import datetime
import json
import shutil

import pytest
from jinja2 import DictLoader, Environment
from markupsafe import Markup
from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG

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


def article(title, body="<p>The body.</p>"):
    settings = {**DEFAULT_CONFIG, "SITEURL": ""}
    metadata = {"title": title, "date": datetime.datetime(2026, 1, 1)}
    context = {"generated_content": {}, "static_content": {}, "localsiteurl": ""}
    return Article(body, metadata=metadata, settings=settings, context=context)


def listing(env, call):
    return env.from_string("{% for item in posts %}" + call + "{% endfor %}")


def test_an_article_given_by_name_renders_once_per_article_and_as_an_include():
    renders = []
    env = environment({"summary.html": "<h2>{{ tick() }}{{ item.title }}</h2>{{ SITEURL }}"})
    env.globals["tick"] = lambda: renders.append(1) or ""
    shared = listing(env, '{{ site_fragment("summary.html", item=item) }}')
    included = listing(env, '{% include "summary.html" %}')
    posts = [article("One & two"), article("Three")]
    for siteurl in ["", "", "..", ""]:
        expected = included.render(posts=posts, SITEURL=siteurl)
        assert shared.render(posts=posts, SITEURL=siteurl) == expected
    assert expected == "<h2>One &amp; two</h2><h2>Three</h2>"
    # 4 pages x 2 posts included, and each post's fragment once per SITEURL
    assert len(renders) == 8 + 2 * 2
    versions = site_fragments._FRAGMENTS[env]["summary.html"].versions
    assert [len(kept) for kept in versions.values()] == [2, 2]


def test_two_articles_with_the_same_values_are_still_two_renderings():
    env = environment({"summary.html": "{{ item.title }}"})
    same = [article("Same"), article("Same")]
    shared = listing(env, '{{ site_fragment("summary.html", item=item) }}')
    assert shared.render(posts=same) == "SameSame"
    assert [
        len(kept) for kept in site_fragments._FRAGMENTS[env]["summary.html"].versions.values()
    ] == [2]


@pytest.mark.parametrize("shown", ["item.content", "item.summary", "item.get_content('')"])
def test_a_fragment_that_shows_a_body_is_refused(shown):
    env = environment({"summary.html": f"{{{{ {shown} }}}}"})
    post = article("Post")
    post.source_path = "content/post.md"
    with pytest.raises(FragmentError, match=r"summary.html shows the body of content/post.md"):
        env.from_string('{{ site_fragment("summary.html", item=item) }}').render(item=post)
    assert post.content == "<p>The body.</p>"  # Pelican's own reading is back


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
    for template, shared, included in [
        (
            "base.html",
            '{{ site_fragment("partials/footer.html") -}}',
            '  {% include "partials/footer.html" %}',
        ),
        (
            "partials/article_list.html",
            '{{ site_fragment("partials/article_summary.html", item=item) -}}',
            '{% include "partials/article_summary.html" %}',
        ),
    ]:
        path = theme / "templates" / template
        assert shared in path.read_text(encoding="utf-8")
        path.write_text(
            path.read_text(encoding="utf-8").replace(shared, included), encoding="utf-8"
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
    assert sum(trees[0][name].count(b'<article class="summary">') for name in pages) > 30
