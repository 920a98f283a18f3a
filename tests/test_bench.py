"""The benchmark's corpus generator, its report math and its helpers (no timings here)."""

import re
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from pelican.utils import slugify

from bench import report
from bench.__main__ import parse_sizes
from bench.corpus import (
    CATEGORIES,
    LEVELS,
    METADATA_KEYS,
    TAGS,
    edit_article,
    make_article,
    make_corpus,
    write_corpus,
)
from bench.floor import convert_all
from bench.profile import category
from bench.runner import (
    SITE_CODE,
    BenchError,
    cache_setting_keys,
    compile_site_code,
    markdown_config,
    timed_run,
)
from tests.sitebuild import parse, run_build

CARD_LINE = re.compile(r"- (gentle|deeper|vulnerable) \| ([a-z]+) \| ([^|]+)")


def header(text):
    head, _, body = text.partition("\n\n")
    return dict(line.split(": ", 1) for line in head.splitlines()), body


def test_corpus_is_deterministic_and_each_article_independent_of_size():
    assert make_corpus(4, seed=7) == make_corpus(4, seed=7)
    assert make_corpus(6, seed=7)[:4] == make_corpus(4, seed=7)
    assert make_corpus(4, seed=7) != make_corpus(4, seed=8)


def test_corpus_metadata_is_what_the_site_expects(tmp_path):
    articles = write_corpus(tmp_path, 40, seed=3)
    files = sorted(tmp_path.glob("*.md"))
    assert len(files) == 40
    categories = set()
    for path in files:
        metadata, body = header(path.read_text(encoding="utf-8"))
        assert tuple(metadata) == METADATA_KEYS
        datetime.strptime(metadata["Date"], "%Y-%m-%d %H:%M")
        assert set(metadata["Tags"].split(", ")) <= set(TAGS)
        assert not re.search(r"[*\[\]`_#]", metadata["Summary"]), "Summary is plain text"
        assert path.name == f"{metadata['Slug']}.md"
        categories.add(metadata["Category"])
        words = len(re.findall(r"[A-Za-z']+", body))
        assert 750 <= words <= 1000
        for part in ("\n## ", "\n### ", "\n- ", "\n1. ", "\n> ", "](https://", "{filename}"):
            assert part in "\n" + body
    assert categories == set(CATEGORIES)
    assert len({article.slug for article in articles}) == 40
    assert (tmp_path / "pages" / "about.md").exists()


def test_prompt_cards_use_the_fixed_syntax_and_are_unique_across_the_corpus():
    articles = make_corpus(300)
    texts = []
    for article in articles:
        block = article.body.split("```prompts\n", 1)[1].split("\n```", 1)[0]
        lines = block.splitlines()
        assert len(lines) == 3
        for line in lines:
            match = CARD_LINE.fullmatch(line)
            assert match, line
            assert match.group(1) in LEVELS
            texts.append(match.group(3))
    assert len(set(texts)) == len(texts) == 900
    # Unique even if a card's slug keeps only its first words.
    assert len({slugify(text)[:20] for text in texts}) == 900


def test_edit_article_changes_the_body_without_growing_it(tmp_path):
    path = tmp_path / "a.md"
    original = make_article(0).text()
    path.write_text(original, encoding="utf-8")
    edit_article(path, 1)
    first = path.read_text(encoding="utf-8")
    edit_article(path, 2)
    second = path.read_text(encoding="utf-8")
    assert first != second != original
    assert len(first) == len(second)
    assert header(second)[0] == header(original)[0]


def test_the_site_builds_the_corpus(tmp_path):
    write_corpus(tmp_path / "corpus", 3)
    output = tmp_path / "output"
    result = run_build(output, content=tmp_path / "corpus")
    assert result.returncode == 0, result.stdout + result.stderr
    page = parse(output / "bench-00001" / "index.html")
    assert page.h1.get_text(strip=True) == make_article(1).metadata["Title"]
    assert page.find("blockquote") is not None


def test_floor_converts_like_pelicans_reader(tmp_path):
    from pelican.readers import MarkdownReader
    from pelican.settings import read_settings

    from tests.sitebuild import ROOT

    write_corpus(tmp_path, 2)
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    content, _metadata = MarkdownReader(settings).read(str(tmp_path / "bench-00001.md"))
    assert list(convert_all([tmp_path / "bench-00001.md"], markdown_config(settings))) == [content]


