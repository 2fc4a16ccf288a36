"""The errors of the wallet-facing OpenID4VP endpoints: :class:`ResponseRefused` (and :class:`RequestGone`),
answered as an OAuth error object (``{error, error_description}``, RFC 6749 §5.2, OpenID4VP 1.0 §8.5)
with Shomei's ``reason`` beside it (a problem type name the tests and the employer's page read)."""

from __future__ import annotations

from typing import Any

__all__ = ["RequestGone", "ResponseRefused"]


class ResponseRefused(Exception):
    """A response (or a request object fetch) refused before any credential was checked: 400
    ``invalid_request`` unless ``error``/``status`` say otherwise."""

    def __init__(
        self,
        description: str,
        *,
        reason: str = "malformed-response",
        error: str = "invalid_request",
        status: int = 400,
        **extra: Any,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.reason = reason
        self.error = error
        self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {
            "error": self.error,
            "error_description": self.description,
            "reason": self.reason,
            **self.extra,
        }


class RequestGone(ResponseRefused):
    """The request has expired or has already been answered (its nonce and state are spent)."""

    def __init__(self, description: str, *, reason: str) -> None:
        super().__init__(description, reason=reason, status=400)
