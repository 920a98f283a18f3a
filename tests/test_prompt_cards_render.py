"""Prompt cards: the fast image path (words measured and drawn once, PNG encoded in parts)
gives what Pillow itself gives, or within a pixel of it."""

import io
import zlib

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from plugins.prompt_cards import render

LINES = [
    "When it comes to making a relationship work, you have to have ____.",
    "What’s one need you’ve felt silly asking me for out loud?",
    "“I hear you. I see you. I’m here”? AVAWAY Tofu, fjord, office…",
]


@pytest.mark.parametrize("weight", ["regular", "bold"])
@pytest.mark.parametrize("size", [render.PROMPT_SIZES[0], render.TITLE_SIZES[-1], 30])
def test_measuring_word_by_word_equals_measuring_the_whole_line(weight, size):
    measure = render.measure_text(weight, size)
    for line in LINES:
        assert measure(line) == render.font(weight, size).getlength(line)


def ink(image, palette):
    """A "1"-like L mask of the pixels that are not the card's surface."""
    surface = render.colours(palette).index["surface"]
    table = [0 if value == surface else 255 for value in range(256)]
    return Image.frombytes("L", image.size, image.tobytes()).point(table)


def pillow_drawn(lines, origin, weight, size, step, palette):
    """The lines as Pillow draws them whole, in the text colour's shades over the surface."""
    c = render.colours(palette)
    coverage = Image.new("L", (1200, 630), 0)
    draw = ImageDraw.Draw(coverage)
    for number, line in enumerate(lines):
        draw.text(
            (origin[0], origin[1] + number * step), line, font=render.font(weight, size), fill=255
        )
    card = Image.new("P", coverage.size, c.index["surface"])
    card.paste(Image.frombytes("P", coverage.size, coverage.point(c.shade["text"]).tobytes()))
    return card


@pytest.mark.parametrize(("weight", "size"), [("regular", 44), ("bold", 64)])
def test_words_are_drawn_where_pillow_draws_the_line_to_within_a_pixel(weight, size):
    palette = render.Palette()
    c = render.colours(palette)
    origin, step = (108, 100), round(size * 1.3)
    lines = [
        render.fit_text(line, 1000, 600, (size,), render._measure_at(weight))[1][0]
        for line in LINES
    ]
    ours = Image.new("P", (1200, 630), c.index["surface"])
    render.paste_tiles(ours, render.text_tiles(lines, origin, weight, size, step, palette, "text"))
    theirs = pillow_drawn(lines, origin, weight, size, step, palette)

    ours_ink, theirs_ink = ink(ours, palette), ink(theirs, palette)
    assert ours_ink.getbbox() is not None
    for one, other in [(ours_ink, theirs_ink), (theirs_ink, ours_ink)]:
        near_other = other.filter(ImageFilter.MaxFilter(3))
        assert ImageChops.subtract(one, near_other).getbbox() is None
    # Every line starts at the origin, exactly where Pillow starts it, and as tall.
    for number in range(len(lines)):
        row = (0, origin[1] + number * step, 1200, origin[1] + (number + 1) * step)
        left, top, _, bottom = ours_ink.crop(row).getbbox()
        theirs_left, theirs_top, _, theirs_bottom = theirs_ink.crop(row).getbbox()
        assert (left, top, bottom) == (theirs_left, theirs_top, theirs_bottom)


def test_a_word_is_shaded_like_pillows_text():
    palette = render.Palette()
    tile = render.word_tile("Trust", "regular", 64, palette, "text")
    theirs = pillow_drawn(["Trust"], (-tile.dx, -tile.dy), "regular", 64, 0, palette)
    assert theirs.crop((0, 0, *tile.image.size)).tobytes() == tile.image.tobytes()


def test_blank_words_have_no_tile():
    assert render.word_tile(" ", "regular", 64, render.Palette(), "text") is None
    assert render.text_tiles(["  "], (0, 0), "regular", 64, 0, render.Palette(), "text") == []


# ---- card_png ----

