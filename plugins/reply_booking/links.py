"""What the reply section and the booking pages link to. Pure functions.

How the article title reaches the e-mail fallback without a query string: the booking
pages are shared by every article, so they cannot know which article a reader came
from (and a `?from=` parameter would put the reader's path into a URL). Instead each
article's own reply section carries a mailto: link whose subject names that article
("Reply to: The Ingredients"), and the booking pages carry one whose subject names
the booking page itself ("Reply to: Book a session in California"). A mailto: link
sends nothing until the reader presses Send in their own mail program.
"""

from dataclasses import dataclass, field
from urllib.parse import quote

BOOK_URL = "book/"
ELSEWHERE = "elsewhere"
SUBJECT_PREFIX = "Reply to: "


def reply_subject(title):
    """The e-mail subject for a reply to a page: "Reply to: <title>" on one line."""
    return SUBJECT_PREFIX + " ".join(str(title).split())


def build_mailto(address, subject):
    """A mailto: URL (RFC 6068) with the subject percent-encoded as UTF-8.

    Spaces become %20 (not "+", which mail programs would show literally); line
    breaks are folded so a title can never add a header.
    """
    subject = " ".join(str(subject).split())
    return f"mailto:{quote(address, safe='@+')}?subject={quote(subject, safe='')}"


def state_url(key):
    return f"{BOOK_URL}{key}/"


def join_names(names, conjunction="and"):
    """ "California", "California and Connecticut", "A, B or C"."""
    names = list(names)
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def answers(practice):
    """The answers to "Where will you be during our sessions?": [{label, url}], in order."""
    routes = [
        {"label": f"In {state['name']}", "url": state_url(key)}
        for key, state in practice["states"].items()
    ]
    return [*routes, {"label": "Somewhere else", "url": state_url(ELSEWHERE)}]


@dataclass(frozen=True)
class BookingPage:
    """One page the booking generator writes."""

    template: str
    url: str
    title: str
    context: dict = field(default_factory=dict)

    @property
    def save_as(self):
        return self.url + "index.html"


def booking_pages(practice):
    """The hub, one page per state and the page for everyone else."""
    names = [state["name"] for state in practice["states"].values()]
    shared = {
        "state_names": join_names(names),  # "California and Connecticut"
        "state_names_or": join_names(names, "or"),
        "book_url": BOOK_URL,
    }
    states = [
        BookingPage(
            template="book_state",
            url=state_url(key),
            title=f"Book a session in {state['name']}",
            context={**shared, "state_key": key, "state": state},
        )
        for key, state in practice["states"].items()
    ]
    return [
        BookingPage(template="book", url=BOOK_URL, title="Book a session", context=shared),
        *states,
        BookingPage(
            template="book_elsewhere",
            url=state_url(ELSEWHERE),
            title=f"Outside {shared['state_names']}",
            context=shared,
        ),
    ]
