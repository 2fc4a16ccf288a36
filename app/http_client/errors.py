"""FetchError: why an outbound fetch failed or was refused."""

from __future__ import annotations

__all__ = ["FetchError"]


class FetchError(Exception):
    """A fetch failed or was refused; ``code`` names why (for problem types and check results)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
