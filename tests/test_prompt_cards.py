"""Prompt cards: the pure parts (parse, slug, layout, render, deck, settings, cache)."""

import datetime
import io
import os
import time
from types import SimpleNamespace

import markdown
import pytest
from PIL import Image

from plugins.forking import usable_cores
from plugins.prompt_cards import deck, imagecache, render
from plugins.prompt_cards.markdown_ext import PromptBlockExtension
from plugins.prompt_cards.parse import (
    Card,
    ParseOptions,
    find_blocks,
    find_duplicate_slugs,
    parse_prompts,
    slugify_prompt,
    split_item,
    strip_blocks,
)
from plugins.prompt_cards.settings import DEFAULTS, merge, parse_options, validate
from tests.sitebuild import ROOT

HEADER = "Title: T\nDate: 2024-01-01\n\nBody.\n\n"


def doc(*items, fence="```prompts"):
    return HEADER + fence + "\n" + "\n".join(items) + "\n" + fence[:3] + "\n"


# ---- parse ----


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Just text?", ("", "", "Just text?")),
        ("deeper | Level and text?", ("deeper", "", "Level and text?")),
        ("vulnerable | trust | All three?", ("vulnerable", "trust", "All three?")),
        ("gentle | | Morning | night person?", ("gentle", "", "Morning | night person?")),
        ("  gentle  |  play  |  Spaces?  ", ("gentle", "play", "Spaces?")),
    ],
)
def test_split_item(body, expected):
    assert split_item(body) == expected


@pytest.mark.parametrize(
    ("item", "level", "theme", "text"),
    [
        ("- When did you last feel seen by me?", "gentle", "connection", None),
        ("- deeper | What do you need?", "deeper", "connection", "What do you need?"),
        ("- Vulnerable | Trust | What scares you?", "vulnerable", "Trust", "What scares you?"),
        ("* gentle | play | What made you laugh?", "gentle", "play", "What made you laugh?"),
        ("+ gentle | A  question   with spaces?", "gentle", "connection", None),
        ("- | | Empty level and theme?", "gentle", "connection", "Empty level and theme?"),
    ],
)
def test_parse_one_item(item, level, theme, text):
    cards, errors = parse_prompts(doc(item), "content/post.md")
    assert errors == []
    [card] = cards
    assert (card.level, card.theme) == (level, theme)
    assert card.text == (text or " ".join(item[2:].split("|")[-1].split()))
    assert card.line == 7
    assert card.source_path == "content/post.md"


def test_parse_keeps_order_and_lines_across_blocks():
    text = (
        HEADER  # lines 1-5
        + "```prompts\n- gentle | One?\n\n- deeper | Two?\n```\n"  # lines 6-10
        + "\nMore.\n\n"  # lines 11-13
        + "```prompts\n- Three?\n```\n"  # lines 14-16
    )
    cards, errors = parse_prompts(text, "p.md")
    assert errors == []
    assert [(c.text, c.line) for c in cards] == [("One?", 7), ("Two?", 9), ("Three?", 15)]


@pytest.mark.parametrize(
    "markdown_text",
    [
        HEADER + "````markdown\n```prompts\n- Not a card?\n```\n````\n",
        HEADER + "~~~\n```prompts\n- Not a card?\n```\n~~~\n",
        HEADER + "    ```prompts\n    - Indented code, not a fence\n    ```\n",
        HEADER + "```python\nprint('```prompts')\n```\n",
        HEADER + "Inline ```prompts``` is not a fence.\n",
    ],
)
def test_prompts_inside_other_code_are_not_cards(markdown_text):
    assert parse_prompts(markdown_text, "p.md") == ([], [])


def test_tilde_fence_and_info_case():
    cards, errors = parse_prompts(doc("- Tildes?", fence="~~~Prompts"), "p.md")
    assert errors == []
    assert [c.text for c in cards] == ["Tildes?"]


