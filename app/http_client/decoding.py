"""A response body's content coding undone within the size cap (RFC 9110 §8.4.1).

httpx decodes a body in whole chunks: a 64 KiB gzip chunk of zeros becomes 64 MiB before anything can
count it, and a body coded twice (``Content-Encoding: gzip, gzip``) turns 2 KB on the wire into gigabytes
in one step. Here the raw body is decoded with zlib's ``max_length``, so no more than the cap (plus one
byte, to tell "too large") is ever produced. The client asks for ``gzip, deflate`` only and accepts at
most one coding (besides ``identity``): anything else is refused, not guessed at.
"""

from __future__ import annotations

import zlib

from app.http_client.errors import FetchError

__all__ = ["ACCEPT_ENCODING", "BoundedDecoder"]

ACCEPT_ENCODING = "gzip, deflate"
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class BoundedDecoder:
    """Decodes the raw body of one response (``content_encoding``: its header) into at most ``max_bytes``
    bytes; more is a ``too-large`` FetchError, a coding it does not know ``unsupported-encoding``."""

    def __init__(self, content_encoding: str, max_bytes: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in _WBITS):
            raise FetchError("unsupported-encoding", f"the response's content coding {content_encoding!r}")
        self._coding = codings[0] if codings else None
        self._zlib = zlib.decompressobj(_WBITS[self._coding]) if self._coding else None
        self._first = True
        self.max_bytes = max_bytes
        self.size = 0

    def feed(self, raw: bytes) -> bytes:
        if self._zlib is None:
            return self._count(raw)
        room = self.max_bytes - self.size + 1
        try:
            out = self._zlib.decompress(raw, room)
        except zlib.error as exc:
            if not (self._first and self._coding == "deflate"):
                raise FetchError("bad-encoding", "the response body is not validly encoded") from exc
            # "deflate" is zlib-wrapped (RFC 9110 §8.4.1.2), but some servers send a raw DEFLATE stream
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            self._first = False
            return self.feed(raw)
        self._first = False
        return self._count(out)

    def flush(self) -> bytes:
        return (
            self._count(self._zlib.flush(self.max_bytes - self.size + 1)) if self._zlib is not None else b""
        )

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise FetchError("too-large", f"the response is larger than {self.max_bytes} bytes")
        return data
