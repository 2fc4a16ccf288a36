"""Badge art as a PNG: an SVG rendered by resvg (``resvg-py``: the Rust renderer in a wheel, no system
library), at a fixed width. Text is set in the system's fonts (a Japanese face such as IPAex Gothic, from
Debian's ``fonts-ipaexfont-gothic``, for CJK titles). resvg reads no network resource, but it does read
files: an ``<image href="/path/on/the/server.png">`` would put a file of the server into the PNG. So every
``href`` that is not a ``data:`` URL or a reference inside the document (``#id``) is removed first
(:func:`without_external_references`): badge art is a tenant's, and it renders without them.
"""

from __future__ import annotations

import re

import resvg_py

from media.errors import MediaError

__all__ = ["RenderError", "svg_to_png", "without_external_references"]


class RenderError(MediaError):
    """The SVG cannot be rendered (malformed, or empty)."""


_MAX_SVG = 2_000_000
# An href attribute, whatever its namespace prefix (xlink:href, href, x:href), and its quoted value.
_HREF = re.compile(r"""(?<![\w.:-])(?:[\w.-]+:)?href\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE)
_LOCAL = re.compile(r"""["']\s*(?:data:|#)""", re.IGNORECASE)


def without_external_references(svg: str) -> str:
    """``svg`` without any ``href`` that is not a ``data:`` URL or ``#id`` (an entity or a character
    reference in the value counts as external: only a literal ``data:`` or ``#`` is kept)."""
    return _HREF.sub(lambda m: m.group(0) if _LOCAL.match(m.group(1)) else "", svg)


def svg_to_png(svg: str, *, width: int = 512) -> bytes:
    """The PNG of ``svg``, ``width`` pixels wide (its height in proportion)."""
    if not svg.strip() or len(svg) > _MAX_SVG:
        raise RenderError("the SVG is empty or too large to render")
    try:
        return bytes(resvg_py.svg_to_bytes(svg_string=without_external_references(svg), width=width))
    except (ValueError, RuntimeError) as exc:
        raise RenderError(f"the SVG cannot be rendered: {str(exc)[:200]}") from None