@pytest.mark.parametrize(
    ("items", "line", "fragments"),
    [
        (
            ["- deeper | trust |"],
            7,
            ["prompt card has no text", "'- deeper | trust |'", "Write the question after"],
        ),
        (["-"], 7, ["prompt card has no text", '"- gentle | What do you need']),
        (
            ["- gentle | ok?", "- deep | trust | What do you wish I asked?"],
            8,
            [
                'unknown prompt level "deep"',
                "Write one of gentle, deeper, vulnerable",
                '"- deeper | trust | What do you wish I asked?"',
            ],
        ),
        (
            ["- Are you a morning | night person?"],
            7,
            ['unknown prompt level "Are you a morning"', '"- gentle | | Are you a morning'],
        ),
        (
            [
                "- gentle | What do you need from me when you feel alone at night?",
                "- deeper | What do you need from me when you feel afraid?",
            ],
            8,
            [
                'slug "what-do-you-need-from-me-when-you-feel" is already used by p.md:7',
                "Reword the start",
            ],
        ),
        (
            ["- gentle | What do you need?", "- deeper | What do you need?"],
            8,
            ["already used by p.md:7", "Remove one of the two copies"],
        ),
        (["- gentle | Fine?", "Not an item"], 8, ['one line starting with "- "']),
        ([], 6, ["block has no prompts", "or remove the block"]),
        (["- gentle | " + "Why? " * 50], 7, ["more than fits on a card (200)", "Shorten it"]),
    ],
)
def test_parse_errors_name_the_line_the_prompt_and_the_fix(items, line, fragments):
    _cards, errors = parse_prompts(doc(*items), "p.md")
    assert len(errors) == 1, errors
    error = errors[0]
    assert error.line == line
    message = str(error)
    assert message.startswith(f"p.md:{line}: ")
    for fragment in fragments:
        assert fragment in message


def test_unclosed_block_points_at_where_the_fence_should_go():
    text = HEADER + "```prompts\n- gentle | One?\n- Two?\n\nA paragraph after.\n"
    cards, errors = parse_prompts(text, "p.md")
    assert [c.text for c in cards] == ["One?", "Two?"]
    [error] = errors
    assert error.line == 6
    assert "never closed" in str(error)
    assert "Add a line with just ``` after the last prompt (line 8)" in str(error)


def test_custom_levels_and_defaults():
    options = ParseOptions(levels=("light", "heavy"), default_level="light", default_theme="us")
    cards, errors = parse_prompts(doc("- Hello?", "- heavy | Hard one?"), "p.md", options)
    assert errors == []
    assert [(c.level, c.theme) for c in cards] == [("light", "us"), ("heavy", "us")]
    _, errors = parse_prompts(doc("- gentle | Hi?"), "p.md", options)
    assert "Write one of light, heavy" in str(errors[0])


def test_duplicates_across_files_blame_the_later_card():
    a = Card("Same start here?", "gentle", "t", "same-start-here", 3, "content/a.md")
    b = Card("Same start here!", "deeper", "t", "same-start-here", 9, "content/b.md")
    [error] = find_duplicate_slugs([a, b])
    assert (error.path, error.line) == ("content/b.md", 9)
    assert "already used by content/a.md:3" in str(error)
    assert find_duplicate_slugs([a]) == []


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        (
            "When it comes to making a relationship work, you have to have ____.",
            "when-it-comes-to-making-a-relationship",
        ),
        (
            "What’s one need you’ve felt silly asking me for?",
            "whats-one-need-youve-felt-silly-asking",
        ),
        ("Qu’est-ce qui te fait sourire ?", "quest-ce-qui-te-fait-sourire"),
        ("“I hear you.” Do you?", "i-hear-you-do-you"),
        (
            "Supercalifragilisticexpialidociousnessesque-ness?",
            "supercalifragilisticexpialidociousnesses",
        ),
        ("Short", "short"),
    ],
)
def test_slugs_are_short_stable_ascii(text, slug):
    assert slugify_prompt(text) == slug
    assert len(slug) <= 40
    assert slugify_prompt(text) == slugify_prompt(text)


def test_slug_of_text_without_letters_is_a_stable_hash():
    assert slugify_prompt("?!") == slugify_prompt("?!")
    assert slugify_prompt("?!").startswith("prompt-")
    assert slugify_prompt("?!") != slugify_prompt("…")


@pytest.mark.parametrize(
    ("lines", "kept"),
    [
        (["a", "```prompts", "- x", "```", "b"], ["a", "b"]),
        (["a", "```prompts", "- x"], ["a"]),
        (["````md", "```prompts", "```", "````"], ["````md", "```prompts", "```", "````"]),
        (["```python", "x", "```"], ["```python", "x", "```"]),
    ],
)
def test_strip_blocks(lines, kept):
    assert strip_blocks(lines) == kept


