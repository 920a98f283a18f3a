"""Write `release.json` into a build: what `invoke publish` and `invoke check` read.

It records what only Pelican knows once the build is over: the SITEURL the build was
made for, which articles it holds (publishing refuses to drop articles unless asked),
and whether a draft was written. Enabled by publishconf.py, so every production build
carries one; `invoke publish` adds the git commit before uploading.

The file is called release.json, not manifest.json: /manifest.json is where browsers
and tools look for a Web App Manifest, which this is not.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

from pelican import signals

FILENAME = "release.json"


def describe_build(context, built_at):
    """The manifest for a finished build, from the generators' shared context."""
    articles = context.get("articles", [])
    drafts = [*context.get("drafts", []), *context.get("draft_pages", [])]
    return {
        "site_url": context.get("SITEURL", ""),
        "articles": len(articles),
        "article_urls": sorted(article.url for article in articles),
        "pages": len(context.get("pages", [])),
        # A draft is only a problem when its page was written (DRAFT_SAVE_AS not empty).
        "drafts_written": sorted(draft.url for draft in drafts if draft.save_as),
        "built_at": built_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


class ReleaseManifestGenerator:
    """Writes release.json; a generator (as in the official `search` plugin) because
    generate_output runs after every generator has filled the shared context."""

    def __init__(self, context, settings, path, theme, output_path, *args, **kwargs):
        self.context = context
        self.output_path = Path(output_path)

    def generate_output(self, writer):
        manifest = describe_build(self.context, datetime.now(UTC))
        target = self.output_path / FILENAME
        target.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def get_generators(pelican):
    return ReleaseManifestGenerator


def register():
    # get_generators: the manifest is a new output file, written with everything else.
    signals.get_generators.connect(get_generators)
