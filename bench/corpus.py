"""A seeded corpus of synthetic articles for the build benchmark.

Article `i` depends only on (seed, i), so the corpus for N = 100 is the first 100
articles of the corpus for N = 1000. Each article has about 800 words of Markdown with
headings, lists, links, a blockquote and one ```prompts block of three cards, and the
metadata the site's content linter expects: Title, Date, Category, Tags, Summary, Slug.
"""

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

DEFAULT_SEED = 20240212
TARGET_WORDS = 800
CARDS_PER_ARTICLE = 3
METADATA_KEYS = ("Title", "Date", "Category", "Tags", "Summary", "Slug")

CATEGORIES = ("Relationships", "Communication", "Intimacy", "Conflict", "Self-care")
TAGS = (
    "trust",
    "vulnerability",
    "intimacy",
    "couples therapy",
    "communication",
    "conflict",
    "repair",
    "boundaries",
    "attachment",
    "gratitude",
    "listening",
    "play",
    "stress",
    "parenting",
    "family",
    "forgiveness",
    "rituals",
    "self-compassion",
    "change",
    "distance",
)
LEVELS = ("gentle", "deeper", "vulnerable")
THEMES = ("trust", "vulnerability", "play", "repair", "gratitude", "closeness", "dreams")

SUBJECTS = (
    "partners",
    "couples",
    "the two of you",
    "many of us",
    "people in love",
    "both of you",
    "each partner",
    "a new couple",
    "long-time partners",
    "families",
)
VERBS = (
    "notice",
    "name",
    "share",
    "protect",
    "soften",
    "explain",
    "repair",
    "rebuild",
    "welcome",
    "avoid",
    "remember",
    "practice",
    "question",
    "hold",
    "offer",
)
OBJECTS = (
    "the hurt under the anger",
    "a small need out loud",
    "the moments that matter",
    "a quiet kind of trust",
    "the armor we wear",
    "an old wound",
    "the rhythm of a week",
    "what is really going on",
    "a bid for attention",
    "the story we tell ourselves",
    "the space between two people",
    "a habit of turning toward",
    "the fear of being too much",
    "a shared sense of meaning",
)
TAILS = (
    "even when it feels awkward",
    "long before a crisis",
    "one conversation at a time",
    "without keeping score",
    "in the middle of an ordinary day",
    "when nobody else is watching",
    "after a hard week",
    "with more curiosity than certainty",
    "because it keeps love growing",
    "and that takes practice",
)
NOUNS = (
    "patience",
    "repair",
    "closeness",
    "courage",
    "listening",
    "kindness",
    "honesty",
    "play",
    "rest",
    "trust",
    "respect",
    "attention",
)
STEMS = (
    "What is one small thing I did this week that made you feel cared for",
    "When did you last feel really seen by me",
    "What do you wish I asked you about more often",
    "Which of our rituals would you miss the most",
    "What is a need you have felt silly asking me for",
    "When do you feel closest to me during an ordinary day",
    "What is something you are proud of that I have not noticed",
    "How can I help you feel safe when we disagree",
    "What did your family teach you about saying sorry",
    "What would a perfect slow Sunday look like for you",
)
EXTERNAL_LINKS = (
    ("the Gottman Institute", "https://www.gottman.com/blog/"),
    ("the American Association for Marriage and Family Therapy", "https://www.aamft.org/"),
    ("988 Suicide & Crisis Lifeline", "https://988lifeline.org/"),
)


@dataclass(frozen=True)
class Card:
    level: str
    theme: str
    text: str

    def line(self):
        return f"- {self.level} | {self.theme} | {self.text}"


@dataclass(frozen=True)
class Article:
    index: int
    metadata: dict
    body: str
    cards: tuple

    @property
    def slug(self):
        return self.metadata["Slug"]

    @property
    def filename(self):
        return f"{self.slug}.md"

    def text(self):
        header = "".join(f"{key}: {self.metadata[key]}\n" for key in METADATA_KEYS)
        return f"{header}\n{self.body}"


def article_slug(index):
    return f"bench-{index:05d}"