def test_find_blocks_reports_unclosed():
    assert [(b.start, b.end) for b in find_blocks(["```prompts", "- a", "```"])] == [(0, 2)]
    assert [(b.start, b.end) for b in find_blocks(["x", "```prompts", "- a"])] == [(1, None)]


def test_markdown_extension_removes_the_block_and_nothing_else():
    source = "Before.\n\n```prompts\n- gentle | Hidden?\n```\n\nAfter.\n\n```python\nx = 1\n```\n"
    html = markdown.markdown(source, extensions=["fenced_code", PromptBlockExtension()])
    assert "Hidden?" not in html
    assert "<p>Before.</p>" in html
    assert "<p>After.</p>" in html
    assert 'class="language-python"' in html


# ---- layout ----


def fixed_width(size):
    return lambda text: len(text) * size / 2


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("one two three four", 7 * 5, ["one two", "three", "four"]),
        ("one two three four", 100 * 5, ["one two three four"]),
        ("unbreakableword tiny", 5 * 5, ["unbreakableword", "tiny"]),
        ("", 50, []),
    ],
)
def test_wrap_words(text, width, lines):
    assert render.wrap_words(text, width, fixed_width(10)) == lines


@pytest.mark.parametrize(
    ("text", "size", "line_count"),
    [
        ("short", 60, 1),
        ("a fairly long question that needs two lines at least", 50, 3),
        ("word " * 60, 20, 6),
    ],
)
def test_fit_text_picks_the_largest_size_that_fits(text, size, line_count):
    got_size, lines = render.fit_text(text, 500, 300, (60, 50, 40, 30, 20), fixed_width)
    assert got_size == size
    assert len(lines) == line_count
    assert all(len(line) * got_size / 2 <= 500 for line in lines)


