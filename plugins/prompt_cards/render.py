"""Share images: 1200×630 PNG cards in the site's palette, drawn with Pillow.

Generic, so any feature can use it:

    spec = CardSpec(text="The Ingredients", eyebrow="Relationships", footer="Yasmine
                    Binghalib, LMFT", style="title", palette=read_palette(css))
    png = png_bytes(render_card(spec))  # a palette PNG: no quantize() needed
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

RENDERER_VERSION = "2"
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
    return lambda size: font(weight, size).getlength


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
        draw_text(image, (inner_left, footer_y), [footer], font("regular", 28), 0, c.shade["muted"])
    return image


def draw_text(image, origin, lines, text_font, step, shades):
    """Anti-aliased lines of text on a palette image, one line every `step` pixels.

    The text's coverage is drawn in greyscale, then mapped through `shades` to the
    palette's shades of the text colour over the surface.
    """
    from PIL import Image, ImageDraw

    boxes = [text_font.getbbox(line) for line in lines]
    shift_x = -min(0, *(box[0] for box in boxes))
    shift_y = -min(0, *(box[1] for box in boxes))
    width = shift_x + max(box[2] for box in boxes)
    height = shift_y + step * (len(lines) - 1) + max(box[3] for box in boxes)
    if width <= 0 or height <= 0:
        return
    coverage = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(coverage)
    for number, line in enumerate(lines):
        draw.text((shift_x, shift_y + number * step), line, font=text_font, fill=255)
    where = (origin[0] - shift_x, origin[1] - shift_y)
    image.paste(coverage.point(shades), where, coverage.point(_INKED, "1"))


_INKED = [0] + [255] * 255


def render_card(spec):
    """Draw a card; returns a Pillow palette ("P") image of spec.width × spec.height."""
    from PIL import ImageDraw

    c = colours(spec.palette)
    image = _background(spec.palette, spec.width, spec.height, spec.footer).copy()
    draw = ImageDraw.Draw(image)
    _, top, _, _, inner_left, inner_right, footer_y = _box(spec)
    if spec.eyebrow:
        eyebrow = [spec.eyebrow.upper()]
        draw_text(image, (inner_left, top + 46), eyebrow, font("bold", 30), 0, c.shade["accent"])
    if spec.intensity:
        filled, total = spec.intensity
        radius, gap = 11, 34
        y = top + 46 + 18
        for index in range(total):
            x = inner_right - (total - 1 - index) * gap - radius
            box = (x - radius, y - radius, x + radius, y + radius)
            if index < filled:
                draw.ellipse(box, fill=c.index["accent"])
            else:
                draw.ellipse(box, outline=c.index["accent"], width=3)

    weight = "bold" if spec.style == "title" else "regular"
    sizes = TITLE_SIZES if spec.style == "title" else PROMPT_SIZES
    box_top, box_bottom = top + 110, footer_y - 44
    box_width, box_height = inner_right - inner_left, box_bottom - box_top
    size, lines = fit_text(spec.text, box_width, box_height, sizes, _measure_at(weight))
    if lines:
        step = round(size * 1.3)
        y = box_top + (box_height - step * len(lines)) // 2 + round(size * 0.1)
        draw_text(image, (inner_left, y), lines, font(weight, size), step, c.shade["text"])
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
