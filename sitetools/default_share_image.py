"""Draw the site's default share image: theme/static/images/share-default.png (1200×630).

Pages without an image of their own are shared with it (plugins/site_meta). Run
`python -m sitetools.default_share_image` after changing SITENAME or the palette, and
commit the PNG: builds only copy it.
"""

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "theme" / "static" / "images" / "share-default.png"
SIZE = (1200, 630)
# The light palette of theme/static/css/site.css.
BACKGROUND = "#fbf7f2"
TEXT = "#2b2522"
MUTED = "#5d534e"
ACCENT = "#7a3e48"
ACCENT_SOFT = "#f3e6e3"
FONTS = Path("/usr/share/fonts/truetype/dejavu")


def font(name, size):
    """A DejaVu face (Debian's fonts-dejavu-core), else Pillow's built-in font."""
    path = FONTS / name
    return ImageFont.truetype(str(path), size) if path.is_file() else ImageFont.load_default(size)


def wrap(draw, text, face, width):
    """Split `text` into lines no wider than `width` pixels."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=face) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines


def draw_card(title, subtitle, footer):
    """The card as a PIL image: title and subtitle on the site's paper colour."""
    image = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 24, SIZE[1]), fill=ACCENT)
    draw.rectangle((24, SIZE[1] - 96, SIZE[0], SIZE[1]), fill=ACCENT_SOFT)
    left, y = 96, 150
    title_face = font("DejaVuSerif-Bold.ttf", 76)
    for line in wrap(draw, title, title_face, SIZE[0] - 2 * left):
        draw.text((left, y), line, font=title_face, fill=TEXT)
        y += 92
    y += 24
    subtitle_face = font("DejaVuSerif.ttf", 40)
    for line in wrap(draw, subtitle, subtitle_face, SIZE[0] - 2 * left):
        draw.text((left, y), line, font=subtitle_face, fill=MUTED)
        y += 54
    draw.text((left, SIZE[1] - 70), footer, font=font("DejaVuSans.ttf", 32), fill=ACCENT)
    return image


def main(argv=None):
    sys.path.insert(0, str(ROOT))
    import pelicanconf

    card = draw_card(
        pelicanconf.SITENAME,
        pelicanconf.SITESUBTITLE,
        "Online, for people in California and Connecticut",
    )
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    card.quantize(colors=64).save(TARGET, optimize=True)
    print(f"Wrote {TARGET.relative_to(ROOT)} ({TARGET.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