def test_fit_text_cuts_what_cannot_fit_with_an_ellipsis():
    size, lines = render.fit_text("word " * 200, 500, 100, (40, 20), fixed_width)
    assert size == 20
    assert len(lines) == int(100 // (20 * 1.3))
    assert lines[-1].endswith("…")


# ---- render ----

CSS = (
    ":root {\n  --color-bg: #abc;\n  --color-accent: #123456;\n}\n"
    "@media (prefers-color-scheme: dark) { :root { --color-bg: #000; } }"
)


@pytest.mark.parametrize(
    ("css", "overrides", "bg", "accent"),
    [
        (CSS, None, "#aabbcc", "#123456"),
        (CSS, {"accent": "#ff0000"}, "#aabbcc", "#ff0000"),
        ("", None, render.Palette().bg, render.Palette().accent),
    ],
)
def test_read_palette(css, overrides, bg, accent):
    palette = render.read_palette(css, overrides)
    assert (palette.bg, palette.accent) == (bg, accent)


def test_the_palette_comes_from_the_sites_stylesheet():
    css = (ROOT / "theme" / "static" / "css" / "site.css").read_text(encoding="utf-8")
    palette = render.read_palette(css)
    assert palette.accent in css
    assert palette.bg in css


@pytest.mark.parametrize(
    "spec",
    [
        render.CardSpec(text="What do you need?", eyebrow="Gentle · trust", intensity=(1, 3)),
        render.CardSpec(text="The Ingredients", eyebrow="Relationships", style="title"),
        render.CardSpec(text="Why? " * 60, footer="A site", intensity=(3, 3)),
    ],
)
def test_render_card_is_a_1200x630_png_in_the_palette(spec):
    image = Image.open(io.BytesIO(render.png_bytes(render.render_card(spec))))
    assert image.format == "PNG"
    assert image.size == (1200, 630)
    rgb = image.convert("RGB")
    hex_at = "#{:02x}{:02x}{:02x}".format
    assert hex_at(*rgb.getpixel((5, 5))) == spec.palette.bg
    assert hex_at(*rgb.getpixel((600, 60))) == spec.palette.surface
    assert hex_at(*rgb.getpixel((52, 315))) == spec.palette.accent


def test_render_card_draws_only_the_palette_and_its_text_shades():
    palette = render.Palette()
    spec = render.CardSpec(text="Who taught you to love?", eyebrow="Deeper · care", palette=palette)
    image = Image.open(io.BytesIO(render.png_bytes(render.render_card(spec))))
    assert image.mode == "P"
    used = {colour for _, colour in image.convert("RGB").getcolors()}
    hexes = {"#{:02x}{:02x}{:02x}".format(*colour) for colour in used}
    assert {palette.bg, palette.surface, palette.border, palette.accent, palette.text} <= hexes
    mix = render._mix
    surface = render._rgb(palette.surface)
    shades = {
        mix(surface, render._rgb(getattr(palette, ink)), step / render.TEXT_SHADES)
        for ink in render.TEXT_COLOURS
        for step in range(render.TEXT_SHADES + 1)
    }
    assert used <= shades | {render._rgb(c) for c in vars(palette).values()}


def test_rendering_a_card_leaves_the_shared_background_untouched():
    first = render.CardSpec(text="First card?", footer="A site", intensity=(1, 3))
    second = render.CardSpec(text="Second card, longer text?", footer="A site", intensity=(3, 3))
    before = render.png_bytes(render.render_card(first))
    render.render_card(second)
    assert render.png_bytes(render.render_card(first)) == before


def test_cache_key_is_computed_once_per_spec():
    spec = render.CardSpec(text="What do you need?")
    assert spec.key() is spec.key()
    assert spec == render.CardSpec(text="What do you need?")


def test_cache_key_changes_with_what_the_image_shows():
    base = render.CardSpec(text="What do you need?", eyebrow="Gentle · trust")
    assert base.key() == render.CardSpec(text="What do you need?", eyebrow="Gentle · trust").key()
    others = [
        render.CardSpec(text="What do you want?", eyebrow="Gentle · trust"),
        render.CardSpec(text="What do you need?", eyebrow="Deeper · trust"),
        render.CardSpec(
            text="What do you need?",
            eyebrow="Gentle · trust",
            palette=render.Palette(accent="#000000"),
        ),
    ]
    assert len({base.key(), *(spec.key() for spec in others)}) == 4


# ---- image cache ----


def test_ensure_rendered_renders_only_what_is_missing(tmp_path):
    specs = [render.CardSpec(text=f"Card {n}?") for n in range(2)]
    assert imagecache.ensure_rendered(specs, tmp_path, workers=1) == {s.key() for s in specs}
    stamps = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    more = [*specs, render.CardSpec(text="Card 2?")]
    assert imagecache.ensure_rendered(more, tmp_path, workers=1) == {more[2].key()}
    assert {p: tmp_path.joinpath(p).stat().st_mtime_ns for p in stamps} == stamps


@pytest.fixture
def fork_allowed(monkeypatch):
    """Workers whatever threads earlier tests left running in this process."""
    monkeypatch.setattr(imagecache, "fork_is_safe", lambda: True)


def test_parallel_rendering_gives_the_same_images(tmp_path, fork_allowed):
    specs = [render.CardSpec(text=f"Card {n}?") for n in range(imagecache.PARALLEL_THRESHOLD)]
    imagecache.ensure_rendered(specs, tmp_path / "serial", workers=1)
    imagecache.ensure_rendered(specs, tmp_path / "parallel", workers=2)
    for spec in specs:
        serial = imagecache.cached_path(tmp_path / "serial", spec).read_bytes()
        assert imagecache.cached_path(tmp_path / "parallel", spec).read_bytes() == serial


def test_a_rendering_nobody_waits_for_is_stopped(tmp_path, fork_allowed):
    """A build that fails before write_images: its workers end, no process is left over."""
    specs = [render.CardSpec(text=f"Card {n}?") for n in range(8)]
    rendering = imagecache.start_rendering(specs, tmp_path, workers=2)
    pids = [worker.pid for worker in rendering.workers]
    assert len(pids) == 2
    imagecache.stop_abandoned()
    assert rendering.workers == []
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, 0)  # already waited for: gone


def test_a_worker_that_fails_fails_the_build_with_its_error(tmp_path, monkeypatch, fork_allowed):
    def broken(specs, cache_dir):
        raise OSError(f"no space left for {len(specs)} image(s)")

    monkeypatch.setattr(imagecache, "_render_chunk", broken)
    specs = [render.CardSpec(text=f"Card {n}?") for n in range(16)]
    rendering = imagecache.start_rendering(specs, tmp_path, workers=2)
    with pytest.raises(imagecache.ImageRenderingError) as failure:
        rendering.wait()
    assert f"OSError: no space left for {imagecache.BATCH} image(s)" in str(failure.value)
    assert rendering.workers == []


