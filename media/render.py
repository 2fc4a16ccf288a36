"""Badge art as a PNG: an SVG rendered by resvg (``resvg-py``: the Rust renderer in a wheel, no system
library), at a fixed width. Text is set in the system's fonts (a Japanese face such as IPAex Gothic, from
Debian's ``fonts-ipaexfont-gothic``, for CJK titles). resvg reads no network resource: an SVG that
links an external image renders without it.
"""

from __future__ import annotations

import resvg_py

from media.errors import MediaError

__all__ = ["RenderError", "svg_to_png"]


class RenderError(MediaError):
    """The SVG cannot be rendered (malformed, or empty)."""


_MAX_SVG = 2_000_000


def svg_to_png(svg: str, *, width: int = 512) -> bytes:
    """The PNG of ``svg``, ``width`` pixels wide (its height in proportion)."""
    if not svg.strip() or len(svg) > _MAX_SVG:
        raise RenderError("the SVG is empty or too large to render")
    try:
        return bytes(resvg_py.svg_to_bytes(svg_string=svg, width=width))
    except (ValueError, RuntimeError) as exc:
        raise RenderError(f"the SVG cannot be rendered: {str(exc)[:200]}") from None
