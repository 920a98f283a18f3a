"""Start a new post: `invoke new "Title"` writes content/<slug>.md as a draft.

The logic is pure: `new_post_text()` returns the file's text and `slug_for()` its slug;
`create_post()` is the only function that touches the disk, and it never overwrites.
"""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_CATEGORY = "Relationships"

# The Summary line `invoke new` writes. The content linter refuses to publish a post
# whose Summary is still this text (a draft may keep it while it is being written).
SUMMARY_PROMPT = "One or two plain sentences for listings, feeds and search results."

# An example prompt-card deck, inside an HTML comment: Markdown passes the comment
# through, so it is invisible on the page. Its lines are indented by four spaces so
# that no Markdown reader sees a real ```prompts block inside the comment.
PROMPTS_EXAMPLE = """\
<!--
Conversation cards (optional). To add a deck to this post, copy these lines into
the text below this comment and remove the four spaces in front of each line:

    ```prompts
    - gentle | trust | What's one ingredient a relationship can't do without?
    - deeper | vulnerability | What's one need you've felt silly asking me for out loud?
    - When did you last feel really seen by me?
    ```

One card per "- " line: "text", "level | text" or "level | theme | text".
Levels: gentle, deeper, vulnerable.
-->
"""


class PostExists(FileExistsError):
    """The post's file is already there; `invoke new` never overwrites it."""


def slug_for(title, settings=None):
    """The slug Pelican derives from `title` with these settings (its own slugify)."""
    from pelican.settings import DEFAULT_CONFIG
    from pelican.utils import slugify

    settings = {**DEFAULT_CONFIG, **(settings or {})}
    slug = slugify(
        title,
        regex_subs=settings["SLUG_REGEX_SUBSTITUTIONS"],
        preserve_case=settings["SLUGIFY_PRESERVE_CASE"],
        use_unicode=settings["SLUGIFY_USE_UNICODE"],
    )
    if not slug:
        raise ValueError(
            f"the title {title!r} has no letters or digits to make an address from; "
            "write a title with words in it"
        )
    return slug


def now_in(timezone):
    """The current time in the site's TIMEZONE, to the minute."""
    return datetime.now(ZoneInfo(timezone)).replace(second=0, microsecond=0)


def new_post_text(title, slug, date, category=DEFAULT_CATEGORY):
    """The text of a new draft post: its header, then a prompts example and a first line."""
    if not title.strip() or "\n" in title:
        raise ValueError('the title must be one line of text, e.g. invoke new "Why we fight"')
    header = [
        f"Title: {title.strip()}",
        f"Date: {date:%Y-%m-%d %H:%M}",
        f"Category: {category}",
        "Tags:",
        f"Slug: {slug}",
        f"Summary: {SUMMARY_PROMPT}",
        "Status: draft",
    ]
    body = [
        PROMPTS_EXAMPLE,
        "Write the post here, in Markdown. It is a draft: the preview shows it with a",
        '"Draft" banner and publishing leaves it out. When it is ready, write a real',
        "Summary and delete the `Status: draft` line.",
        "",
    ]
    return "\n".join(header) + "\n\n" + "\n".join(body)


def create_post(content_dir, title, settings=None, category=DEFAULT_CATEGORY, now=None):
    """Write content_dir/<slug>.md for a new draft; return its path. Never overwrites."""
    settings = settings or {}
    slug = slug_for(title, settings)
    path = Path(content_dir) / f"{slug}.md"
    date = now or now_in(settings.get("TIMEZONE", "UTC"))
    text = new_post_text(title, slug, date, category)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as handle:  # "x": fail if it exists
            handle.write(text)
    except FileExistsError:
        raise PostExists(
            f"{path} already exists; nothing was written. Pick another title, or open "
            "that file to keep writing it."
        ) from None
    return path
