"""`invoke publish` and `invoke rollback` against a real OpenSSH server on 127.0.0.1.

Each test publishes to its own folder on the throwaway server (tests/sshd.py). Tests
about upload mechanics turn off only the Nu Html Checker (html_validation=False);
the first test runs every check, the validator included.
"""

import json
import locale
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sitetools.checks import find_broken_links
from sitetools.publish import (
    Changes,
    PublishError,
    Target,
    deploy_target,
    load_settings,
    parse_itemized,
    parse_remote_state,
    previous_release,
    production_site_url,
    publish,
    release_name,
    releases_to_prune,
    rollback,
    ssh_command,
    switch_script,
)
from tests.sitebuild import ROOT, content_with, parse
from tests.sshd import start_sshd

SITE_URL = "https://example.org"


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def live_site(sshd, tmp_path_factory):
    """A site on the server with one release (two articles); shared by the tests that
    prove a refused publish leaves it exactly as it was."""
    folder = tmp_path_factory.mktemp("live")
    site = folder / "server" / "site"
    content = content_with(folder, "publish/second-article.md")
    name = publish(env=sshd.env(site), content=content, html_validation=False, out=Log().append)
    return site, name


@pytest.fixture
def site(tmp_path):
    """The site folder on the server (SITE_DEPLOY_TARGET's path); not created yet."""
    return tmp_path / "server" / "site"


class Log(list):
    """Collects what publish() reports, as `out=log.append`."""

    @property
    def text(self):
        return "\n".join(self)


def quick_publish(env, **options):
    """Publish with every check but the Nu Html Checker; return the release name."""
    return publish(env=env, html_validation=False, out=Log().append, **options)


def snapshot(folder):
    """Everything under `folder` (not following symlinks): name -> (inode, mtime, size, link)."""
    folder = Path(folder)
    if not folder.exists():
        return None
    entries = {".": folder.lstat().st_mtime_ns}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            info = path.lstat()
            link = os.readlink(path) if path.is_symlink() else None
            entries[str(path.relative_to(folder))] = (
                info.st_ino,
                info.st_mtime_ns,
                info.st_size,
                link,
            )
    return entries


def live(site):
    """The release name `current` points at."""
    return os.readlink(site / "current").removeprefix("releases/")


def releases(site):
    return sorted(os.listdir(site / "releases"))


# ---- Against the server ----


def test_publish_lands_a_complete_browsable_release_behind_current(sshd, site, capfd):
    log = Log()
    name = publish(env=sshd.env(site), out=log.append)  # every check, the validator too

    assert os.readlink(site / "current") == f"releases/{name}"
    assert releases(site) == [name]
    current = site / "current"
    assert (current / "index.html").is_file()
    page = parse(current / "the-ingredients" / "index.html")
    assert page.find("h1").get_text(strip=True) == "The Ingredients"
    assert find_broken_links(current, site_url=SITE_URL) == []
    manifest = json.loads((current / "release.json").read_text())
    assert manifest["site_url"] == SITE_URL
    assert manifest["articles"] == 1
    assert "commit" in manifest
    assert "ok    valid HTML (Nu Html Checker)" in log.text
    assert "ok    every internal link and asset resolves" in log.text
    assert f"current -> releases/{name}" in log.text
    assert "to-chk=" in capfd.readouterr().out  # rsync's progress was shown


def test_a_second_publish_keeps_the_first_and_rollback_switches_back(sshd, site, tmp_path):
    env = sshd.env(site)
    first = quick_publish(env)
    second = quick_publish(env, content=content_with(tmp_path, "publish/second-article.md"))

    assert second > first
    assert releases(site) == [first, second]
    assert live(site) == second
    assert (site / "current" / "asking-for-what-you-need" / "index.html").is_file()
    old, new = site / "releases" / first, site / "releases" / second
    assert (old / "the-ingredients" / "index.html").is_file()
    assert not (old / "asking-for-what-you-need").exists()
    # Unchanged files are hard links into the previous release; changed ones are not.
    css = Path("theme/css/site.css")
    assert (old / css).stat().st_ino == (new / css).stat().st_ino
    assert (old / "index.html").stat().st_ino != (new / "index.html").stat().st_ino

    log = Log()
    assert rollback(env=env, out=log.append) == first
    assert live(site) == first
    assert not (site / "current" / "asking-for-what-you-need").exists()
    assert f"current -> releases/{first} (was releases/{second})" in log.text
    assert releases(site) == [first, second]
    with pytest.raises(PublishError, match="no release before the live one"):
        rollback(env=env, out=log.append)


