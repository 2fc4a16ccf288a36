"""Problem type URIs (RFC 9457 ``type``), shared by the API's errors and the verifier's check results."""

from __future__ import annotations

__all__ = ["PROBLEM_BASE", "problem_type"]

PROBLEM_BASE = "https://w3id.org/shomei/problems/"


def problem_type(name: str) -> str:
    return PROBLEM_BASE + name