def _sentence(rng):
    verb = rng.choice(VERBS)
    style = rng.random()
    if style < 0.1:
        verb = f"*{verb}*"
    elif style < 0.15:
        verb = f"**{verb}**"
    words = f"{rng.choice(SUBJECTS)} {verb} {rng.choice(OBJECTS)}"
    if rng.random() < 0.5:
        words += f" {rng.choice(TAILS)}"
    return words[0].upper() + words[1:] + "."


def _paragraph(rng, sentences):
    return " ".join(_sentence(rng) for _ in range(sentences))


def _words(text):
    return len(re.findall(r"[A-Za-z']+", text))


def cards_for(index, rng):
    """Three cards whose texts (and so slugs) are unique across the whole corpus."""
    cards = []
    for k in range(CARDS_PER_ARTICLE):
        number = index * CARDS_PER_ARTICLE + k + 1
        text = f"Question {number}: {rng.choice(STEMS)}?"
        cards.append(Card(LEVELS[(index + k) % len(LEVELS)], rng.choice(THEMES), text))
    return tuple(cards)


def make_article(index, seed=DEFAULT_SEED):
    """Article number `index` (0-based) of the corpus for `seed`."""
    rng = random.Random(seed * 1_000_003 + index)
    first, second = rng.sample(NOUNS, 2)
    title = f"{first.capitalize()} and {second}, notes {index + 1}"
    date = datetime(2015, 1, 1, 9, 0) + timedelta(days=index, minutes=rng.randrange(600))
    tags = rng.sample(TAGS, rng.randint(2, 4))
    cards = cards_for(index, rng)
    other = article_slug(index // 2)  # an earlier article: present in every corpus size
    link_text, link_url = rng.choice(EXTERNAL_LINKS)
    blocks = [
        _paragraph(rng, 4),
        f"## Why {first} matters",
        _paragraph(rng, 5),
        "\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(4, 6))),
        _paragraph(rng, 4),
        f"## What {second} looks like at home",
        f"{_paragraph(rng, 3)} There is more on this from [{link_text}]({link_url}), "
        f"and I wrote about a related idea in [an earlier post]({{filename}}{other}.md).",
        f"> {_paragraph(rng, 2)}\n>\n> {_sentence(rng)}",
        "\n".join(f"{n}. {_sentence(rng)}" for n in range(1, rng.randint(4, 6))),
        "### Try this together",
        _paragraph(rng, 2),
        "```prompts\n" + "\n".join(card.line() for card in cards) + "\n```",
        "## Keep going",
    ]
    while _words("\n\n".join(blocks)) < TARGET_WORDS:
        blocks.append(_paragraph(rng, rng.randint(3, 6)))
    metadata = {
        "Title": title,
        "Date": date.strftime("%Y-%m-%d %H:%M"),
        "Category": CATEGORIES[index % len(CATEGORIES)],
        "Tags": ", ".join(tags),
        "Summary": f"{_sentence(rng)} {_sentence(rng)}".replace("*", ""),  # plain text
        "Slug": article_slug(index),
    }
    return Article(index, metadata, "\n\n".join(blocks) + "\n", cards)


def make_corpus(count, seed=DEFAULT_SEED):
    return [make_article(index, seed) for index in range(count)]


ABOUT_PAGE = """Title: About
Slug: about
Summary: The about page of the benchmark corpus.

{body}
"""


def write_corpus(directory, count, seed=DEFAULT_SEED):
    """Write `count` articles and an About page (the menu links to it) into `directory`."""
    directory = Path(directory)
    (directory / "pages").mkdir(parents=True, exist_ok=True)
    articles = make_corpus(count, seed)
    for article in articles:
        (directory / article.filename).write_text(article.text(), encoding="utf-8")
    body = _paragraph(random.Random(seed), 6)
    (directory / "pages" / "about.md").write_text(ABOUT_PAGE.format(body=body), encoding="utf-8")
    return articles


def edit_article(path, revision):
    """Change one article's body (as an author would) so every build sees it modified."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    marker = "\n\nEdited for the benchmark, revision "
    text = text.split(marker)[0].rstrip("\n") + f"{marker}{revision}.\n"
    path.write_text(text, encoding="utf-8")
