"""A large site's search index comes in several Pagefind bundles (plugins/search_index
shards it): the search box finds articles in every one of them."""

import pytest
from playwright.sync_api import expect

from sitetools.local_site import serve
from tests.browser.watch import PageWatch
from tests.pagefind_reader import Bundle
from tests.sitebuild import content_with, run_build

# word -> the title of the article made for it
ARTICLES = {
    "quokka": "Quokka Days",
    "narwhal": "Narwhal Nights",
    "axolotl": "Axolotl Afternoons",
    "pangolin": "Pangolin Mornings",
}


@pytest.fixture(scope="module")
def sharded_site(tmp_path_factory):
    """The real site plus four articles, built with one article per search shard."""
    folder = tmp_path_factory.mktemp("sharded-site")
    content = content_with(folder)
    for number, (word, title) in enumerate(ARTICLES.items(), 1):
        (content / f"{word}.md").write_text(
            f"Title: {title}\nDate: 2024-05-0{number} 10:00\nCategory: Relationships\n"
            f"Tags: trust\nSummary: A short note about the {word}.\n\n"
            f"What the {word} teaches us about repair, one small step at a time.\n",
            encoding="utf-8",
        )
    output = folder / "output"
    output.mkdir()
    with serve(output) as url:
        env = {"SITE_URL": url, "SITE_ALLOW_PLACEHOLDERS": "1"}
        extra = ["--set", "SEARCH_INDEX_SHARD_SIZE=1"]
        result = run_build(output, "publishconf.py", content, env, extra)
        assert result.returncode == 0, result.stdout + result.stderr
        yield url, output


def test_the_search_box_finds_articles_in_every_bundle(sharded_site, new_context):
    url, output = sharded_site
    bundles = sorted(path for path in output.glob("pagefind*") if path.is_dir())
    holding = {
        word: [bundle.name for bundle in bundles if Bundle(bundle).search(word)]
        for word in ARTICLES
    }
    assert all(len(names) == 1 for names in holding.values()), holding
    assert len({names[0] for names in holding.values()}) > 1, holding  # several bundles

    watch = PageWatch(new_context().new_page(), url)
    watch.goto("/search/")
    field = watch.page.get_by_role("textbox")
    for word, title in ARTICLES.items():
        field.fill(word)
        result = watch.page.locator(".pagefind-ui__result-link").first
        expect(result).to_have_text(title, timeout=15_000)
    watch.assert_clean()