@pytest.mark.parametrize(
    ("setting", "missing", "expected"),
    [(0, 0, 1), (0, 3, 1), (0, 40, min(2, usable_cores())), (1, 40, 1), (4, 5, 4)],
)
def test_worker_count(setting, missing, expected, fork_allowed):
    assert imagecache.worker_count(setting, missing) == expected


def test_no_workers_while_forking_is_not_safe(monkeypatch):
    monkeypatch.setattr(imagecache, "fork_is_safe", lambda: False)
    assert imagecache.worker_count(4, 40) == 1


def rerender(path, data):
    """What the cache does to an image: a new file, never the old one rewritten."""
    stamp = path.stat().st_mtime_ns + 10**9 if path.exists() else None
    fresh = path.with_suffix(".tmp")
    fresh.write_bytes(data)
    if stamp:
        os.utime(fresh, ns=(stamp, stamp))
    fresh.replace(path)


def test_publish_copies_only_changed_bytes(tmp_path):
    source = tmp_path / "a.png"
    rerender(source, b"one")
    target = tmp_path / "out" / "b.png"
    assert imagecache.publish(source, target) is True
    assert imagecache.publish(source, target) is False
    rerender(source, b"two")
    assert imagecache.publish(source, target) is True
    assert target.read_bytes() == b"two"
    assert target.stat().st_mtime_ns == source.stat().st_mtime_ns


def test_publish_gives_the_output_the_usual_mode_not_the_caches(tmp_path):
    source, target, usual = tmp_path / "a.png", tmp_path / "out" / "b.png", tmp_path / "c"
    rerender(source, b"png")
    source.chmod(0o600)  # mkstemp's mode, which cached images had before they were linked
    usual.write_bytes(b"")
    assert imagecache.publish(source, target) is True
    assert target.stat().st_mode == usual.stat().st_mode


def test_publish_leaves_the_same_bytes_alone_and_adopts_the_time(tmp_path):
    source, target = tmp_path / "a.png", tmp_path / "b.png"
    rerender(source, b"same")
    target.write_bytes(b"same")
    os.utime(target, ns=(0, 0))
    assert imagecache.publish(source, target) is False
    assert target.stat().st_mtime_ns == source.stat().st_mtime_ns


def test_publish_trusts_size_and_time_without_reading(tmp_path):
    source, target = tmp_path / "a.png", tmp_path / "b.png"
    rerender(source, b"new")
    target.write_bytes(b"old")
    stamp = source.stat().st_mtime_ns
    os.utime(target, ns=(stamp, stamp))
    assert imagecache.publish(source, target) is False
    assert target.read_bytes() == b"old"


def test_missing_specs_lists_each_uncached_image_once(tmp_path):
    cached, new = render.CardSpec(text="Cached?"), render.CardSpec(text="New?")
    imagecache.cached_path(tmp_path, cached).write_bytes(b"png")
    missing = imagecache.missing_specs([cached, new, render.CardSpec(text="New?")], tmp_path)
    assert missing == {new.key(): new}


@pytest.mark.parametrize(("count", "size"), [(0, 8), (5, 8), (81, 8), (4000, 8), (10**6, 977)])
def test_batches_hand_out_every_batch_once_then_end(count, size):
    assert imagecache.batch_size(count) == size
    claims = imagecache.batches(count, size)
    try:
        readers = [[], []]  # two workers taking turns
        while claim := os.read(claims, 4):
            readers[len(readers[0]) > len(readers[1])].append(int.from_bytes(claim, "big"))
        assert sorted(readers[0] + readers[1]) == list(range(0, count, size))
    finally:
        os.close(claims)


def test_drawn_reports_each_image_once_while_the_workers_draw(tmp_path, fork_allowed):
    specs = [render.CardSpec(text=f"Card {n}?") for n in range(40)]
    imagecache.cached_path(tmp_path, specs[0]).write_bytes(b"cached")
    rendering = imagecache.start_rendering(specs, tmp_path, workers=2)
    assert len(rendering.workers) == 2
    reported, drawing = [], True
    while drawing:
        drawn, drawing = rendering.drawn(timeout=0.01)
        for key in drawn:  # each has its file, whole
            assert os.stat(imagecache.cached_file(tmp_path, key)).st_size > 100
        reported += drawn
    assert sorted(reported) == sorted(spec.key() for spec in specs[1:])
    assert rendering.wait() == set(reported)
    assert rendering.drawn(timeout=0.01) == ([], False)