def measurement(seconds, rss_kb=100_000):
    cpu = [value / 2 for value in seconds]
    return {"seconds": list(seconds), "cpu_seconds": cpu, "rss_kb": [rss_kb] * len(seconds)}


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(3.0, 2.0, 1.5), (1.0, 4.0, 0.25), (None, 2.0, None), (1.0, None, None), (1.0, 0, None)],
)
def test_ratio(numerator, denominator, expected):
    assert report.ratio(numerator, denominator) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"), [([3.0, 1.0, 2.0], 2.0), ([4.0, 1.0, 2.0, 3.0], 2.5), ([], None)]
)
def test_median(seconds, expected):
    assert report.median(seconds) == expected


def sample_results(site_cold=6.0, site_warm=2.0, site_html=4.0, rss=(120_000, 100_000)):
    return {
        1000: {
            ("site", "cold"): measurement([site_cold, site_cold + 1, site_cold - 1], rss[0]),
            ("stock", "cold"): measurement([4.0, 5.0, 3.0], rss[1]),
            ("floor", "convert"): measurement([2.0, 2.0, 2.0]),
            ("site", "warm"): measurement([site_warm]),
            ("stock", "warm"): measurement([2.5]),
            ("site", "html-only"): measurement([site_html]),
        }
    }


def test_the_breakdown_row_is_held_against_stock_cold_and_checks_no_target():
    results = sample_results()
    results[1000][("site", "html-only-no-search")] = measurement([3.0])
    rows = report.rows_for(1000, results[1000])
    assert [row["scenario"] for row in rows][-2:] == ["html-only", "html-only-no-search"]
    assert rows[-1]["vs_stock"] == 0.75
    assert "| HTML-only, search off | 3.00 |" in report.table(rows)
    assert report.check_targets(results) == report.check_targets(sample_results())


def test_rows_compare_each_build_with_its_stock_counterpart_and_the_floor():
    rows = {
        (row["system"], row["scenario"]): row
        for row in report.rows_for(1000, sample_results()[1000])
    }
    assert list(rows)[:3] == [("site", "cold"), ("stock", "cold"), ("floor", "convert")]
    assert rows[("site", "cold")]["seconds"] == 6.0
    assert rows[("site", "cold")]["ms_per_article"] == 6.0
    assert rows[("site", "cold")]["vs_stock"] == 1.5
    assert rows[("site", "cold")]["vs_floor"] == 3.0
    assert rows[("site", "warm")]["vs_stock"] == 0.8  # against stock warm
    assert rows[("site", "html-only")]["vs_stock"] == 1.0  # against stock cold
    assert rows[("stock", "cold")]["vs_stock"] is None
    assert rows[("stock", "cold")]["vs_floor"] == 2.0
    assert rows[("floor", "convert")]["vs_floor"] is None
    assert rows[("site", "cold")]["peak_rss_mb"] == pytest.approx(117.1875)
    assert rows[("site", "cold")]["cpu_seconds"] == 3.0
    assert rows[("site", "cold")]["cpu_vs_stock"] == 1.5


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        (sample_results(), {"cold": True, "warm": True, "html-only": True, "rss": None}),
        (sample_results(site_cold=6.1), {"cold": False, "warm": True, "html-only": True}),
        (sample_results(site_warm=2.1), {"warm": False}),
        (sample_results(site_html=4.2), {"html-only": False}),
        ({4000: sample_results(rss=(121_000, 100_000))[1000]}, {"rss": False, "cold": None}),
        ({4000: sample_results(rss=(119_000, 100_000))[1000]}, {"rss": True}),
        ({}, {"cold": None, "warm": None, "html-only": None, "rss": None}),
    ],
)
def test_targets(results, expected):
    checked = {target["key"]: target for target in report.check_targets(results)}
    for key, passed in expected.items():
        assert checked[key]["passed"] is passed, key
    assert report.any_failed(checked.values()) is (False in expected.values())


def test_table_and_json_document():
    document = report.document(sample_results(), {"runs": 3})
    assert document["runs"] == 3
    assert len(document["rows"]) == 6
    assert [target["key"] for target in document["targets"]] == ["cold", "warm", "html-only", "rss"]
    table = report.table(document["rows"]).splitlines()
    assert len(table) == 2 + 6
    assert table[2] == (
        "| 1000 | (a) this site | cold | 6.00 | 6.00 | 1.50x | 3.00x | 3.00 | 1.50x | 117 |"
    )
    assert "not measured" in report.targets_text(document["targets"])


@pytest.mark.parametrize(
    ("text", "large", "expected"),
    [("100,1000", False, [100, 1000]), ("1000,100", True, [100, 1000, 4000]), ("50", False, [50])],
)
def test_parse_sizes(text, large, expected):
    assert parse_sizes(text, large) == expected


@pytest.mark.parametrize("text", ["", "a,b", "0", "-5"])
def test_parse_sizes_rejects_bad_input(text):
    with pytest.raises(SystemExit, match="--sizes"):
        parse_sizes(text)


