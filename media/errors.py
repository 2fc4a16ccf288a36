"""The one exception base of ``media/``: every error a media function raises is a ``MediaError``.

Like ``ValueError`` (which it derives from), it means the *input* was wrong (an image, a credential, a
URL or an option), never that the library broke::

    MediaError(ValueError)
    ├── BakingError   media.baking: an image or credential cannot be baked or read (``code`` says why)
    └── QrError       media.qr: the URL or the options cannot be rendered as a QR code
"""

from __future__ import annotations

__all__ = ["MediaError"]


class MediaError(ValueError):
    """Base of every exception raised by ``media/``."""