def test_prune_keeps_used_and_recent_images(tmp_path):
    for name in ("used", "recent", "old"):
        (tmp_path / f"{name}.png").write_bytes(b"x")
    old = time.time() - 40 * 86400
    os.utime(tmp_path / "old.png", (old, old))
    os.utime(tmp_path / "used.png", (old, old))
    assert imagecache.prune(tmp_path, {"used"}, 30) == ["old.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recent.png", "used.png"]


def test_prune_removes_files_an_interrupted_build_left(tmp_path):
    for name in ("left.tmp", "writing.tmp"):
        (tmp_path / name).write_bytes(b"x")
    old = time.time() - 40 * 86400
    os.utime(tmp_path / "left.tmp", (old, old))
    assert imagecache.prune(tmp_path, set(), 30) == ["left.tmp"]


# ---- deck ----


def card(text, level="gentle", theme="trust"):
    return Card(text, level, theme, slugify_prompt(text))


CARDS = [
    card("One?"),
    card("Two?", "deeper"),
    card("Three?", "gentle", "play"),
    card("Four?", "vulnerable", "Trust"),
    card("Five?", "gentle", "trust"),
]


def test_group_cards_by_theme_then_level():
    groups = deck.group_cards(CARDS, ("gentle", "deeper", "vulnerable"))
    assert [g.label for g in groups] == ["Play", "Trust"]
    trust = groups[1]
    assert [(lg.level, [c.text for c in lg.cards]) for lg in trust.levels] == [
        ("gentle", ["One?", "Five?"]),
        ("deeper", ["Two?"]),
        ("vulnerable", ["Four?"]),
    ]
    assert trust.count == 4


def test_prompt_of_the_day_is_fixed_by_the_date():
    day = datetime.date(2024, 2, 14)
    assert deck.prompt_of_the_day(CARDS, day) == deck.prompt_of_the_day(list(reversed(CARDS)), day)
    days = [day + datetime.timedelta(days=n) for n in range(30)]
    assert len({deck.prompt_of_the_day(CARDS, d).slug for d in days}) > 1
    assert deck.prompt_of_the_day([], day) is None


def test_draw_order_is_a_stable_cycle_over_every_card():
    order = deck.draw_order(CARDS)
    assert order == deck.draw_order(list(reversed(CARDS)))
    around = deck.neighbours(order)
    seen, current = [], order[0]
    for _ in CARDS:
        seen.append(current.slug)
        current = around[current.slug][1]
    assert current == order[0]
    assert sorted(seen) == sorted(c.slug for c in CARDS)
    assert all(around[around[s][1].slug][0].slug == s for s in seen)


@pytest.mark.parametrize(
    ("level", "expected"), [("gentle", (1, 3)), ("vulnerable", (3, 3)), ("nope", ())]
)
def test_level_intensity(level, expected):
    assert deck.level_intensity(level, ("gentle", "deeper", "vulnerable")) == expected


# ---- settings ----


def test_default_settings_are_valid():
    assert validate(merge({})) == []
    assert parse_options(merge({})).levels == tuple(DEFAULTS["PROMPT_CARDS_LEVELS"])


