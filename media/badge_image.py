"""A default badge image for tenants without a logo: a round seal with the badge title and the issuer.

The SVG is self-contained (no fonts, images or scripts fetched), accessible (``role="img"``
labelled by its ``<title>`` and ``<desc>``), deterministic (the colour is picked from a hash of the
texts), and can be baked with :func:`media.baking.bake_svg`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from html import escape

__all__ = ["MAX_ISSUER_CHARS", "MAX_TITLE_CHARS", "default_badge_svg", "shorten", "text_width"]

_SIZE = 512


_MAX_LINES = 3


# The width (in em) a title line may take inside the seal, and the font sizes tried, largest first.
_LINE_EM_PX = 370


_FONT_SIZES = (48, 40, 34, 28, 24)


# The height the title's lines may take between the star and the issuer band.
_TEXT_HEIGHT_PX = 150


_MAX_ISSUER_PX = 320
# The most characters of each that can show (at least 0.3 em each: 15.4 em a title line at the smallest
# size, 16 em the issuer's), with room to spare.
MAX_TITLE_CHARS = 4 * 52 + 32
MAX_ISSUER_CHARS = 2 * 54


# Dark fills: white text on each has a contrast ratio above 4.5:1 (WCAG 2.x AA).
_PALETTE = ("#1f4e79", "#2e5e2e", "#6b2d5c", "#7a3b00", "#3b3f8f", "#005f5f", "#7d2633", "#4a4a4a")


# Japanese faces after the Latin ones: a renderer (a browser, resvg) falls back to them for CJK text.
_FONTS = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', 'Hiragino Sans', 'Noto Sans CJK JP',"
    " 'IPAexGothic', sans-serif"
)


_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    """Drop characters XML cannot carry, collapse whitespace."""
    return " ".join(_NOT_XML_CHAR.sub("", text).split())


def _em(char: str) -> float:
    """The advance of ``char`` in em, near enough for wrapping: CJK and other wide forms 1, Latin ~0.6."""
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    return 0.3 if char in " .,:;'’|il!" else 0.62


def text_width(text: str) -> float:
    """The width of ``text`` in em, as the title is wrapped (wide characters 1, Latin about 0.6)."""
    return sum(_em(c) for c in text)


def _tokens(text: str) -> list[str]:
    """Words (kept whole) and wide characters (a line may break between any two), spaces kept."""
    tokens: list[str] = []
    for char in text:
        if _em(char) == 1.0 or char == " " or not tokens or tokens[-1] == " " or _em(tokens[-1][-1]) == 1.0:
            tokens.append(char)
        else:
            tokens[-1] += char
    return tokens


def _wrap(text: str, max_em: float) -> list[str]:
    """Greedy lines of at most ``max_em``; a word longer than a line is broken."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        while text_width(token) > max_em:  # a long word: split it
            cut = 1
            while cut < len(token) and text_width(line + token[: cut + 1]) <= max_em:
                cut += 1
            if line and text_width(line + token[:cut]) > max_em:
                lines.append(line.rstrip())
                line = ""
                continue
            lines.append((line + token[:cut]).rstrip())
            line, token = "", token[cut:]
        if text_width(line + token) > max_em and line.strip():
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _fit(title: str) -> tuple[int, list[str]]:
    """The largest font size at which ``title`` wraps in at most three lines, and those lines (the last
    cut with an ellipsis when even the smallest size needs more)."""
    for size in _FONT_SIZES:
        lines = _wrap(title, _LINE_EM_PX / size)
        if len(lines) <= _MAX_LINES and len(lines) * round(size * 1.2) <= _TEXT_HEIGHT_PX:
            return size, lines
    size = _FONT_SIZES[-1]
    lines = _wrap(title, _LINE_EM_PX / size)[:_MAX_LINES]
    last = lines[-1]
    while last and text_width(last + "…") > _LINE_EM_PX / size:
        last = last[:-1]
    return size, [*lines[:-1], last.rstrip() + "…"]


def shorten(text: str, max_em: float) -> str:
    """``text`` cut to ``max_em`` with an ellipsis (kept whole when it fits); one pass over it."""
    if text_width(text) <= max_em:
        return text
    budget, width, cut = max_em - _em("…"), 0.0, 0
    for n, char in enumerate(text):
        width += _em(char)
        if width > budget:
            break
        cut = n + 1
    return text[:cut].rstrip() + "…"


def _x(text: str) -> str:
    return escape(text, quote=True)


def default_badge_svg(title: str, issuer: str, *, lang: str = "en") -> str:
    """A 512×512 SVG seal: ``title`` wrapped on up to three lines at the largest size that fits (CJK
    text breaks between any two characters), ``issuer`` on a band below; ``lang`` (en, ja) for the
    description and the ``xml:lang`` of the text."""
    # Cut before anything is measured: no more than this shows (three lines of the smallest size, a
    # fourth to decide where the third breaks; one issuer line), and measuring is not free for a title
    # anyone can send (a credential pasted into /verify is drawn before it is verified).
    title = _clean(title[: MAX_TITLE_CHARS * 2])[:MAX_TITLE_CHARS] or "Badge"
    issuer = _clean(issuer[: MAX_ISSUER_CHARS * 2])[:MAX_ISSUER_CHARS]
    digest = hashlib.sha256(f"{issuer}\0{title}".encode()).hexdigest()
    fill = _PALETTE[int(digest[:8], 16) % len(_PALETTE)]
    ident = f"badge-{digest[:10]}"

    font, lines = _fit(title)
    line_height = round(font * 1.2)
    first_y = 236 - (len(lines) - 1) * line_height / 2
    tspans = "".join(
        f'<tspan x="256" y="{first_y + i * line_height:g}">{_x(line)}</tspan>' for i, line in enumerate(lines)
    )
    issuer_line = shorten(issuer, _MAX_ISSUER_PX / 20)
    if lang == "ja":
        description = f"バッジ「{title}」（発行者: {issuer}）" if issuer else f"バッジ「{title}」"
    else:
        description = f"Badge “{title}” issued by {issuer}" if issuer else f"Badge “{title}”"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_SIZE}" height="{_SIZE}"',
        f' viewBox="0 0 {_SIZE} {_SIZE}"',
        f' role="img" aria-labelledby="{ident}-title {ident}-desc" xml:lang="{_x(lang)}">',
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
