"""Share images: 1200×630 PNG cards in the site's palette, drawn with Pillow.

Generic, so any feature can use it:

    spec = CardSpec(text="The Ingredients", eyebrow="Relationships", footer="Yasmine
                    Binghalib, LMFT", style="title", palette=read_palette(css))
    png = png_bytes(render_card(spec))
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
from dataclasses import asdict, dataclass
from pathlib import Path

RENDERER_VERSION = "1"
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
        """A hash of what the image shows, the fonts and the renderer version."""
        data = {"renderer": RENDERER_VERSION, "fonts": fonts_digest(), "spec": asdict(self)}
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


def render_card(spec):
    """Draw a card; returns a Pillow RGB image of spec.width × spec.height."""
    from PIL import Image, ImageDraw

    p = spec.palette
    image = Image.new("RGB", (spec.width, spec.height), p.bg)
    draw = ImageDraw.Draw(image)
    left, top = MARGIN, MARGIN
    right, bottom = spec.width - MARGIN, spec.height - MARGIN
    draw.rounded_rectangle(
        (left, top, right, bottom), radius=28, fill=p.surface, outline=p.border, width=3
    )
    draw.rectangle((left + 3, top + 40, left + 15, bottom - 40), fill=p.accent)

    inner_left, inner_right = left + PADDING, right - PADDING
    eyebrow_font = font("bold", 30)
    if spec.eyebrow:
        draw.text((inner_left, top + 46), spec.eyebrow.upper(), font=eyebrow_font, fill=p.accent)
    if spec.intensity:
        filled, total = spec.intensity
        radius, gap = 11, 34
        y = top + 46 + 18
        for index in range(total):
            x = inner_right - (total - 1 - index) * gap - radius
            box = (x - radius, y - radius, x + radius, y + radius)
            if index < filled:
                draw.ellipse(box, fill=p.accent)
            else:
                draw.ellipse(box, outline=p.accent, width=3)

    footer_font = font("regular", 28)
    footer_y = bottom - 50 - 28
    draw.line((inner_left, footer_y - 22, inner_right, footer_y - 22), fill=p.border, width=2)
    if spec.footer:
        draw.text((inner_left, footer_y), spec.footer, font=footer_font, fill=p.muted)

    weight = "bold" if spec.style == "title" else "regular"
    sizes = TITLE_SIZES if spec.style == "title" else PROMPT_SIZES
    box_top, box_bottom = top + 110, footer_y - 44
    box_width, box_height = inner_right - inner_left, box_bottom - box_top
    size, lines = fit_text(spec.text, box_width, box_height, sizes, _measure_at(weight))
    text_font = font(weight, size)
    step = round(size * 1.3)
    y = box_top + (box_height - step * len(lines)) // 2 + round(size * 0.1)
    for line in lines:
        draw.text((inner_left, y), line, font=text_font, fill=p.text)
        y += step
    return image


def png_bytes(image):
    """The image as a small PNG: a 64-colour palette keeps text crisp at a third the size.

    (optimize=True saves another 10% for 60% more time: not worth it.)
    """
    buffer = io.BytesIO()
    image.quantize(colors=64, dither=0).save(buffer, "PNG")
    return buffer.getvalue()