def test_cache_settings_are_found_by_name():
    settings = {
        "CACHE_CONTENT": True,
        "PATH": "content",
        "PROMPT_CARDS_CACHE_PATH": ".cache/cards",
        "CACHE_PATH": ".cache/pelican",
        "SEARCH_CACHE_DIR": ".cache/search",
        "GZIP_CACHE": True,
    }
    assert cache_setting_keys(settings) == [
        "CACHE_PATH",
        "PROMPT_CARDS_CACHE_PATH",
        "SEARCH_CACHE_DIR",
    ]


def test_markdown_config_completes_like_pelicans_reader():
    settings = {"MARKDOWN": {"extension_configs": {"markdown.extensions.extra": {}}}}
    config = markdown_config(settings)
    assert config["extensions"] == ["markdown.extensions.extra", "markdown.extensions.meta"]
    assert "extensions" not in settings["MARKDOWN"]


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("~", "builtins"),
        ("<frozen posixpath>", "builtins"),
        ("/r/plugins/prompt_cards/render.py", "plugins/prompt_cards"),
        ("/r/theme/templates/article.html", "theme templates"),
        ("/r/sitetools/build.py", "sitetools"),
        ("/r/.venv/lib/python3.11/site-packages/markdown/core.py", "markdown"),
        ("/usr/lib/python3.11/site-packages/jinja2/runtime.py", "jinja2"),
        ("/usr/lib/python3.11/json/decoder.py", "python stdlib"),
    ],
)
def test_profile_category(filename, expected):
    assert category(filename, root="/r") == expected


def test_timed_run_reports_failures_with_the_log(tmp_path):
    seconds, rss_kb, cpu = timed_run([sys.executable, "-c", "pass"], tmp_path, tmp_path / "ok.log")
    assert seconds > 0
    assert rss_kb > 0
    assert cpu > 0
    command = [sys.executable, "-c", "import sys; print('broken'); sys.exit(3)"]
    with pytest.raises(BenchError, match=r"exit 3(.|\n)*broken"):
        timed_run(command, tmp_path, tmp_path / "bad.log")


def test_timed_run_stops_a_build_that_runs_too_long(tmp_path):
    command = [sys.executable, "-c", "import time; time.sleep(60)"]
    started = time.perf_counter()
    with pytest.raises(BenchError, match=r"timed out after 0\.5 s"):
        timed_run(command, tmp_path, tmp_path / "slow.log", timeout=0.5)
    assert time.perf_counter() - started < 30


def _fill_caches(site):
    """An output and the caches a build leaves: Pelican's, a plugin's, the images."""
    site.output.mkdir(parents=True, exist_ok=True)
    (site.output / "index.html").write_text("x")
    for path in site.cache_dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    cache = site.cache_dirs["CACHE_PATH"]
    (cache / "ArticlesGenerator-Readers").write_text("x")
    (cache / "search_index.pickle").write_text("x")
    (cache / "search_bundle").mkdir(exist_ok=True)
    (cache / "search_bundle" / "pagefind-entry.json").write_text("x")
    images = Path(site.image_cache())
    images.mkdir(parents=True, exist_ok=True)
    (images / "card.png").write_text("x")


def _left(site):
    work = site.workdir
    found = [
        p for p in work.rglob("*") if p.is_file() and not any("discarded" in x for x in p.parts)
    ]
    return sorted(str(p.relative_to(work)) for p in found)


def test_cold_builds_clear_every_cache_and_html_only_builds_keep_only_the_images(tmp_path):
    from bench.runner import Site

    settings = tmp_path / "conf.py"
    settings.write_text('CACHE_PATH = "c"\nPROMPT_CARDS_CACHE_PATH = "cards"\n')
    site = Site(settings, tmp_path / "corpus", tmp_path / "work")
    assert list(site.cache_dirs) == ["CACHE_PATH", "PROMPT_CARDS_CACHE_PATH"]
    assert site.image_cache() == str(site.cache_dirs["PROMPT_CARDS_CACHE_PATH"])
    command = " ".join(site.command("cold"))
    for path in site.cache_dirs.values():
        assert str(path) in command

    _fill_caches(site)
    site.prepare("html-only")
    assert _left(site) == ["cache/prompt_cards_cache_path/card.png"]
    site.prepare("warm")
    assert _left(site) == ["cache/prompt_cards_cache_path/card.png"]
    _fill_caches(site)
    site.prepare("cold")
    for path in site.cache_dirs.values():
        assert not path.exists()
    assert not site.output.exists()