def test_site_values_override_defaults_without_changing_them():
    config = merge({"PROMPT_CARDS_DEFAULT_THEME": "us", "SITENAME": "x"})
    assert config["PROMPT_CARDS_DEFAULT_THEME"] == "us"
    assert "SITENAME" not in config
    assert DEFAULTS["PROMPT_CARDS_DEFAULT_THEME"] == "connection"


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("PROMPT_CARDS_LEVLES", {}, "did you mean 'PROMPT_CARDS_LEVELS'?"),
        ("PROMPT_CARDS_LEVELS", ["gentle"], "expected a non-empty dict"),
        ("PROMPT_CARDS_DEFAULT_LEVEL", "mild", "'mild' is not one of the levels"),
        ("PROMPT_CARDS_DEFAULT_THEME", " ", "expected a non-empty string"),
        ("PROMPT_CARDS_MAX_LENGTH", "200", "expected a whole number"),
        ("PROMPT_CARDS_WORKERS", -1, "at least 0"),
        ("PROMPT_CARDS_URL", "/prompts/{slug}/", "relative URL ending in '/'"),
        ("PROMPT_CARDS_URL", "prompts/", "containing {slug}"),
        ("PROMPT_CARDS_LEVEL_URL", "prompts/level/", "containing {level}"),
        ("PROMPT_CARDS_IMAGE_SAVE_AS", "prompts/{slug}.jpg", "ending in .png"),
        ("PROMPT_CARDS_ARTICLE_IMAGES", "yes", "True or False"),
        ("PROMPT_CARDS_PALETTE", {"accent": "red"}, "accent='red'"),
        ("PROMPT_CARDS_PALETTE", {"sky": "#fff"}, "sky="),
        ("PROMPT_CARDS_DATE", "14/02/2024", "'YYYY-MM-DD'"),
        ("PROMPT_CARDS_CACHE_PATH", 3, "folder path or None"),
    ],
)
def test_each_bad_setting_gets_one_message_naming_it(key, value, fragment):
    problems = validate(merge({key: value}))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"prompt_cards: Invalid '{key}': ")
    assert fragment in problems[0]


def test_several_bad_settings_get_one_message_each():
    problems = validate(merge({"PROMPT_CARDS_WORKERS": "2", "PROMPT_CARDS_DATE": "soon"}))
    assert len(problems) == 2


# ---- share images and addresses (generator helpers) ----

SETTINGS = {**merge({}), "SITENAME": "A site", "PATH": "content"}


def fake_article(**metadata):
    from types import SimpleNamespace

    return SimpleNamespace(title="The Ingredients", slug="the-ingredients", metadata=metadata)


@pytest.mark.parametrize(
    ("metadata", "url", "alt", "size"),
    [
        ({}, "share/the-ingredients.png", "The Ingredients: an article on A site", (1200, 630)),
        ({"image": "{static}/images/x.jpg"}, "images/x.jpg", "The Ingredients", (None, None)),
        ({"image": "/images/x.jpg", "image_alt": "Two mugs"}, "images/x.jpg", "Two mugs", None),
        ({"image": "https://example.org/x.jpg"}, "https://example.org/x.jpg", None, None),
    ],
)
def test_share_image(metadata, url, alt, size):
    from plugins.prompt_cards.generator import share_image

    image = share_image(fake_article(**metadata), SETTINGS)
    assert image["url"] == url
    if alt:
        assert image["alt"] == alt
    if size:
        assert (image["width"], image["height"]) == size


def test_share_image_reads_the_size_of_a_local_image(tmp_path):
    from plugins.prompt_cards.generator import share_image

    (tmp_path / "images").mkdir()
    Image.new("RGB", (800, 400)).save(tmp_path / "images" / "x.png")
    image = share_image(fake_article(image="images/x.png"), {**SETTINGS, "PATH": str(tmp_path)})
    assert (image["width"], image["height"]) == (800, 400)


def test_no_generated_share_image_when_turned_off():
    from plugins.prompt_cards.generator import share_image

    settings = {**SETTINGS, "PROMPT_CARDS_ARTICLE_IMAGES": False}
    assert share_image(fake_article(), settings) is None


@pytest.mark.parametrize(
    ("url", "clash"),
    [
        ("prompts/print/", True),
        ("prompts/level/", True),
        ("prompts/what-do-you-need/", False),
        ("prompts/printing-press/", False),
    ],
)
def test_card_addresses_cannot_take_the_decks_own_pages(url, clash):
    from plugins.prompt_cards.generator import card_url_problem, other_urls

    assert (card_url_problem(url, other_urls(SETTINGS)) is not None) == clash


def test_a_rendering_drawn_by_workers_keeps_only_the_keys(tmp_path, fork_allowed):
    """The pages are rendered in processes forked from the build's: the specs the
    workers draw (each with a copy of its own) are not kept here meanwhile."""
    import gc
    import weakref

    specs = [render.CardSpec(text=f"Card {n}?") for n in range(8)]
    keys = [spec.key() for spec in specs]
    rendering = imagecache.start_rendering(specs, tmp_path, workers=2)
    assert len(rendering.workers) == 2
    alive = [weakref.ref(spec) for spec in specs]
    del specs
    gc.collect()
    assert [ref() for ref in alive] == [None] * 8
    assert rendering.wait() == set(keys)
    assert all(os.path.isfile(imagecache.cached_file(tmp_path, key)) for key in keys)


