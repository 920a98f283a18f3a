"""The helpers behind the browser suite and `invoke lighthouse`, tested directly."""

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sitetools.html_validation import format_messages, validate_html
from sitetools.lighthouse import CATEGORIES, summarise
from sitetools.local_site import serve
from sitetools.system_deps import NODE_STAMP, node_packages_current


def category(score, audits=()):
    return {"score": score, "auditRefs": [{"id": audit, "weight": 1} for audit in audits]}


def test_summarise_passes_a_perfect_report():
    report = {"categories": {name: category(1) for name in CATEGORIES}, "audits": {}}
    assert summarise("u", report) == (dict.fromkeys(CATEGORIES, 100), [])


def test_summarise_names_the_audits_that_cost_points():
    categories = {name: category(1) for name in CATEGORIES}
    categories["seo"] = category(0.92, ["meta-description", "link-text"])
    audits = {
        "meta-description": {"title": "Document has a meta description", "score": 0},
        "link-text": {"title": "Links have descriptive text", "score": 1},
    }
    scores, failures = summarise("http://x/", {"categories": categories, "audits": audits})
    assert scores["seo"] == 92
    assert failures == ["http://x/: seo scored 92, not 100: Document has a meta description"]


def test_summarise_reports_a_run_that_failed():
    report = {"runtimeError": {"code": "NO_FCP", "message": "no paint"}, "categories": {}}
    scores, failures = summarise("u", report)
    assert scores == dict.fromkeys(CATEGORIES)
    assert failures[0] == "u: Lighthouse failed: NO_FCP: no paint"
    assert len(failures) == 1 + len(CATEGORIES)


def test_format_messages_keeps_errors_only_with_their_place():
    report = {
        "messages": [
            {
                "type": "error",
                "url": "file:/site/a%20b/index.html",
                "lastLine": 3,
                "firstColumn": 5,
                "message": "Stray end tag “p”.",
            },
            {"type": "info", "subType": "warning", "url": "file:/site/x.html", "message": "w"},
            {"type": "non-document-error", "url": "file:/site/y.html", "message": "IO"},
        ]
    }
    assert format_messages(report, base=Path("/site")) == [
        "a b/index.html:3:5: Stray end tag “p”.",
        "y.html: IO",
    ]


def test_validate_html_finds_real_errors(tmp_path):
    good = tmp_path / "good.html"
    good.write_text('<!doctype html><html lang="en"><title>t</title><p>fine</p></html>')
    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><html lang="en"><title>t</title><p><div></p></html>')
    errors = validate_html([good, bad], base=tmp_path)
    assert errors
    assert all(error.startswith("bad.html:1:") for error in errors)


def test_the_static_server_serves_folders_and_a_real_404(tmp_path):
    (tmp_path / "post").mkdir()
    (tmp_path / "post" / "index.html").write_text("the post")
    (tmp_path / "404.html").write_text("not here")
    with serve(tmp_path) as url:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "/post/") as response:
            assert response.read() == b"the post"
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(url + "/nothing/")
        assert missing.value.code == 404
        assert missing.value.read() == b"not here"


def test_node_packages_count_as_current_only_with_the_lockfile_they_came_from(tmp_path):
    (tmp_path / "package-lock.json").write_text('{"v": 1}')
    assert not node_packages_current(tmp_path)
    (tmp_path / NODE_STAMP).parent.mkdir()
    (tmp_path / NODE_STAMP).write_text('{"v": 1}')
    assert node_packages_current(tmp_path)
    (tmp_path / "package-lock.json").write_text('{"v": 2}')
    assert not node_packages_current(tmp_path)
