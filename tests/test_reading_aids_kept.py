"""reading_aids keeps each article's word count and headings between dev builds."""

from plugins.reading_aids import KeptAnalyses
from plugins.reading_aids.aids import analyse

HTML = [
    '<h2 id="a">A heading</h2><p>Some words here.</p><h3 id="b">B</h3>',
    "<p>Other words, <em>fewer</em>.</p>",
    "",
    None,
]


def test_kept_analyses_are_analyse_results_and_survive_a_build(tmp_path):
    settings = {"CACHE_PATH": str(tmp_path)}
    first = KeptAnalyses(settings)
    assert [first.analyse(html) for html in HTML] == [analyse(html) for html in HTML]
    first.save()
    second = KeptAnalyses(settings)
    assert len(second.kept.old) == 3  # "" and None are the same HTML
    assert [second.analyse(html) for html in HTML] == [analyse(html) for html in HTML]
    changed = HTML[0].replace("Some words", "Some more words")
    assert second.analyse(changed) == analyse(changed) != analyse(HTML[0])
    second.save()
    assert len(KeptAnalyses(settings).kept.old) == 4


def test_an_unreadable_cache_is_analysed_again(tmp_path):
    (tmp_path / "reading_aids.pickle").write_bytes(b"not a pickle")
    kept = KeptAnalyses({"CACHE_PATH": str(tmp_path)})
    assert kept.analyse(HTML[1]) == analyse(HTML[1])
