"""The focus ring of the web pages has a contrast ratio of at least 3:1 (WCAG 2.2, 1.4.11 non-text contrast
and 2.4.13 focus appearance) against every background it can be drawn on: the page, the white inputs, the
verdict boxes. The colours are read from the pages' CSS, the ratio computed as WCAG defines it."""

from __future__ import annotations

import re

from tests.paths import ROOT

TEMPLATES = ROOT / "app" / "web" / "templates"


def _luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of ``#rrggbb`` (or ``#rgb``)."""
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _rules(css: str) -> list[tuple[str, str]]:
    return [(m[0].strip(), m[1]) for m in re.findall(r"([^{}]+)\{([^{}]*)\}", css)]


def _css() -> str:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(TEMPLATES.glob("*.html")))
    return "\n".join(re.findall(r"<style>(.*?)</style>", text, flags=re.DOTALL))


def test_the_contrast_formula_matches_known_values() -> None:
    assert round(contrast("#000000", "#ffffff"), 2) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48
    assert contrast("#f2a900", "#fafafa") < 3  # the old ring: about 1.9:1


def test_the_focus_ring_has_at_least_3_to_1_against_every_background() -> None:
    rules = _rules(_css())
    focus = [(sel, body) for sel, body in rules if ":focus" in sel]
    assert focus, "no focus style"
    rings = {c for _, body in focus for c in re.findall(r"outline\s*:[^;]*?(#[0-9a-fA-F]{3,6})\b", body)}
    assert rings, focus
    backgrounds = {"#ffffff"}  # inputs and textareas
    for _, body in rules:
        backgrounds.update(re.findall(r"background(?:-color)?\s*:\s*(#[0-9a-fA-F]{3,6})\b", body))
    # A button's own fill is not under its ring (outline-offset leaves a gap of page background).
    backgrounds -= {
        c for sel, body in rules if sel.strip() == "button" for c in re.findall(r"#[0-9a-fA-F]{6}", body)
    }
    assert "#fafafa" in backgrounds
    offsets = [re.search(r"outline-offset\s*:\s*(\d+)px", body) for _, body in focus]
    assert all(o is not None and int(o.group(1)) >= 2 for o in offsets)
    for ring in rings:
        for background in backgrounds:
            assert contrast(ring, background) >= 3.0, (ring, background, contrast(ring, background))