def test_a_rendering_covers_the_images_it_draws_and_those_already_cached(tmp_path):
    """What the generator checks before taking over the rendering begun when the
    articles were read: every image it needs is cached or being drawn."""
    cached, drawn, other = (render.CardSpec(text=f"Card {n}?") for n in range(3))
    imagecache.ensure_rendered([cached], tmp_path, workers=1)
    rendering = imagecache.start_rendering([cached, drawn], tmp_path, workers=1)
    assert rendering.covers([cached, drawn])
    assert not rendering.covers([drawn, other])
    rendering.wait()
    assert imagecache.cached_path(tmp_path, drawn).is_file()


def _fake_generator(tmp_path, article):
    settings = {
        "THEME": str(ROOT / "theme"),
        "PROMPT_CARDS_PALETTE": {},
        "PROMPT_CARDS_ARTICLE_IMAGE_SAVE_AS": "share/{slug}.png",
        "PROMPT_CARDS_CACHE_PATH": str(tmp_path),
        "PROMPT_CARDS_WORKERS": 1,
        "SITENAME": "Site",
        "DRAFT_SAVE_AS": "",
    }
    return SimpleNamespace(
        settings=settings,
        articles=[article],
        hidden_articles=[],
        drafts=[],
        context={"articles": [article]},
    )


class _Rendering:
    def __init__(self, specs):
        self.specs, self.stopped = specs, False

    def covers(self, specs):
        return False

    def stop(self):
        self.stopped = True


def test_the_generator_takes_over_the_early_rendering_when_the_images_are_the_same(
    tmp_path, monkeypatch
):
    from plugins.prompt_cards.generator import ShareImagesGenerator, start_early_rendering

    started = []

    def start_rendering(specs, cache, workers=0):
        started.append(_Rendering(specs))
        return started[-1]

    monkeypatch.setattr(imagecache, "start_rendering", start_rendering)
    article = SimpleNamespace(
        slug="a", title="A", category="Love", share_image={"url": "share/a.png"}
    )
    generator = _fake_generator(tmp_path, article)

    start_early_rendering(generator)  # the articles are read
    assert ShareImagesGenerator.start_images(generator) is started[0]
    assert len(started) == 1
    assert generator.image_outputs == [(started[0].specs[0].key(), "share/a.png")]

    start_early_rendering(generator)
    article.title = "B"  # changed after the articles were read: drawn again
    assert ShareImagesGenerator.start_images(generator) is started[2]
    assert started[1].stopped
    assert [spec.text for spec in started[2].specs] == ["B"]


def _images_generator(output, calls, rendering=None):
    """What publish_last and publish_images use of a ShareImagesGenerator."""
    return SimpleNamespace(
        output_path=str(output), rendering=rendering, write_images=lambda: calls.append(output)
    )


def test_the_images_are_linked_into_the_output_after_the_other_closing_work(tmp_path):
    from pelican import signals

    from plugins.prompt_cards.generator import publish_last

    order = []

    def sitemap(pelican):  # a plugin's receiver, connected when the plugin was registered
        order.append("sitemap")

    signals.finalized.connect(sitemap)
    try:
        publish_last(_images_generator(tmp_path, order))  # the build writes
        signals.finalized.send(SimpleNamespace(output_path=str(tmp_path)))
        signals.finalized.send(SimpleNamespace(output_path=str(tmp_path)))  # nothing left
    finally:
        signals.finalized.disconnect(sitemap)
    assert order == ["sitemap", tmp_path, "sitemap"]


def test_a_build_that_failed_before_it_was_finalized_publishes_nothing(tmp_path):
    from pelican import signals

    from plugins.prompt_cards.generator import publish_last

    stopped, published = [], []
    workers = SimpleNamespace(stop=lambda: stopped.append(True))
    publish_last(_images_generator(tmp_path / "a", published, workers))
    publish_last(_images_generator(tmp_path / "b", published))  # the next build
    assert stopped == [True]  # the failed build's workers
    signals.finalized.send(SimpleNamespace(output_path=str(tmp_path / "other")))
    assert published == []  # another site's build: not these images
    signals.finalized.send(SimpleNamespace(output_path=str(tmp_path / "b")))
    assert published == [tmp_path / "b"]
