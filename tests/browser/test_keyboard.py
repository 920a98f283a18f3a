"""Keyboard only: every control on every page type is reachable with Tab, on screen, and
shows a focus indicator that can be seen (WCAG 2.1.1, 2.4.3, 2.4.7, 2.4.11, 1.4.11)."""

import re

import pytest

from tests.browser.pages import PAGE_TYPES

pytestmark = pytest.mark.browser

# Installs, in the page, the list of controls Tab should reach (in document order) and
# their unfocused look. Radio buttons sharing a name are one Tab stop, so one key.
COLLECT_CONTROLS = """() => {
  const selector = 'a[href], area[href], button, input, select, textarea, summary, iframe,'
    + ' audio[controls], video[controls], [contenteditable]:not([contenteditable="false"]),'
    + ' [tabindex]';
  const look = (el) => {
    const s = getComputedStyle(el);
    return {outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth),
            outlineColor: s.outlineColor, boxShadow: s.boxShadow};
  };
  const describe = (el) => `<${el.localName}${el.id ? " id=" + el.id : ""}`
    + `${el.className ? " class=" + el.className : ""}> "${el.textContent.trim().slice(0, 40)}"`;
  const keyOf = (el, index) => el.type === "radio" && el.name ? `radio:${el.name}` : `#${index}`;
  const controls = [...document.querySelectorAll(selector)].filter((el) =>
    el.tabIndex >= 0 && !el.disabled && el.type !== "hidden" && !el.closest("[inert]")
    && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden");
  window.__controls = controls;
  window.__look = look;
  window.__describe = describe;
  window.__keyOf = (el) => keyOf(el, controls.indexOf(el));
  window.__unfocusedLook = controls.map(look);
  return controls.map((el, index) => ({key: keyOf(el, index), description: describe(el)}));
}"""

# What the focused element looks like and where it is.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const index = window.__controls.indexOf(el);
  let backdrop = "rgb(255, 255, 255)";
  for (let node = el.parentElement; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour !== "transparent" && !/,\\s*0\\)$/.test(colour)) { backdrop = colour; break; }
  }
  const box = el.getBoundingClientRect();
  const first = el.getClientRects()[0] || box;
  const hit = document.elementFromPoint(first.left + first.width / 2, first.top + first.height / 2);
  return {
    index,
    key: index >= 0 ? window.__keyOf(el) : null,
    description: window.__describe(el),
    focusVisible: el.matches(":focus-visible"),
    focused: window.__look(el),
    unfocused: index >= 0 ? window.__unfocusedLook[index] : null,
    backdrop,
    size: [box.width, box.height],
    // 1px of slack: Chrome scrolls a focused element into view to sub-pixel accuracy.
    onScreen: box.top >= -1 && box.left >= -1 && box.bottom <= window.innerHeight + 1
      && box.right <= window.innerWidth + 1,
    unobscured: hit !== null && (hit === el || el.contains(hit)),
  };
}"""


def parse_colour(css):
    """(r, g, b, alpha) from a computed colour: rgb(…) or rgba(…)."""
    match = re.fullmatch(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)", css)
    assert match, f"unexpected colour format {css!r}"
    red, green, blue, alpha = match.groups()
    return float(red), float(green), float(blue), float(alpha if alpha is not None else 1)


def contrast(one, other):
    """WCAG contrast ratio between two opaque colours."""

    def luminance(colour):
        channels = []
        for value in colour[:3]:
            value /= 255
            channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
        red, green, blue = channels
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def focus_indicator_problem(state):
    """Why the focused control's indicator can't be seen, or None when it can."""
    focused, unfocused = state["focused"], state["unfocused"]
    outline_shown = focused["outlineStyle"] != "none" and focused["outlineWidth"] >= 2
    if outline_shown and focused != unfocused:
        colour = parse_colour(focused["outlineColor"])
        if colour[3] < 1:
            return f"its outline colour {focused['outlineColor']} is translucent"
        ratio = contrast(colour, parse_colour(state["backdrop"]))
        if ratio < 3:
            return (
                f"its outline {focused['outlineColor']} has contrast {ratio:.2f}:1 against "
                f"{state['backdrop']} (needs 3:1)"
            )
        return None
    if focused["boxShadow"] != "none" and focused["boxShadow"] != unfocused["boxShadow"]:
        return None
    return f"nothing changes when it is focused ({focused})"


@pytest.mark.parametrize("path", PAGE_TYPES.values(), ids=PAGE_TYPES.keys())
def test_tab_reaches_every_control_with_a_visible_focus(watched, path):
    page = watched.page
    watched.goto(path)
    controls = page.evaluate(COLLECT_CONTROLS)
    expected = {control["key"]: control["description"] for control in controls}
    assert expected, "a page with no controls at all?"

    reached, problems = [], []
    for _ in range(len(controls) + 3):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUSED)
        if state is None:
            if reached:
                break  # past the last control
            continue
        if state["index"] < 0:
            problems.append(f"Tab focused {state['description']}, which is not a control")
            continue
        if state["key"] in reached:
            break  # back at the start
        reached.append(state["key"])
        where = state["description"]
        if not state["focusVisible"]:
            problems.append(f"{where}: focused by Tab but not :focus-visible")
        if not state["onScreen"] or min(state["size"]) < 1:
            problems.append(f"{where}: focused off screen or with no size ({state['size']})")
        if not state["unobscured"]:
            problems.append(f"{where}: focused but covered by something else")
        problem = focus_indicator_problem(state)
        if problem:
            problems.append(f"{where}: {problem}")

    missing = [description for key, description in expected.items() if key not in reached]
    assert missing == [], "Tab never reaches these controls"
    assert reached == [key for key in expected if key in reached], "Tab order is not page order"
    assert problems == []
    watched.assert_clean()


@pytest.mark.parametrize("path", PAGE_TYPES.values(), ids=PAGE_TYPES.keys())
def test_the_skip_link_comes_first_and_skips_to_the_content(watched, path, browser_site):
    page = watched.page
    watched.goto(path)
    page.evaluate(COLLECT_CONTROLS)
    page.keyboard.press("Tab")
    state = page.evaluate(FOCUSED)
    assert state is not None
    assert "skip-link" in state["description"], state["description"]
    assert state["onScreen"]
    assert state["unobscured"]
    assert focus_indicator_problem(state) is None

    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    first_in_main = page.evaluate(
        """() => {
          const main = document.getElementById("main");
          const after = window.__controls.find((el) => main.contains(el)
            || (main.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING));
          return after === document.activeElement;
        }"""
    )
    assert first_in_main, "Tab after the skip link does not continue from the main content"
    watched.assert_clean()