def test_dry_run_changes_nothing_remote_and_lists_the_changes(sshd, live_site, site, tmp_path):
    log = Log()
    assert publish(env=sshd.env(site), dry_run=True, html_validation=False, out=log.append) is None
    assert not site.parent.exists()  # not even a mkdir
    assert "Dry run: compared with no live release yet" in log.text
    assert "  + the-ingredients/index.html" in log.text

    live, first = live_site
    before = snapshot(live)
    content = content_with(tmp_path)
    (content / "another-article.md").write_text(
        "Title: Another Article\nDate: 2024-03-06 09:00\nCategory: Relationships\n"
        "Slug: another-article\nSummary: Replaces the second article.\n\nBody.\n",
        encoding="utf-8",
    )
    log = Log()
    publish(
        env=sshd.env(live), content=content, dry_run=True, html_validation=False, out=log.append
    )

    assert snapshot(live) == before
    assert f"Dry run: compared with releases/{first}" in log.text
    assert "nothing was sent" in log.text
    assert "  + another-article/index.html" in log.text
    assert "  - asking-for-what-you-need/index.html" in log.text
    assert "  ~ index.html" in log.text
    assert "  ~ about/index.html" not in log.text  # unchanged pages are not listed


def test_a_build_error_uploads_nothing_and_leaves_current_alone(sshd, live_site, tmp_path):
    site, first = live_site
    before = snapshot(site)
    content = content_with(tmp_path, "impossible-date/impossible-date.md")
    with pytest.raises(PublishError, match="the build failed; nothing was sent") as error:
        quick_publish(sshd.env(site), content=content)
    assert "impossible-date.md" in str(error.value)
    assert snapshot(site) == before
    assert live(site) == first


@pytest.mark.parametrize(
    ("fixture", "env_change", "expected"),
    [
        ("publish/broken-link.md", {}, "/no-such-page/ does not exist"),
        # The content linter refuses it before anything is built.
        ("publish/unresolved-link.md", {}, "{filename}/no-such-post.md goes to a file that"),
        ("publish/second-article.md", {"SITE_ALLOW_PLACEHOLDERS": ""}, "PLACEHOLDER"),
        (None, {}, "asking-for-what-you-need/ would disappear"),
    ],
    ids=["broken-link", "unresolved-link", "placeholders", "fewer-articles"],
)
def test_a_failed_check_uploads_nothing(sshd, live_site, tmp_path, fixture, env_change, expected):
    site, first = live_site
    before = snapshot(site)
    content = content_with(tmp_path, fixture) if fixture else None
    log = Log()
    with pytest.raises(PublishError) as error:
        publish(
            env=sshd.env(site, **env_change),
            content=content,
            html_validation=False,
            out=log.append,
        )
    assert expected in log.text + str(error.value)
    assert snapshot(site) == before
    assert live(site) == first


CUT_SSH = """#!{python}
# An ssh that drops the connection of an rsync upload after {limit} bytes.
import os, subprocess, sys

args = sys.argv[1:]
if "--server" not in args:
    os.execvp("ssh", ["ssh", *args])
ssh = subprocess.Popen(["ssh", *args], stdin=subprocess.PIPE)
sent = 0
while chunk := os.read(0, 65536):
    ssh.stdin.write(chunk)
    ssh.stdin.flush()
    sent += len(chunk)
    if sent >= {limit}:
        ssh.kill()
        os._exit(255)
ssh.stdin.close()
sys.exit(ssh.wait())
"""


def test_a_connection_cut_mid_upload_keeps_the_old_release_live_and_a_rerun_succeeds(
    sshd, site, tmp_path
):
    env = sshd.env(site)
    first = quick_publish(env)
    content = content_with(tmp_path)
    big = os.urandom(3_000_000)
    (content / "images").mkdir(exist_ok=True)
    (content / "images" / "big.bin").write_bytes(big)
    cut_ssh = tmp_path / "cut-ssh"
    cut_ssh.write_text(CUT_SSH.format(python=sys.executable, limit=500_000))
    cut_ssh.chmod(0o755)

    with pytest.raises(PublishError, match="the upload failed") as error:
        quick_publish(env, content=content, ssh=str(cut_ssh))
    assert f"The live site was not changed (current: releases/{first})" in str(error.value)
    assert live(site) == first
    assert (site / "current" / "the-ingredients" / "index.html").is_file()
    entries = releases(site)
    partials = [entry for entry in entries if entry.startswith(".partial-")]
    assert [entry for entry in entries if entry not in partials] == [first]
    assert len(partials) == 1  # the cut-off upload, never named as a release
    assert not (site / "releases" / partials[0] / "images" / "big.bin").exists()

    second = quick_publish(env, content=content)
    assert live(site) == second
    assert (site / "current" / "images" / "big.bin").read_bytes() == big
    assert releases(site) == [first, second]  # the cut-off upload was cleaned up


