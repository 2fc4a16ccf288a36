"""Badge images to bake a credential into: the achievement's (else the issuer's) image, fetched through the
guarded client and cached, when it is an https PNG or SVG (its kind decided by :func:`verifier.detect`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from app.http_client import FetchError, GuardedClient
from app.verification.cache import TtlCache
from verifier import Kind, detect

__all__ = ["badge_image"]


def badge_image(
    http: GuardedClient, cache: TtlCache[bytes], credential: Mapping[str, Any], kind: Literal["png", "svg"]
) -> bytes | None:
    """The achievement's (else the issuer's) image, when it is an https image of ``kind`` (png, svg)."""
    subject = credential.get("credentialSubject") or {}
    candidates = [
        ((subject.get("achievement") or {}) if isinstance(subject, dict) else {}).get("image"),
        (credential.get("issuer") or {}).get("image") if isinstance(credential.get("issuer"), dict) else None,
    ]
    for image in candidates:
        url = image.get("id") if isinstance(image, dict) else image
        if not isinstance(url, str) or not url.startswith("https://"):
            continue
        body = cache.get(url)
        if body is None:
            try:
                body = http.get(url, accept="image/png, image/svg+xml").body
            except FetchError:
                continue
            cache.put(url, body)
        if detect(body) is Kind(kind):
            return body
    return None
