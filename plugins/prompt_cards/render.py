"""Share images: 1200×630 PNG cards in the site's palette, drawn with Pillow.

Generic, so any feature can use it:

    spec = CardSpec(text="The Ingredients", eyebrow="Relationships", footer="Yasmine
                    Binghalib, LMFT", style="title", palette=read_palette(css))
    png = card_png(spec)  # a palette PNG, the pixels of render_card(spec), made fast
    png = png_bytes(render_card(spec))  # the same pixels, encoded by Pillow
    spec.key()  # a hash of everything the image shows: text, palette, fonts, renderer

The fonts ship in fonts/ (DejaVu, see fonts/LICENSE), so nothing depends on what the
machine has installed and nothing is fetched. Layout is split into pure functions
(`wrap_words`, `fit_text`) that take a text-measuring function, so they are testable
without fonts.
"""

import functools
import hashlib
import io
import json
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path

RENDERER_VERSION = "3"  # 3: text pasted word by word (words within 0.5 px of before)
WIDTH, HEIGHT = 1200, 630
FONTS = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {"regular": FONTS / "DejaVuSerif.ttf", "bold": FONTS / "DejaVuSerif-Bold.ttf"}

# Palette attribute -> the design token in theme/static/css/site.css.
PALETTE_TOKENS = {
    "bg": "--color-bg",
    "surface": "--color-surface",
    "text": "--color-text",
    "muted": "--color-muted",
    "accent": "--color-accent",
    "accent_soft": "--color-accent-soft",
    "border": "--color-border",
}


@dataclass(frozen=True)
class Palette:
    bg: str = "#fbf7f2"
    surface: str = "#ffffff"
    text: str = "#2b2522"
    muted: str = "#5d534e"
    accent: str = "#7a3e48"
    accent_soft: str = "#f3e6e3"
    border: str = "#e3d8cf"


def read_palette(css_text, overrides=None, fallback=Palette()):
    """The light palette from a stylesheet's first `:root { --color-*: #hex }` block."""
    values = asdict(fallback)
    match = re.search(r":root\s*\{(?P<body>[^}]*)\}", css_text or "")
    if match:
        tokens = dict(re.findall(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})\b", match["body"]))
        for name, token in PALETTE_TOKENS.items():
            if token in tokens:
                values[name] = _long_hex(tokens[token])
    values.update({k: _long_hex(v) for k, v in (overrides or {}).items()})
    return Palette(**values)


def _long_hex(colour):
    colour = colour.lower()
    if len(colour) == 4:
        colour = "#" + "".join(c * 2 for c in colour[1:])
    return colour


@dataclass(frozen=True)
class CardSpec:
    """Everything an image shows. `style` is "prompt" (serif) or "title" (bold serif)."""

    text: str
    eyebrow: str = ""
    footer: str = ""
    intensity: tuple = ()  # (filled, total) dots, e.g. (2, 3) for the middle level
    style: str = "prompt"
    palette: Palette = Palette()
    width: int = WIDTH
    height: int = HEIGHT

    def key(self):
        """A hash of what the image shows, the fonts and the renderer version.

        Computed once per spec; the fonts and palette are hashed once per build.
        """
        key = self.__dict__.get("_key")
        if key is None:
            shown = [getattr(self, name) for name in _SHOWN]
            data = json.dumps([_context_digest(self.palette), *shown], ensure_ascii=False)
            key = hashlib.sha256(data.encode("utf-8")).hexdigest()
            object.__setattr__(self, "_key", key)  # a cache, not a field: frozen is fine
        return key


_SHOWN = [f.name for f in fields(CardSpec) if f.name != "palette"]


@functools.cache
def _context_digest(palette):
    """What every card with this palette shares: renderer, fonts and colours."""
    data = {"renderer": RENDERER_VERSION, "fonts": fonts_digest(), "palette": asdict(palette)}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()


@functools.cache
def fonts_digest():
    digest = hashlib.sha256()
    for path in FONT_FILES.values():
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def font(weight, size):
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT_FILES[weight]), size)


# ---- Layout: pure, given a function that measures a string's width ----


def wrap_words(text, max_width, measure):
    """Greedy word wrap. A word wider than max_width gets a line of its own."""
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if not current or measure(candidate) <= max_width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def truncate_lines(lines, max_lines, max_width, measure, ellipsis="…"):
    """At most max_lines lines, the last one ending in an ellipsis if anything was cut."""
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and measure(last + ellipsis) > max_width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    return [*kept[:-1], last + ellipsis]


