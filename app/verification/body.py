"""The JSON bodies that carry a credential to be verified, read again strictly: FastAPI and pydantic keep
the last of two members with the same name, so a credential with a forged member first and the genuine
one last would reach the verifier already "repaired". A body with a member name twice anywhere (the
credential's, or the request's own) is refused as a 400 ``duplicate-member`` problem, as the verifier
refuses such a credential sent as text (:mod:`proofs.strict_json` says why).
"""

from __future__ import annotations

from fastapi import Request

from app.errors import BadRequest
from proofs import strict_json

__all__ = ["NOT_JSON", "read_strictly", "refuse_duplicate_members", "strict_json_body"]

# What :func:`read_strictly` answers for text that is not JSON.
NOT_JSON: object = object()


def refuse_duplicate_members(raw: bytes) -> None:
    """Raise BadRequest (``duplicate-member``) when the JSON ``raw`` names a member twice in one object.
    Text that is not JSON is left to the body's own validation. ``NaN`` and ``Infinity``, which FastAPI's
    and pydantic's JSON readers accept, are read here too: refusing them first would leave a duplicate
    after them unseen, and the body read the lenient way."""
    read_strictly(raw)


def read_strictly(raw: bytes) -> object:
    """The JSON ``raw`` as :func:`refuse_duplicate_members` reads it (BadRequest ``duplicate-member``), or
    :data:`NOT_JSON` for text that is not JSON: a route that takes the value need not read the body twice."""
    try:
        return strict_json.loads(raw, constants=True)
    except strict_json.DuplicateMember as exc:
        raise BadRequest(
            f"the request is malformed: {exc} (JSON readers disagree on which one counts)",
            type_name="duplicate-member",
            member=exc.member,
            path=[str(p) for p in exc.path],
        ) from None
    except (ValueError, RecursionError):
        return NOT_JSON


async def strict_json_body(request: Request) -> None:
    """A route dependency: the JSON body (FastAPI has read it already) holds no member name twice."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("application/json", "") or content_type.endswith("+json"):
        refuse_duplicate_members(await request.body())