def test_fewer_articles_than_the_live_site_need_allow_removals(sshd, site, tmp_path):
    env = sshd.env(site)
    quick_publish(env, content=content_with(tmp_path, "publish/second-article.md"))
    log = Log()
    with pytest.raises(PublishError, match="nothing was sent"):
        publish(env=env, html_validation=False, out=log.append)
    assert "this build has 1 article(s), the live site 2" in log.text
    assert "--allow-removals" in log.text

    name = quick_publish(env, allow_removals=True)
    assert live(site) == name
    assert not (site / "current" / "asking-for-what-you-need").exists()


def test_only_the_last_five_releases_are_kept(sshd, site, published_site):
    older = [f"2020010{day}T000000Z" for day in range(1, 7)]
    for name in older:
        shutil.copytree(published_site, site / "releases" / name)
    (site / "releases" / ".partial-20200107T000000Z").mkdir()  # an upload cut off long ago

    newest = quick_publish(sshd.env(site))
    assert releases(site) == [*older[2:], newest]
    assert live(site) == newest


def test_an_unknown_host_key_is_refused(sshd, site, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    env = sshd.env(site, SITE_DEPLOY_KNOWN_HOSTS=str(empty))
    with pytest.raises(PublishError, match="Host key verification failed"):
        quick_publish(env)
    assert not site.parent.exists()


# ---- Refused before building ----


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SITE_DEPLOY_TARGET is not set"),
        ({"SITE_DEPLOY_TARGET": "example.org"}, "SITE_DEPLOY_TARGET='example.org' is not"),
        ({"SITE_DEPLOY_TARGET": "me@example.org:/"}, "SITE_DEPLOY_TARGET='me@example.org:/'"),
        ({"SITE_DEPLOY_TARGET": "me@h:/srv/site", "SITE_DEPLOY_PORT": "ssh"}, "SITE_DEPLOY_PORT"),
        ({"SITE_DEPLOY_TARGET": "me@h:/srv/site"}, "SITE_URL is not set"),
        (
            {"SITE_DEPLOY_TARGET": "me@h:/srv/site", "SITE_URL": "http://localhost:8000"},
            "SITE_URL 'http://localhost:8000' is not an https:// address",
        ),
        (
            {"SITE_DEPLOY_TARGET": "me@h:/srv/site", "SITE_URL": "https://127.0.0.1"},
            "SITE_URL 'https://127.0.0.1' is a local network address",
        ),
    ],
)
def test_bad_configuration_is_refused_before_building(tmp_path, env, message):
    content = content_with(tmp_path, "impossible-date/impossible-date.md")  # would not build
    log = Log()
    with pytest.raises(PublishError, match=re.escape(message)):
        publish(env=env, content=content, out=log.append)
    assert log == []  # nothing started, not even the build


def test_invoke_publish_without_a_target_names_the_variable():
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITE_")}
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "publish", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        encoding="utf-8",
        timeout=60,
    )
    assert result.returncode == 1
    assert "Not published: SITE_DEPLOY_TARGET is not set" in result.stderr
    assert "Building" not in result.stdout


# ---- The decisions, as pure functions ----


@pytest.mark.parametrize(
    ("raw", "host", "path"),
    [
        ("deploy@example.org:/srv/www/blog", "deploy@example.org", "/srv/www/blog"),
        ("deploy@example.org:/srv/www/blog/", "deploy@example.org", "/srv/www/blog"),
        ("example.org:blog", "example.org", "blog"),
        ("me@example.org:~/blog", "me@example.org", "blog"),
    ],
)
def test_deploy_target_parses_user_host_path(raw, host, path):
    target = deploy_target({"SITE_DEPLOY_TARGET": raw})
    assert (target.host, target.path, target.port) == (host, path, 22)


def test_deploy_target_reads_port_key_and_known_hosts(tmp_path):
    key, known = tmp_path / "id", tmp_path / "known"
    key.write_text("")
    known.write_text("")
    target = deploy_target(
        {
            "SITE_DEPLOY_TARGET": "me@h:/srv/site",
            "SITE_DEPLOY_PORT": "2222",
            "SITE_DEPLOY_SSH_KEY": str(key),
            "SITE_DEPLOY_KNOWN_HOSTS": str(known),
        }
    )
    assert target == Target("me@h", "/srv/site", 2222, str(key), str(known))
    with pytest.raises(PublishError, match="SITE_DEPLOY_SSH_KEY='/nonexistent': no such file"):
        deploy_target({"SITE_DEPLOY_TARGET": "me@h:/x", "SITE_DEPLOY_SSH_KEY": "/nonexistent"})


