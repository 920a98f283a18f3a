"""The deck: grouping, the prompt of the day, and the build-time "draw" order. Pure."""

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class LevelGroup:
    level: str
    label: str
    cards: tuple


@dataclass(frozen=True)
class ThemeGroup:
    key: str
    label: str
    levels: tuple  # of LevelGroup, in the configured level order

    @property
    def count(self):
        return sum(len(group.cards) for group in self.levels)


def group_cards(cards, levels):
    """Cards by theme (alphabetical), then by level (in `levels` order); order kept inside."""
    themes = {}
    for card in cards:
        themes.setdefault(card.theme_key, []).append(card)
    groups = []
    for key in sorted(themes):
        members = themes[key]
        level_groups = tuple(
            LevelGroup(level, level.capitalize(), tuple(c for c in members if c.level == level))
            for level in levels
            if any(c.level == level for c in members)
        )
        groups.append(ThemeGroup(key, members[0].theme_label, level_groups))
    return groups


def _hash(text):
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16)


def pick_for_day(cards, day, salt=""):
    """One card chosen by the date alone: everyone building on that day gets the same."""
    if not cards:
        return None
    ordered = sorted(cards, key=lambda card: card.slug)
    return ordered[_hash(f"{salt}{day.isoformat()}") % len(ordered)]


def prompt_of_the_day(cards, day):
    return pick_for_day(cards, day)


def draw_order(cards):
    """A shuffled order that depends only on the cards: stable from build to build."""
    return sorted(cards, key=lambda card: (_hash(card.slug), card.slug))


def neighbours(ordered):
    """slug -> (previous card, next card) around a cycle."""
    count = len(ordered)
    return {
        card.slug: (ordered[(index - 1) % count], ordered[(index + 1) % count])
        for index, card in enumerate(ordered)
    }


def level_intensity(level, levels):
    """(filled, total) dots for a level: gentle (1, 3) ... vulnerable (3, 3)."""
    levels = list(levels)
    return (levels.index(level) + 1, len(levels)) if level in levels else ()
