"""Service errors rendered as RFC 9457 ``application/problem+json``.

Hierarchy (each class fixes ``type``, ``title`` and ``status``; ``detail`` is per instance)::

    ServiceError
    ├── BadRequest            400  malformed-request
    │   └── MalformedJson     400  malformed-json
    ├── Unauthorized          401  unauthorized
    ├── Forbidden             403  insufficient-scope
    ├── NotFound              404  not-found
    ├── Conflict             409  conflict (subclasses name the conflict)
    ├── PayloadTooLarge       413  payload-too-large
    ├── UnsupportedMediaType  415  unsupported-media-type
    ├── ValidationFailed      422  validation-error (``errors`` lists each field)
    └── ServiceUnavailable    503  service-unavailable

Tests assert on ``type``, never on English text.

:class:`SafeJSONResponse` renders problems (and any JSON that can echo the request's text, such as a
verification result) so that a lone surrogate sent in the input cannot make the rendering itself fail.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from starlette.responses import JSONResponse

from schemas.problems import PROBLEM_BASE, problem_type

__all__ = [
    "PROBLEM_BASE",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "MalformedJson",
    "NotFound",
    "PayloadTooLarge",
    "SafeJSONResponse",
    "ServiceError",
    "ServiceUnavailable",
    "Unauthorized",
    "UnsupportedMediaType",
    "ValidationFailed",
    "json_bytes",
    "problem_type",
]


def json_bytes(content: Any) -> bytes:
    """JSON as UTF-8, as Starlette's JSONResponse writes it; text UTF-8 cannot carry (a lone surrogate
    echoed from the input) is written as a ``\\u`` escape instead of failing."""
    try:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


class SafeJSONResponse(JSONResponse):
    """A JSONResponse rendered by :func:`json_bytes`."""

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


class ServiceError(Exception):
    """Base of every error the API reports as problem+json."""

    type_name: str = "internal-error"
    title: ClassVar[str] = "Internal error"
    status: ClassVar[int] = 500

    def __init__(self, detail: str | None = None, *, type_name: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.extra = extra
        if type_name is not None:
            self.type_name = type_name

    @property
    def type(self) -> str:
        return problem_type(self.type_name)

    def to_problem(self, *, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class BadRequest(ServiceError):
    type_name = "malformed-request"
    title = "The request is malformed"
    status = 400


class MalformedJson(BadRequest):
    type_name = "malformed-json"
    title = "The request body is not valid JSON"


class Unauthorized(ServiceError):
    type_name = "unauthorized"
    title = "A valid bearer token is required"
    status = 401


class Forbidden(ServiceError):
    type_name = "insufficient-scope"
    title = "The token does not allow this action"
    status = 403


class NotFound(ServiceError):
    type_name = "not-found"
    title = "Not found"
    status = 404


class Conflict(ServiceError):
    type_name = "conflict"
    title = "The request conflicts with the current state"
    status = 409


class PayloadTooLarge(ServiceError):
    type_name = "payload-too-large"
    title = "The request body is too large"
    status = 413


class UnsupportedMediaType(ServiceError):
    type_name = "unsupported-media-type"
    title = "Unsupported media type"
    status = 415


class ValidationFailed(ServiceError):
    type_name = "validation-error"
    title = "The request is not valid"
    status = 422


class ServiceUnavailable(ServiceError):
    type_name = "service-unavailable"
    title = "A required service is unavailable"
    status = 503