@pytest.mark.parametrize("bad", ["me@h:", "me@h:~", "me@h:~/", "me@h:.", "-oProxy=x:/s", "h:/a b"])
def test_deploy_target_refuses_what_is_not_a_site_folder(bad):
    with pytest.raises(PublishError, match="SITE_DEPLOY_TARGET"):
        deploy_target({"SITE_DEPLOY_TARGET": bad})


def test_production_site_url_drops_the_trailing_slash():
    assert production_site_url({"SITE_URL": "https://example.org/"}) == "https://example.org"


def test_ssh_always_verifies_host_keys():
    command = ssh_command(Target("me@h", "/s", 2222, "/k", "/known"))
    assert command[:3] == ["ssh", "-p", "2222"]
    joined = " ".join(command)
    assert "StrictHostKeyChecking=yes" in joined
    assert "UserKnownHostsFile=/known" in joined
    assert "BatchMode=yes" in joined
    assert "accept-new" not in joined
    assert "StrictHostKeyChecking=no" not in joined


def test_release_names_are_utc_timestamps_that_always_sort_after_the_existing_ones():
    now = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert release_name(now, []) == "20250301T120000Z"
    assert release_name(now, ["20250301T120000Z"]) == "20250301T120001Z"
    assert release_name(now, ["20250301T120000Z", "20250301T120005Z"]) == "20250301T120006Z"


@pytest.mark.parametrize(
    ("names", "current", "keep", "pruned"),
    [
        (["a", "b", "c"], "c", 5, []),
        (["a", "b", "c", "d", "e", "f", "g"], "g", 5, ["a", "b"]),
        (["a", "b", "c", "d", "e", "f", "g"], "a", 5, ["b"]),  # the live one always stays
        (["b", "a", "c"], "c", 1, ["a", "b"]),
    ],
)
def test_releases_to_prune(names, current, keep, pruned):
    assert releases_to_prune(names, current, keep) == pruned


@pytest.mark.parametrize(
    ("names", "current", "previous"),
    [
        (["a", "b", "c"], "c", "b"),
        (["a", "b", "c"], "b", "a"),
        (["a"], "a", None),
        ([], None, None),
    ],
)
def test_previous_release(names, current, previous):
    assert previous_release(names, current) == previous


def test_parse_itemized_sorts_files_into_added_changed_removed():
    output = "\n".join(
        [
            "*deleting   old-post/index.html",
            "*deleting   old-post/",
            ".d..t...... ./",
            ">fc........ index.html",
            "cd+++++++++ new-post/",
            ">f+++++++++ new-post/index.html",
            ">f..t...... feeds/all.atom.xml",
        ]
    )
    assert parse_itemized(output) == Changes(
        added=["new-post/index.html"],
        changed=["index.html", "feeds/all.atom.xml"],
        removed=["old-post/index.html"],
    )


def test_parse_remote_state():
    text = (
        "current=releases/20250301T120000Z\n"
        "entry=20250301T120000Z\nentry=20250228T090000Z\nentry=.partial-20250302T000000Z\n"
        "entry=notes.txt\n"
        'manifest:\n{"articles": 3}\n'
    )
    state = parse_remote_state(text)
    assert state.current == "20250301T120000Z"
    assert state.releases == ["20250228T090000Z", "20250301T120000Z"]
    assert state.partials == [".partial-20250302T000000Z"]
    assert state.manifest == {"articles": 3}
    assert parse_remote_state("").current is None
    assert parse_remote_state("current-is-a-folder\n").current_is_folder


def test_switching_renames_a_new_symlink_over_current():
    script = switch_script("/srv/my site", "20250301T120000Z", rename_partial=True)
    assert script == (
        "cd '/srv/my site'"
        " && mv -T releases/.partial-20250301T120000Z releases/20250301T120000Z"
        " && ln -sfn releases/20250301T120000Z .current-20250301T120000Z"
        " && mv -T .current-20250301T120000Z current"
    )


def test_settings_are_read_with_the_given_environment_and_change_nothing_else():
    environment, process_locale = dict(os.environ), locale.setlocale(locale.LC_ALL)
    settings = load_settings(env={"SITE_URL": "https://staging.example.org"})
    assert settings["SITEURL"] == "https://staging.example.org"
    assert "release_manifest" in settings["PLUGINS"]
    assert dict(os.environ) == environment
    assert locale.setlocale(locale.LC_ALL) == process_locale
