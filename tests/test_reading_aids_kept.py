"""reading_aids keeps each article's word count and headings between dev builds."""

import logging

from plugins import forking, reading_aids
from plugins.reading_aids import KeptAnalyses
from plugins.reading_aids.aids import analyse

HTML = [
    '<h2 id="a">A heading</h2><p>Some words here.</p><h3 id="b">B</h3>',
    "<p>Other words, <em>fewer</em>.</p>",
    "",
    None,
]


class _Article:
    """What analyses() reads of an article: its HTML as written (`_get_content`, as
    plugins/compact_bodies provides it), which may warn."""

    def __init__(self, html, warning=None):
        self.html, self.warning = html, warning

    def _get_content(self):
        if self.warning:
            logging.getLogger("pelican.contents").warning(self.warning)
        return self.html


def _kept(kept, htmls):
    return reading_aids.kept_analyses([_Article(html) for html in htmls], kept)


def test_kept_analyses_are_analyse_results_and_survive_a_build(tmp_path):
    settings = {"CACHE_PATH": str(tmp_path)}
    first = KeptAnalyses(settings)
    assert _kept(first, HTML) == [analyse(html) for html in HTML]
    first.save()
    second = KeptAnalyses(settings)
    assert len(second.kept.old) == 3  # "" and None are the same HTML
    assert _kept(second, HTML) == [analyse(html) for html in HTML]
    changed = HTML[0].replace("Some words", "Some more words")
    assert _kept(second, [changed]) == [analyse(changed)] != [analyse(HTML[0])]
    second.save()
    assert len(KeptAnalyses(settings).kept.old) == 4


def test_an_unreadable_cache_is_analysed_again(tmp_path):
    (tmp_path / "reading_aids.pickle").write_bytes(b"not a pickle")
    kept = KeptAnalyses({"CACHE_PATH": str(tmp_path)})
    assert _kept(kept, [HTML[1]]) == [analyse(HTML[1])]


def _articles(count):
    return [
        _Article(f'<h2 id="h{n}">Part {n}</h2><p>{" ".join(["word"] * (n % 50 + 1))}.</p>')
        for n in range(count)
    ]


def _forks(monkeypatch):
    """Count the processes analyses() forks; it forks whatever threads earlier tests
    left running in this process."""
    monkeypatch.setattr(forking, "can_fork", lambda: True)
    children = []
    real = forking.InChild

    def counting(function, *args):
        children.append(function.__name__)
        return real(function, *args)

    monkeypatch.setattr(forking, "InChild", counting)
    return children


def test_a_first_build_analyses_half_its_articles_in_a_forked_process(monkeypatch):
    children = _forks(monkeypatch)
    articles = _articles(reading_aids.SPLIT_FROM + 1)
    results = reading_aids.analyses(articles)
    assert children == ["_apply_quietly"]
    assert [result for _key, result in results] == [analyse(a.html) for a in articles]
    assert [key for key, _ in results] == [KeptAnalyses.key(a.html) for a in articles]
    assert reading_aids.analyses(articles[:10]) == results[:10]  # few: in this process
    assert children == ["_apply_quietly"]


def test_a_warning_in_the_forked_process_is_logged_once_by_the_build(monkeypatch, caplog):
    children = _forks(monkeypatch)
    articles = _articles(reading_aids.SPLIT_FROM + 1)
    articles[-1].warning = "Unable to find 'missing.md', skipping url replacement."
    with caplog.at_level(logging.WARNING):
        results = reading_aids.analyses(articles)
    assert [result for _key, result in results] == [analyse(a.html) for a in articles]
    assert children == ["_apply_quietly"]
    warned = [record for record in caplog.records if "missing.md" in record.getMessage()]
    assert len(warned) == 1  # the child's share was analysed again here, and logged


def test_a_rebuild_with_kept_analyses_does_not_fork(tmp_path, monkeypatch):
    articles = _articles(reading_aids.SPLIT_FROM + 1)
    settings = {"CACHE_PATH": str(tmp_path)}
    first = KeptAnalyses(settings)
    assert first.empty
    reading_aids.kept_analyses(articles, first)
    first.save()
    children = _forks(monkeypatch)  # from here on
    again = KeptAnalyses(settings)
    assert not again.empty
    assert reading_aids.analyses(articles, again) == reading_aids.analyses(articles)
    assert children == ["_apply_quietly"]  # only the call without kept analyses forked


class _Generator:
    """What start_analyses() and annotate read of an articles generator."""

    def __init__(self, articles, settings):
        self.articles, self.drafts, self.hidden_articles = articles, [], []
        self.settings = settings


def test_a_first_build_analyses_every_article_in_a_process_started_once_they_are_read(
    tmp_path, monkeypatch
):
    children = _forks(monkeypatch)
    articles = _articles(reading_aids.SPLIT_FROM + 1)
    generator = _Generator(articles, {"CACHE_PATH": str(tmp_path), "CACHE_CONTENT": True})
    reading_aids.start_analyses(generator)  # article_generator_pretaxonomy
    assert children == ["_apply_quietly"]
    kept, results = reading_aids.early_results(
        generator, reading_aids.articles_to_annotate(generator)
    )
    assert kept.empty
    assert results == reading_aids.analyses(articles)  # all of them, as computed here
    assert reading_aids.early_results(generator, articles)[1] is None  # taken once


def test_early_analyses_of_lists_changed_since_are_not_used(tmp_path, monkeypatch):
    _forks(monkeypatch)
    articles = _articles(reading_aids.SPLIT_FROM + 1)
    generator = _Generator(articles, {"CACHE_PATH": str(tmp_path)})
    reading_aids.start_analyses(generator)
    assert reading_aids.early_results(generator, articles[1:])[1] is None


def test_no_early_process_for_few_articles_or_kept_analyses(tmp_path, monkeypatch):
    articles = _articles(reading_aids.SPLIT_FROM + 1)
    settings = {"CACHE_PATH": str(tmp_path), "CACHE_CONTENT": True}
    first = KeptAnalyses(settings)
    reading_aids.kept_analyses(articles, first)
    first.save()
    children = _forks(monkeypatch)
    generator = _Generator(articles, settings)
    reading_aids.start_analyses(generator)  # kept: none needed
    reading_aids.start_analyses(_Generator(articles[:10], {"CACHE_PATH": str(tmp_path / "x")}))
    assert children == []
    kept, results = reading_aids.early_results(generator, articles)  # loaded once, kept
    assert not kept.empty
    assert results is None
