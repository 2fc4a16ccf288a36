"""FetchError: why an outbound fetch failed or was refused."""

from __future__ import annotations

__all__ = ["FetchError"]


class FetchError(Exception):
    """A fetch failed or was refused; ``code`` names why (for problem types and check results);
    ``status``: the HTTP status of an ``http-error`` answer."""

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
