"""QR codes for verification URLs, as SVG text and as PNG bytes (segno: pure Python, no Pillow).

Error correction is at least level M (segno raises it further when that fits in the same version), the
quiet zone is the standard four modules, and the light modules are painted white so the code still
scans on a dark page.
"""

from __future__ import annotations

import io
from html import escape

import segno

from media.errors import MediaError

__all__ = ["MAX_SCALE", "QrError", "qr_png", "qr_svg"]

MAX_SCALE = 40


_MAX_URL = 2048  # well under a version-40 M symbol (2331 bytes); verification URLs are short


class QrError(MediaError):
    """The URL or the options cannot be rendered as a QR code."""


def _make(url: str, scale: int) -> segno.QRCode:
    if not url or len(url.encode("utf-8")) > _MAX_URL:
        raise QrError(f"the URL must be 1 to {_MAX_URL} bytes")
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= MAX_SCALE:
        raise QrError(f"scale must be an integer from 1 to {MAX_SCALE}")
    try:
        return segno.make(url, error="m", micro=False)
    except ValueError as exc:  # segno.DataOverflowError included
        raise QrError(str(exc)) from exc


def qr_svg(url: str, *, scale: int = 4, title: str | None = None) -> str:
    """An accessible SVG of the QR code of ``url``: ``role="img"``, ``aria-label`` and ``<title>``.

    ``title`` defaults to "QR code for <url>". The SVG has a ``viewBox`` besides its pixel size, so it
    can be scaled with CSS; there is no XML declaration, so it can be inlined in HTML as is.
    """
    qr = _make(url, scale)
    label = title if title is not None and title.strip() else f"QR code for {url}"
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=scale, title=label, light="#fff", dark="#000", xmldecl=False, nl=False)
    svg = out.getvalue().decode("utf-8")
    width, height = qr.symbol_size(scale=scale)
    prefix = "<svg "
    if not svg.startswith(prefix):  # pragma: no cover - segno's fixed output format
        raise QrError("unexpected SVG output from segno")
    extra = f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label, quote=True)}" '
    return prefix + extra + svg[len(prefix) :]


def qr_png(url: str, *, scale: int = 4) -> bytes:
    """A PNG of the QR code of ``url``, ``scale`` pixels a module, with the four-module quiet zone."""
    qr = _make(url, scale)
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale, light="#fff", dark="#000")
    return out.getvalue()
