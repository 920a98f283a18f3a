"""Mark drafts and scheduled posts, so the preview can show which is which.

Sets `preview_status` on every article and page: "draft" for `Status: draft`,
"scheduled" for a post dated after the build, "" otherwise. The theme shows a banner
(partials/status_banner.html) and a badge in listings (partials/status_badge.html).

Only the local preview ever shows them: the publish settings write no drafts
(DRAFT_SAVE_AS = "") and turn a post dated in the future into a draft
(WITH_FUTURE_DATES = False), so it is neither written nor listed before its date.
"""

from datetime import UTC, datetime
from itertools import chain

from pelican import signals


def preview_status(status, date, now):
    """ "draft", "scheduled" or "" for content with this status and date, built at `now`."""
    if status == "draft":
        return "draft"
    if date is not None:
        reference = now if date.tzinfo else now.replace(tzinfo=None)
        if date > reference:
            return "scheduled"
    return ""


def mark(items, now):
    for item in items:
        item.preview_status = preview_status(item.status, getattr(item, "date", None), now)


def mark_articles(generator):
    mark(
        chain(
            generator.articles,
            generator.translations,
            generator.drafts,
            generator.drafts_translations,
            generator.hidden_articles,
            generator.hidden_translations,
        ),
        datetime.now(UTC),
    )


def mark_pages(generator):
    mark(
        chain(
            generator.pages,
            generator.translations,
            generator.draft_pages,
            generator.draft_translations,
            generator.hidden_pages,
            generator.hidden_translations,
        ),
        datetime.now(UTC),
    )


def register():
    # *_generator_finalized: every article and page has been read (or taken from the
    # content cache, which skips the readers) and nothing has been written yet.
    signals.article_generator_finalized.connect(mark_articles)
    signals.page_generator_finalized.connect(mark_pages)
