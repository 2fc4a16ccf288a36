"""The errors of the OpenID4VCI endpoints: :class:`OAuthError`, answered as an OAuth error object
(``{error, error_description}``, RFC 6749 §5.2, OpenID4VCI §6.3 and §8.3.1.2), and its helper for a
refused DPoP proof (RFC 9449 §7.1)."""

from __future__ import annotations

__all__ = ["OAuthError", "dpop_refusal"]


class OAuthError(Exception):
    """An error answered as ``{error, error_description}`` (RFC 6749 §5.2, OpenID4VCI §8.3.1.2).

    ``challenge`` is the authentication scheme a 401 names in ``WWW-Authenticate``: ``Bearer``
    (RFC 6750 §3) or ``DPoP`` (RFC 9449 §7.1)."""

    def __init__(self, error: str, description: str, status: int = 400, *, challenge: str = "Bearer") -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.challenge = challenge


def dpop_refusal(description: str, status: int) -> OAuthError:
    """``invalid_dpop_proof`` with the ``DPoP`` challenge: a 400 at the token and PAR endpoints, a 401
    where a DPoP-bound access token is presented (RFC 9449 §5, §7.1)."""
    return OAuthError("invalid_dpop_proof", description, status, challenge="DPoP")
