"""Shared fixtures: real builds of the real site into temp dirs."""

import pytest

from tests.sitebuild import run_build


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The real site, built once with the local settings."""
    output = tmp_path_factory.mktemp("site") / "output"
    result = run_build(output)
    assert result.returncode == 0, result.stdout + result.stderr
    return output


@pytest.fixture(scope="session")
def published_site(tmp_path_factory):
    """The real site, built once with the publish settings."""
    output = tmp_path_factory.mktemp("published") / "output"
    result = run_build(
        output,
        settings="publishconf.py",
        env={"SITE_URL": "https://example.org", "SITE_ALLOW_PLACEHOLDERS": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return output