SPECS = [
    render.CardSpec(text="What do you need?", eyebrow="Gentle · trust", intensity=(1, 3)),
    render.CardSpec(
        text="The Ingredients", eyebrow="Relationships", footer="A site", style="title"
    ),
    render.CardSpec(text="Why? " * 60, footer="A site · Prompt cards", intensity=(3, 3)),
    render.CardSpec(text="", footer="Only the footer"),
    render.CardSpec(text=""),
    render.CardSpec(text="Antidisestablishmentarianism" * 3, eyebrow="Deeper · a very long theme"),
    render.CardSpec(
        text="A smaller card, in another palette?",
        eyebrow="Vulnerable · care",
        intensity=(2, 3),
        palette=render.Palette(surface="#fafafa", accent="#123456"),
        width=600,
        height=315,
    ),
]


def chunks(png):
    """[(type, data)] of a PNG, checking each chunk's CRC."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    found, at = [], 8
    while at < len(png):
        length = int.from_bytes(png[at : at + 4], "big")
        kind, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        crc = int.from_bytes(png[at + 8 + length : at + 12 + length], "big")
        assert crc == zlib.crc32(kind + data)
        found.append((kind, data))
        at += 12 + length
    return found


@pytest.mark.parametrize("spec", SPECS)
def test_card_png_decodes_to_the_pixels_pillow_encodes(spec):
    ours = Image.open(io.BytesIO(render.card_png(spec)))
    ours.load()
    pillows = Image.open(io.BytesIO(render.png_bytes(render.render_card(spec))))
    pillows.load()
    assert (ours.format, ours.mode, ours.size) == ("PNG", "P", (spec.width, spec.height))
    assert ours.getpalette() == pillows.getpalette()
    assert ours.tobytes() == pillows.tobytes()


@pytest.mark.parametrize("spec", SPECS)
def test_card_png_is_a_well_formed_png(spec):
    found = chunks(render.card_png(spec))
    assert [kind for kind, _ in found] == [b"IHDR", b"PLTE", b"IDAT", b"IEND"]
    # zlib checks the stream's Adler-32; every row starts with filter 0 (none).
    raw = zlib.decompress(found[2][1])
    pixels = render.render_card(spec).tobytes()
    row = spec.width + 1
    assert len(raw) == row * spec.height
    assert all(raw[n * row] == 0 for n in range(spec.height))
    assert b"".join(raw[n * row + 1 : (n + 1) * row] for n in range(spec.height)) == pixels


def test_card_png_is_the_same_bytes_every_time():
    first = [render.card_png(spec) for spec in SPECS]
    render._background_rows.cache_clear()
    render.word_tile.cache_clear()
    assert [render.card_png(spec) for spec in SPECS] == first


@pytest.mark.parametrize("split", [0, 1, 5, 65520, 65521, 65522, 200_000])
def test_adler32_combine(split):
    data = bytes(range(256)) * 1000
    first, second = data[:split], data[split:]
    combined = render.adler32_combine(zlib.adler32(first), zlib.adler32(second), len(second))
    assert combined == zlib.adler32(data)


def test_drawn_rows_joins_near_ranges_and_stays_inside_the_image():
    def at(y, height):
        return (render.Tile(Image.new("P", (5, height)), None), 0, y)

    gap = render.JOIN_ROWS
    placed = [at(100, 10), at(-5, 10), at(110 + gap, 5), at(300, 10), at(620, 30)]
    assert render.drawn_rows(placed, 630) == [(0, 5), (100, 115 + gap), (300, 310), (620, 630)]


@pytest.mark.parametrize("spec", SPECS)
def test_pasting_tiles_whole_where_it_is_safe_changes_no_pixel(spec):
    masked = render._background(spec.palette, spec.width, spec.height, spec.footer).copy()
    render.paste_tiles(masked, render.card_tiles(spec))
    assert render.render_card(spec).tobytes() == masked.tobytes()


def test_a_tile_is_pasted_whole_only_inside_the_plain_box_and_clear_of_others():
    tile = render.Tile(Image.new("P", (10, 10)), Image.new("1", (10, 10)))
    placed = [(tile, 0, 0), (tile, 20, 0), (tile, 25, 5), (tile, 95, 0), (tile, 40, 0)]
    masks = [mask for *_, mask in render.with_masks(placed, (0, 0, 100, 100))]
    assert masks == [None, None, tile.mask, tile.mask, None]


@pytest.mark.parametrize("spec", SPECS)
def test_the_plain_box_is_all_surface(spec):
    background = render._background(spec.palette, spec.width, spec.height, spec.footer)
    plain = background.crop(render.plain_box(spec))
    surface = render.colours(spec.palette).index["surface"]
    assert set(plain.tobytes()) == {surface}