def fit_text(text, box_width, box_height, sizes, measure_at, line_height=1.3):
    """The largest size (from `sizes`, largest first) whose wrapped lines fit the box.

    `measure_at(size)` returns a function measuring a string's width at that size.
    Returns (size, lines); when nothing fits, the smallest size with the text cut short.
    """
    for size in sizes:
        measure = measure_at(size)
        lines = wrap_words(text, box_width, measure)
        fits_height = len(lines) * size * line_height <= box_height
        if fits_height and all(measure(line) <= box_width for line in lines):
            return size, lines
    size = sizes[-1]
    measure = measure_at(size)
    max_lines = max(1, int(box_height // (size * line_height)))
    return size, truncate_lines(wrap_words(text, box_width, measure), max_lines, box_width, measure)


def _measure_at(weight):
    return functools.partial(measure_text, weight)


@functools.lru_cache(maxsize=1 << 14)
def word_width(weight, size, word):
    return font(weight, size).getlength(word)


@functools.cache
def measure_text(weight, size):
    """A function giving a string's width as its words' widths plus its spaces'.

    Each word is measured once per font and size (Pillow shapes the whole string on
    every call, and fitting a card measures the same words dozens of times). Equal to
    the font's getlength() wherever nothing kerns across a space, as in DejaVu Serif.
    """
    space = word_width(weight, size, " ")

    def measure(text):
        words = text.split(" ")
        return sum(word_width(weight, size, word) for word in words) + space * (len(words) - 1)

    return measure


# ---- Drawing ----

MARGIN = 44
PADDING = 64
PROMPT_SIZES = (64, 60, 56, 52, 48, 44, 40, 36)
TITLE_SIZES = (76, 70, 64, 58, 52, 48, 44)
# Shades between the card's surface and each text colour, for anti-aliased edges.
TEXT_SHADES = 16
TEXT_COLOURS = ("text", "muted", "accent")


@dataclass(frozen=True)
class Colours:
    """A fixed image palette: the site's colours plus shades for anti-aliased text.

    Drawing with palette indices from the start gives the PNG its palette without
    quantize() (which took three quarters of the time per card).
    """

    index: dict  # palette attribute -> index
    shade: dict  # text colour -> 256-entry table: text coverage -> index
    rgb: tuple  # the flat [r, g, b, ...] palette for putpalette()


@functools.cache
def colours(palette):
    """The image palette of a site palette: its seven colours, then the text shades."""
    names = list(asdict(palette))
    rgb = [_rgb(getattr(palette, name)) for name in names]
    index = {name: position for position, name in enumerate(names)}
    surface = _rgb(palette.surface)
    shade = {}
    for name in TEXT_COLOURS:
        ink = _rgb(getattr(palette, name))
        steps = {0: index["surface"], TEXT_SHADES: index[name]}
        for step in range(1, TEXT_SHADES):
            steps[step] = len(rgb)
            rgb.append(_mix(surface, ink, step / TEXT_SHADES))
        shade[name] = tuple(steps[round(c * TEXT_SHADES / 255)] for c in range(256))
    return Colours(index, shade, tuple(value for colour in rgb for value in colour))


def _rgb(colour):
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def _mix(under, over, alpha):
    return tuple(round(u + (o - u) * alpha) for u, o in zip(under, over, strict=True))


def _box(spec):
    """(left, top, right, bottom, inner_left, inner_right, footer_y) of a card's layout."""
    left, top = MARGIN, MARGIN
    right, bottom = spec.width - MARGIN, spec.height - MARGIN
    return left, top, right, bottom, left + PADDING, right - PADDING, bottom - 50 - 28


class Tile:
    """A small palette image to paste onto a card where its mask is set, at the pen
    position plus (dx, dy).

    The mask is kept packed, eight pixels a byte (Pillow holds a "1" image at a byte a
    pixel), and made an image only when asked: most tiles are pasted whole (with_masks),
    and the 1,024 cached words' masks took half the cache, 8 MB in each image worker."""

    __slots__ = ("_mask_bits", "dx", "dy", "image")

    def __init__(self, image, mask, dx=0, dy=0):
        self.image = image  # Pillow "P" image in the card's palette
        self._mask_bits = None if mask is None else mask.tobytes()  # a Pillow "1" image's
        self.dx = dx
        self.dy = dy

    @property
    def mask(self):
        """The pixels the tile draws, as a Pillow "1" image (None: all of them)."""
        if self._mask_bits is None:
            return None
        from PIL import Image

        return Image.frombytes("1", self.image.size, self._mask_bits)


_INKED = bytes([0] + [255] * 255)


@functools.lru_cache(maxsize=1024)
def word_tile(word, weight, size, palette, ink):
    """A word drawn once in `ink` over the surface, anti-aliased with the text shades;
    None for a word with no ink. Cards are mostly the same few hundred words, so
    pasting a cached word is far cheaper than having Pillow rasterise its glyphs again.
    """
    from PIL import Image

    # The glyphs' coverage and its offset from the pen: what ImageDraw.text draws, asked
    # of the font directly, which lays the word out once instead of twice.
    drawn, (left, top) = font(weight, size).getmask2(word, mode="L")
    if 0 in drawn.size or drawn.getbbox() is None:
        return None
    coverage = Image.new("L", drawn.size)
    coverage.im.paste(drawn, (0, 0, *drawn.size))
    pixels = coverage.tobytes()  # bytes.translate: far cheaper than Image.point
    image = Image.frombytes("P", coverage.size, pixels.translate(_shade_table(palette, ink)))
    inked = Image.frombytes("L", coverage.size, pixels.translate(_INKED))
    return Tile(image, inked.convert("1", dither=Image.Dither.NONE), left, top)


@functools.cache
def _shade_table(palette, ink):
    return bytes(colours(palette).shade[ink])


def text_tiles(lines, origin, weight, size, step, palette, ink):
    """(tile, x, y) for each word of `lines`, one line every `step` pixels from origin
    (the first line's top left, as ImageDraw.text takes it).

    Words are placed by their measured widths, each at a whole pixel: at most half a
    pixel from where Pillow would put it drawing the whole line.
    """
    space = word_width(weight, size, " ")
    placed = []
    for number, line in enumerate(lines):
        x, y = origin[0], origin[1] + number * step
        for word in line.split(" "):
            tile = word_tile(word, weight, size, palette, ink) if word else None
            if tile is not None:
                placed.append((tile, round(x) + tile.dx, y + tile.dy))
            x += word_width(weight, size, word) + space
    return placed


@functools.lru_cache(maxsize=8)
def dots_tile(palette, filled, total, radius=11, gap=34):
    """The level's dots, right-aligned: `filled` solid, the rest outlined."""
    from PIL import Image, ImageDraw

    c = colours(palette)
    width, height = (total - 1) * gap + 2 * radius + 1, 2 * radius + 1
    image = Image.new("P", (width, height), c.index["surface"])
    image.putpalette(c.rgb)
    draw = ImageDraw.Draw(image)
    for index in range(total):
        x = width - 1 - (total - 1 - index) * gap - radius
        box = (x - radius, 0, x + radius, 2 * radius)
        if index < filled:
            draw.ellipse(box, fill=c.index["accent"])
        else:
            draw.ellipse(box, outline=c.index["accent"], width=3)
    drawn = [0 if value == c.index["surface"] else 255 for value in range(256)]
    mask = Image.frombytes("L", image.size, image.tobytes()).point(drawn, "1")
    return Tile(image, mask, -(width - 1), -radius)


def paste_tiles(image, placed):
    """Paste (tile, x, y) placements, each through its mask."""
    for tile, x, y in placed:
        image.paste(tile.image, (x, y), tile.mask)


def with_masks(placed, plain):
    """(tile, x, y, mask) for each placement; mask None where the tile can be pasted
    whole (five times cheaper): inside `plain`, a box of nothing but the surface colour
    (which a tile's blank pixels are), and clear of every tile placed before it."""
    left, top, right, bottom = plain
    marked, boxes = [], []
    for tile, x, y in placed:
        width, height = tile.image.size
        x2, y2 = x + width, y + height
        whole = left <= x and top <= y and x2 <= right and y2 <= bottom
        if whole:
            whole = not any(x < r and x1 < x2 and y < b and y1 < y2 for x1, y1, r, b in boxes)
        marked.append((tile, x, y, None if whole else tile.mask))
        boxes.append((x, y, x2, y2))
    return marked


def _paste_marked(image, marked, shift=(0, 0)):
    """paste_tiles for with_masks' placements, onto an image of the tiles' mode.

    Straight to Pillow's core paste: Image.paste's checks (modes, box, copy-on-write)
    took two thirds of a paste's time, and a card makes about twenty. `image` is one
    of ours (a copy or a crop, so never read-only), in the tiles' "P" mode.
    """
    image.load()
    core = image.im
    dx, dy = shift
    for tile, x, y, mask in marked:
        width, height = tile.image.size
        box = (x + dx, y + dy, x + dx + width, y + dy + height)
        if mask is None:
            core.paste(tile.image.im, box)
        else:
            core.paste(tile.image.im, box, mask.im)


def plain_box(spec):
    """The part of a card that is plain surface under anything a card draws: inside the
    border, right of the accent bar and the rounded corners, above the footer's rule."""
    left, top, right, _, _, _, footer_y = _box(spec)
    return left + 32, top + 3, right - 32, footer_y - 24


@functools.lru_cache(maxsize=8)
def _background(palette, width, height, footer):
    """What every card with this palette, size and footer shares; copied per card."""
    from PIL import Image, ImageDraw

    c = colours(palette)
    spec = CardSpec(text="", footer=footer, palette=palette, width=width, height=height)
    left, top, right, bottom, inner_left, inner_right, footer_y = _box(spec)
    image = Image.new("P", (width, height), c.index["bg"])
    image.putpalette(c.rgb)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (left, top, right, bottom),
        radius=28,
        fill=c.index["surface"],
        outline=c.index["border"],
        width=3,
    )
    draw.rectangle((left + 3, top + 40, left + 15, bottom - 40), fill=c.index["accent"])
    draw.line(
        (inner_left, footer_y - 22, inner_right, footer_y - 22), fill=c.index["border"], width=2
    )
    if footer:
        paste_tiles(
            image, text_tiles([footer], (inner_left, footer_y), "regular", 28, 0, palette, "muted")
        )
    return image


def card_tiles(spec):
    """(tile, x, y) for everything a card draws over its background, in drawing order."""
    _, top, _, _, inner_left, inner_right, footer_y = _box(spec)
    placed = []
    if spec.eyebrow:
        eyebrow = [spec.eyebrow.upper()]
        placed += text_tiles(eyebrow, (inner_left, top + 46), "bold", 30, 0, spec.palette, "accent")
    if spec.intensity:
        filled, total = spec.intensity
        tile = dots_tile(spec.palette, filled, total)
        placed.append((tile, inner_right + tile.dx, top + 46 + 18 + tile.dy))

    weight = "bold" if spec.style == "title" else "regular"
    sizes = TITLE_SIZES if spec.style == "title" else PROMPT_SIZES
    box_top, box_bottom = top + 110, footer_y - 44
    box_width, box_height = inner_right - inner_left, box_bottom - box_top
    size, lines = fit_text(spec.text, box_width, box_height, sizes, _measure_at(weight))
    if lines:
        step = round(size * 1.3)
        y = box_top + (box_height - step * len(lines)) // 2 + round(size * 0.1)
        placed += text_tiles(lines, (inner_left, y), weight, size, step, spec.palette, "text")
    return placed


def render_card(spec):
    """Draw a card; returns a Pillow palette ("P") image of spec.width × spec.height."""
    image = _background(spec.palette, spec.width, spec.height, spec.footer).copy()
    _paste_marked(image, with_masks(card_tiles(spec), plain_box(spec)))
    return image


# zlib level for the PNG, measured on 40 prompt cards (ms to encode, KB per card):
# 1: 1.8, 23 · 3: 1.8, 20 · 4: 3.0, 16.0 · 5: 3.1, 14.8 · 6 (Pillow's default): 3.9, 14.1
# · 9: 24, 13.5. Level 5 is a fifth faster than 6 for 5% more bytes.
PNG_COMPRESS_LEVEL = 5


def png_bytes(image):
    """The image as a small PNG. A palette image (render_card's) is saved as it is;
    any other is first reduced to a 64-colour palette, which keeps text crisp at a third
    the size."""
    buffer = io.BytesIO()
    if image.mode != "P":
        image = image.quantize(colors=64, dither=0)
    image.save(buffer, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


# ---- A card's PNG, encoded in parts ----
#
# A PNG's pixels are one zlib stream of scanlines (a filter byte, then the row). Most of
# a card's rows are its background's: those runs of rows are compressed once per
# background and reused by every card; only the rows the card draws on are compressed
# per card. Raw deflate pieces that end on a byte boundary (a sync flush) can follow one
# another, and the stream's Adler-32 is combined from the pieces' own.

# The rows a card draws on are compressed with ISA-L's deflate (isal), level 0, its
# fastest: a whole card then takes 0.58 ms and 23.4 KB (2,000 corpus cards), against
# 0.71-0.76 ms and 20.0 KB at level 1 (level 2: 0.77 ms, 20.0 KB); zlib took three times
# isal's time at its fastest level (Z_RLE saves nothing). A share image is fetched when a
# card is shared or saved, never shown in a page: a few KB more buy a fifth of the
# drawing time, and drawing is a third of a first build's CPU. The background's rows,
# compressed once per range of rows, get zlib level 6 (0.24 ms, 860 bytes for the
# corpus's average range; level 9: 0.96 ms, 780 bytes).
CARD_ROWS_LEVEL = 0
BACKGROUND_ROWS_LEVEL = 6
# Drawn row ranges closer than this are compressed as one piece.
JOIN_ROWS = 8
_FINAL_EMPTY_BLOCK = b"\x03\x00"  # a last, empty block with fixed codes: ends the stream
_ADLER_BASE = 65521


def card_png(spec):
    """render_card(spec) as PNG bytes: the same pixels as png_bytes(render_card(spec)),
    about five times faster."""
    import zlib

    from isal import isal_zlib

    placed = with_masks(card_tiles(spec), plain_box(spec))
    background = (spec.palette, spec.width, spec.height, spec.footer)
    rows = _scanlines(*background)
    pieces, adler, done = [], 1, 0
    for top, bottom in drawn_rows(placed, spec.height):
        if top > done:
            data, piece_adler, length = _background_rows(*background, done, top)
            pieces.append(data)
            adler = adler32_combine(adler, piece_adler, length)
        band = rows.crop((0, top, rows.width, bottom))
        _paste_marked(band, _within(placed, top, bottom), shift=(1, -top))
        band.paste(0, (0, 0, 1, band.height))  # the filter bytes, whatever a tile covered
        raw = band.tobytes()
        compressor = isal_zlib.compressobj(CARD_ROWS_LEVEL, zlib.DEFLATED, -15)
        pieces += [compressor.compress(raw), compressor.flush(isal_zlib.Z_SYNC_FLUSH)]
        adler = isal_zlib.adler32(raw, adler)  # a tenth of zlib's time
        done = bottom
    if done < spec.height:
        data, piece_adler, length = _background_rows(*background, done, spec.height)
        pieces.append(data)
        adler = adler32_combine(adler, piece_adler, length)
    pieces.append(_FINAL_EMPTY_BLOCK)
    stream = b"".join([b"\x78\x01", *pieces, adler.to_bytes(4, "big")])
    return b"".join(
        [_png_head(spec.palette, spec.width, spec.height), _chunk(b"IDAT", stream), _IEND]
    )


def _within(placed, top, bottom):
    return [item for item in placed if item[2] < bottom and item[2] + item[0].image.height > top]


def drawn_rows(placed, height):
    """The sorted, disjoint [top, bottom) row ranges that tiles draw on."""
    spans = sorted((max(0, y), min(height, y + tile.image.height)) for tile, _, y, *_ in placed)
    joined = []
    for top, bottom in spans:
        if bottom <= top:
            continue
        if joined and top <= joined[-1][1] + JOIN_ROWS:
            joined[-1][1] = max(joined[-1][1], bottom)
        else:
            joined.append([top, bottom])
    return [tuple(span) for span in joined]


def adler32_combine(adler1, adler2, length2):
    """The Adler-32 of A + B from A's, B's and len(B) (zlib's adler32_combine)."""
    remainder = length2 % _ADLER_BASE
    sum1 = adler1 & 0xFFFF
    sum2 = (remainder * sum1) % _ADLER_BASE
    sum1 = (sum1 + (adler2 & 0xFFFF) + _ADLER_BASE - 1) % _ADLER_BASE
    sum2 = (sum2 + (adler1 >> 16) + (adler2 >> 16) + _ADLER_BASE - remainder) % _ADLER_BASE
    return sum1 | (sum2 << 16)


@functools.lru_cache(maxsize=8)
def _scanlines(palette, width, height, footer):
    """The background as PNG scanlines: a column of filter bytes (0: none), then the row."""
    from PIL import Image

    image = Image.new("P", (width + 1, height), 0)
    image.paste(_background(palette, width, height, footer), (1, 0))
    return image


@functools.lru_cache(maxsize=4096)
def _background_rows(palette, width, height, footer, top, bottom):
    """(raw deflate ending in a sync flush, Adler-32, length) of background rows."""
    import zlib

    raw = _scanlines(palette, width, height, footer).crop((0, top, width + 1, bottom)).tobytes()
    compressor = zlib.compressobj(BACKGROUND_ROWS_LEVEL, zlib.DEFLATED, -15)
    data = compressor.compress(raw) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return data, zlib.adler32(raw), len(raw)


@functools.lru_cache(maxsize=8)
def _png_head(palette, width, height):
    """The signature, IHDR (8-bit palette) and PLTE of a card."""
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 3, 0, 0, 0])
    palette_chunk = _chunk(b"PLTE", bytes(colours(palette).rgb))
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + palette_chunk


def _chunk(kind, data):
    import zlib

    crc = zlib.crc32(data, zlib.crc32(kind))
    return len(data).to_bytes(4, "big") + kind + data + crc.to_bytes(4, "big")


_IEND = _chunk(b"IEND", b"")