def test_the_breakdown_build_is_html_only_with_search_off(tmp_path):
    from bench.runner import Site

    settings = tmp_path / "conf.py"
    settings.write_text('CACHE_PATH = "c"\n')
    site = Site(settings, tmp_path / "corpus", tmp_path / "work")
    assert site.command("html-only-no-search") == [
        *site.command("html-only"),
        "--set",
        "SEARCH_INDEX_ENABLED=false",
    ]
    _fill_caches(site)
    site.prepare("html-only-no-search")
    assert _left(site) == ["cache/cache_path/prompt_cards/card.png"]


def test_html_only_builds_keep_the_images_in_their_default_folder(tmp_path):
    from bench.runner import Site

    settings = tmp_path / "conf.py"
    settings.write_text('CACHE_PATH = "c"\n')  # images in CACHE_PATH/prompt_cards
    site = Site(settings, tmp_path / "corpus", tmp_path / "work")
    _fill_caches(site)
    site.prepare("html-only")
    assert _left(site) == ["cache/cache_path/prompt_cards/card.png"]
    site.prepare("html-only")  # nothing more to move aside
    assert _left(site) == ["cache/cache_path/prompt_cards/card.png"]
    assert sorted(p.name for p in (site.workdir / "discarded").iterdir()) == [
        "ArticlesGenerator-Readers.discarded-0",
        "search_bundle.discarded-0",
        "search_index.pickle.discarded-0",
    ]


def test_a_reset_folder_is_moved_aside_not_deleted(tmp_path):
    from bench.runner import _reset

    output = tmp_path / "output"
    for text in ("first", "second"):
        output.mkdir()
        (output / "index.html").write_text(text)
        _reset(output)
        assert not output.exists()
    _reset(output)  # already absent: nothing to do
    aside = {p.parent.name: p.read_text() for p in tmp_path.glob("*/index.html")}
    assert aside == {"output.discarded-0": "first", "output.discarded-1": "second"}


@pytest.mark.parametrize("breakdown", [False, True])
def test_a_whole_bench_run_measures_every_build(tmp_path, breakdown):
    from bench.runner import Bench
    from tests.sitebuild import ROOT

    bench = Bench(
        2,
        tmp_path,
        ROOT / "pelicanconf.py",
        runs=1,
        warmup=0,
        say=lambda line: None,
        breakdown=breakdown,
    )
    measurements = bench.run()
    expected = [key for key in report.ROW_ORDER if breakdown or key[1] != "html-only-no-search"]
    assert sorted(measurements) == sorted(expected)
    # The search-off build comes before HTML-only: the warm build still has its index.
    assert (bench.site.output / "pagefind" / "pagefind-entry.json").is_file()
    for measurement in measurements.values():
        assert [len(values) for values in measurement.values()] == [1, 1, 1]
    assert "Edited for the benchmark, revision 0." in bench.edited.read_text(encoding="utf-8")
    assert (bench.stock_warm.output / "bench-00001.html").exists()  # stock URLs
    assert (bench.site.output / "bench-00001" / "index.html").exists()


def test_profiling_a_build_writes_its_profile_and_report(tmp_path):
    # The build leaves with os._exit after success, which would stop cProfile from ever
    # writing its results: under a profiler it exits normally (sitetools.build.leave).
    from bench.profile import profile_site
    from bench.runner import Bench
    from tests.sitebuild import ROOT

    bench = Bench(2, tmp_path, ROOT / "pelicanconf.py", runs=1, warmup=0, say=lambda line: None)
    text = profile_site(bench, tmp_path / "results")
    for scenario in ("cold", "warm"):
        assert (tmp_path / "results" / f"profile-{scenario}.prof").stat().st_size > 0
        report_text = (tmp_path / "results" / f"profile-{scenario}.txt").read_text()
        assert "Own time by where the code lives:" in report_text
        assert "plugins/" in report_text  # our plugins' own time is accounted for
        assert f"N=2, {scenario} build under cProfile" in text


def test_the_site_code_is_compiled_like_an_installed_package(tmp_path):
    for name in SITE_CODE:
        path = tmp_path / name
        if name.endswith(".py"):
            path.write_text("SITENAME = 'x'\n", encoding="utf-8")
        else:
            (path / "inner").mkdir(parents=True)
            (path / "inner" / "module.py").write_text("VALUE = 1\n", encoding="utf-8")
    compile_site_code(tmp_path)
    for name in SITE_CODE:
        if name.endswith(".py"):
            assert list((tmp_path / "__pycache__").glob(f"{name[:-3]}.*.pyc")), name
        else:
            assert list((tmp_path / name / "inner" / "__pycache__").glob("module.*.pyc")), name
    (tmp_path / "plugins" / "inner" / "broken.py").write_text("def (:\n", encoding="utf-8")
    with pytest.raises(BenchError, match="does not compile"):
        compile_site_code(tmp_path)
