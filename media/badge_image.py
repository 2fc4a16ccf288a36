"""A default badge image for tenants without a logo: a round seal with the badge title and the issuer.

SVG only: a PNG would need text rasterized, which takes an imaging library (Pillow) this service does
not depend on. The SVG is self-contained (no fonts, images or scripts fetched), accessible (``role="img"``
labelled by its ``<title>`` and ``<desc>``), deterministic (the colour is picked from a hash of the
texts), and can be baked with :func:`media.baking.bake_svg`.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from html import escape

__all__ = ["default_badge_svg"]

_SIZE = 512


_MAX_LINES = 3


_LINE_CHARS = 16


_MAX_ISSUER_CHARS = 28


# Dark fills: white text on each has a contrast ratio above 4.5:1 (WCAG 2.x AA).
_PALETTE = ("#1f4e79", "#2e5e2e", "#6b2d5c", "#7a3b00", "#3b3f8f", "#005f5f", "#7d2633", "#4a4a4a")


_FONTS = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    """Drop characters XML cannot carry, collapse whitespace."""
    return " ".join(_NOT_XML_CHAR.sub("", text).split())


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _x(text: str) -> str:
    return escape(text, quote=True)


def default_badge_svg(title: str, issuer: str) -> str:
    """A 512×512 SVG seal: ``title`` wrapped on up to three lines, ``issuer`` on a band below."""
    title = _clean(title) or "Badge"
    issuer = _clean(issuer)
    digest = hashlib.sha256(f"{issuer}\0{title}".encode()).hexdigest()
    fill = _PALETTE[int(digest[:8], 16) % len(_PALETTE)]
    ident = f"badge-{digest[:10]}"

    lines = textwrap.wrap(title, width=_LINE_CHARS, max_lines=_MAX_LINES, placeholder=" …") or [title]
    lines = [_shorten(line, _LINE_CHARS + 2) for line in lines]
    longest = max(len(line) for line in lines)
    font = 48 if longest <= 10 else 40 if longest <= 14 else 34
    line_height = round(font * 1.2)
    first_y = 236 - (len(lines) - 1) * line_height / 2
    tspans = "".join(
        f'<tspan x="256" y="{first_y + i * line_height:g}">{_x(line)}</tspan>' for i, line in enumerate(lines)
    )
    issuer_line = _shorten(issuer, _MAX_ISSUER_CHARS)
    description = f"Badge “{title}” issued by {issuer}" if issuer else f"Badge “{title}”"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_SIZE}" height="{_SIZE}"',
        f' viewBox="0 0 {_SIZE} {_SIZE}"',
        f' role="img" aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{_x(title)}</title>',
        f'<desc id="{ident}-desc">{_x(description)}</desc>',
        f'<circle cx="256" cy="256" r="248" fill="{fill}"/>',
        '<circle cx="256" cy="256" r="226" fill="none" stroke="#fff" stroke-width="6"'
        ' stroke-opacity="0.85"/>',
        '<circle cx="256" cy="256" r="212" fill="none" stroke="#fff" stroke-width="2" stroke-opacity="0.6"'
        ' stroke-dasharray="4 8"/>',
        '<path d="M256 84l12 24 26 4-19 18 5 26-24-12-24 12 5-26-19-18 26-4z" fill="#fff"'
        ' fill-opacity="0.9"/>',
        f'<text text-anchor="middle" dominant-baseline="middle" fill="#fff" font-family="{_FONTS}"'
        f' font-weight="700" font-size="{font}">{tspans}</text>',
    ]
    if issuer_line:
        parts += [
            '<rect x="86" y="350" width="340" height="48" rx="24" fill="#fff" fill-opacity="0.95"/>',
            f'<text x="256" y="375" text-anchor="middle" dominant-baseline="middle" fill="{fill}"'
            f' font-family="{_FONTS}" font-size="20" font-weight="600">{_x(issuer_line)}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)
