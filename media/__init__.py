"""Media for people (pure): QR codes of verification URLs (:mod:`~media.qr`), a default badge image
(:mod:`~media.badge_image`), and credentials baked into PNG and SVG badges (:mod:`~media.baking`).
Every exception they raise derives from :class:`media.errors.MediaError`."""

from __future__ import annotations

__all__: list[str] = []
