"""The app's OpenAPI document: FastAPI's own, completed in one place with what each operation really answers.

:func:`install_openapi` replaces ``app.openapi`` (``create_app`` calls it). The document it builds adds:

- the bearer security scheme (``components.securitySchemes.bearerAuth``, HTTP bearer) and ``security`` on
  every operation that takes an API token (``PrincipalDep`` anywhere among its dependencies); public
  operations (DID documents, status lists, the OpenID4VCI protocol with its own access tokens,
  verification) have none;
- the problem responses, ``application/problem+json`` with the ``Problem`` schema (RFC 9457 members and the
  extra ones our problems carry, e.g. ``errors``), derived from each route's dependencies:

  ======================================================  ===========================================
  the route                                               answers
  ======================================================  ===========================================
  takes a token (``PrincipalDep``)                        401
  the issuer of the path checked (``TenantFor*``)         403 (scope), 404 (another tenant's issuer)
  calls ``authorize`` (itself or in a dependency)         403
  has a path parameter                                    404 (the resource can be missing)
  has a JSON body                                         400 malformed-json, 422 validation-error
  has any parameter                                       422 validation-error
  takes a body (POST, PUT, PATCH)                         413 payload-too-large (the middleware)
  every operation                                         500 internal-error
  ======================================================  ===========================================

  and, where the code below the route decides (a service's ``Conflict``, a 400 the service raises, the
  media type ``/v1/verify`` checks), from the table :data:`_RAISED`, read from the services;
- the media types of the routes that answer a ``Response`` of their own (a DID document, a credential as
  JSON-LD or JWT, a QR code: :data:`_MEDIA`) and the OAuth error bodies of the OpenID4VCI endpoints
  (``{error, error_description}``: :data:`_OAUTH`).

A route added later gets its problem responses and security from its signature; a status that only its
service knows goes into :data:`_RAISED` (``tests/app/contract`` runs Schemathesis, which finds one that is
missing).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, get_args

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.params import Depends
from fastapi.routing import APIRoute, iter_route_contexts

from app.deps import PrincipalDep, TenantForAdmin, TenantForIssue, TenantForRead, TenantForRevoke
from app.tokens.auth import authorize

__all__ = ["PROBLEM_JSON", "SECURITY_SCHEME", "install_openapi"]

PROBLEM_JSON = "application/problem+json"
SECURITY_SCHEME = "bearerAuth"
_PROBLEM_REF = "#/components/schemas/Problem"
_OAUTH_REF = "#/components/schemas/OAuthError"
_BODY_METHODS = {"POST", "PUT", "PATCH"}

_PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem. Tests and clients rely on `type`; the other members explain it.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "What went wrong, as a URI."},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The path of the request."},
        "errors": {
            "description": "Each field or check that failed (validation errors: loc, msg, type).",
            "anyOf": [{"type": "array", "items": {"type": "object"}}, {"type": "string"}],
        },
        "request_id": {"type": "string", "description": "The request id the log has (a 500)."},
        "required_scope": {"type": "string", "description": "The scope the token lacks (a 403)."},
        "allowed": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": True,
}

_OAUTH_ERROR_SCHEMA: dict[str, Any] = {
    "title": "OAuthError",
    "description": "An OAuth 2.0 error (RFC 6749 §5.2; OpenID4VCI §8.3.1.2).",
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    "additionalProperties": True,
}

_SECURITY_SCHEME_DOC: dict[str, Any] = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API token: a tenant's (scopes issue, revoke, read, admin) or a service admin's.",
}

# What each status means when a route answers it as a problem (the problem's type names the case).
_MEANING: Mapping[int, str] = {
    400: "The request is malformed (malformed-json, or the type the problem names).",
    401: "A valid bearer token is required (unauthorized, invalid-token, token-expired).",
    403: "The token does not allow this action (insufficient-scope).",
    404: "Not found (not-found; another issuer's resource answers the same).",
    409: "The request conflicts with the current state (the problem's type names the conflict).",
    413: "The request body is too large (payload-too-large).",
    415: "The body's media type is not accepted (unsupported-media-type).",
    422: "The request is not valid (validation-error: errors lists each field; or the type named).",
    500: "An unexpected error (internal-error); the log has the request id, never the input.",
    503: "A service the request needs is unavailable (the type names it).",
}

# Statuses decided below the route, read from the services it calls (problem types named).
_RAISED: Mapping[str, Mapping[int, str]] = {
    "create_issuer": {409: "slug-taken"},
    "revoke_token": {409: "token-already-revoked"},
    "create_key": {409: "active-key-exists, did-key-single-key"},
    "rotate_key": {409: "did-key-single-key"},
    "retire_key": {409: "key-active, key-already-retired"},
    "import_certificate": {409: "key-not-certifiable"},
    "readyz": {503: "database-unavailable"},
    "issue_credential": {
        409: "idempotency-key-reused, signing-key-missing, achievement-archived, "
        "status-allocation-contention, not-offerable",
    },
    "list_credentials": {400: "invalid-query"},
    "change_status": {
        409: "no-status-entry, already-revoked, suspension-not-enabled, already-suspended, not-suspended",
    },
    "status_list_credential": {409: "signing-key-missing"},
    "vc_api_issue": {
        400: "tenant-required, invalid-credential, unsupported-format, issuer-mismatch",
        403: "insufficient-scope",
        409: "signing-key-missing, status-allocation-contention",
    },
    "vc_api_status": {
        400: "tenant-required, revocation-final, unsupported-purpose",
        403: "insufficient-scope",
        404: "credential-not-found",
        409: "no-status-entry, already-revoked, suspension-not-enabled, already-suspended, not-suspended",
    },
    "vc_api_verify": {400: "duplicate-member, or a credential that was not verified"},
    "vc_api_verify_presentation": {400: "malformed-request, malformed-presentation, invalid-options"},
    "verify": {
        400: "missing-file, duplicate-member, invalid-url, fetch-failed, invalid-badge-image, "
        "unreadable-credential",
        404: "credential-not-found (a URL of this service that names no credential)",
        415: "a body neither JSON nor multipart/form-data",
    },
    "create_offer": {409: "not-offerable"},
    "offer_by_reference": {409: "offer-not-usable"},
    "offer_qr_svg": {409: "offer-not-usable"},
    "offer_qr_png": {409: "offer-not-usable"},
    "token": {400: "malformed-request (the form)"},
    "pushed_authorization_request": {400: "malformed-request (the form)"},
    "credential": {409: "credential-not-copyable, signing-key-missing"},
}

# The OpenID4VCI endpoints answer their protocol's errors as OAuth error bodies (application/json).
_OAUTH: Mapping[str, tuple[int, ...]] = {
    "token": (400, 401),
    "pushed_authorization_request": (400, 401),
    "credential": (400, 401),
    "notification": (400, 401),
}

_CREDENTIAL_TYPES = ("application/vc+ld+json", "application/vc+jwt", "application/dc+sd-jwt")

# Routes that answer a Response of their own: status -> the media types it may carry.
_MEDIA: Mapping[str, Mapping[int, tuple[str, ...]]] = {
    "did_document": {200: ("application/did+json",)},
    "jwks": {200: ("application/jwk-set+json",)},
    "mc_context": {200: ("application/ld+json",)},
    "mc_schema": {200: ("application/schema+json",)},
    "get_credential": {200: _CREDENTIAL_TYPES},
    "public_credential": {200: ("text/html", *_CREDENTIAL_TYPES)},
    "status_list_credential": {
        200: ("application/vc+ld+json", "application/vc+jwt", "application/statuslist+jwt"),
        304: (),
    },
    "credential_issuer_metadata": {200: ("application/json", "application/jwt")},
    "offer_qr_svg": {200: ("image/svg+xml",)},
    "offer_qr_png": {200: ("image/png",)},
    "vc_api_verify_presentation": {422: ("application/json",)},
}


# Success statuses a route sets on its response object, with the body of the status it declares.
_ALSO_SUCCEEDS: Mapping[str, tuple[int, int, str]] = {
    "issue_credential": (
        200,
        201,
        "A replay of an Idempotency-Key: the first result (Idempotent-Replayed: true).",
    ),
}


def _media_entry(media_type: str) -> dict[str, Any]:
    """A JSON body may be any JSON (its shape is the route's business); a JWT, an HTML page or an image has
    no JSON schema at all (OpenAPI 3.1: a media type without ``schema`` is a body of that type)."""
    return {"schema": {}} if media_type.endswith("json") else {}


def _dependency(alias: Any) -> Callable[..., Any]:
    """The callable behind an ``Annotated[..., Depends(f)]`` alias of :mod:`app.deps`."""
    for meta in get_args(alias)[1:]:
        if isinstance(meta, Depends) and meta.dependency is not None:
            return meta.dependency
    raise TypeError(f"{alias!r} is not a dependency alias")  # pragma: no cover - the aliases are fixed


_PRINCIPAL = _dependency(PrincipalDep)
_TENANT_CHECKS = frozenset(
    _dependency(alias) for alias in (TenantForRead, TenantForIssue, TenantForRevoke, TenantForAdmin)
)


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    """The route's dependant and every sub-dependency's, depth first."""
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _calls(dependant: Dependant) -> set[Callable[..., Any]]:
    return {d.call for d in _dependants(dependant) if d.call is not None}


def _calls_authorize(function: Callable[..., Any]) -> bool:
    """Whether ``function`` itself calls :func:`app.tokens.auth.authorize` (a service administrator's route,
    or a dependency that checks a scope)."""
    try:
        names = inspect.getclosurevars(function).globals
    except TypeError:  # pragma: no cover - a builtin or a partial
        return False
    return any(value is authorize for value in names.values())


@dataclass(frozen=True, slots=True)
class _Route:
    """What the document needs of a route: its endpoint's name (the tables' key), path, methods, endpoint
    function, dependencies and whether it takes a body model."""

    name: str
    path: str
    methods: frozenset[str]
    endpoint: Callable[..., Any]
    dependant: Dependant
    has_body: bool


def _routes(app: FastAPI) -> Iterator[_Route]:
    """The app's API routes in the document, as included (path and dependencies as served)."""
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        if not isinstance(original, APIRoute) or not original.include_in_schema:
            continue
        dependant = context.dependant
        yield _Route(
            name=original.name,
            path=str(context.path_format),
            methods=frozenset(original.methods or ()),
            endpoint=original.endpoint,
            dependant=dependant if isinstance(dependant, Dependant) else original.dependant,
            has_body=original.body_field is not None,
        )


def _problems(route: _Route, method: str, declared: Mapping[str, Any]) -> dict[int, str]:
    """Each status the route answers as a problem, with what it means there."""
    calls = _calls(route.dependant)
    everything = list(_dependants(route.dependant))
    has_path_params = any(d.path_params for d in everything)
    has_other_params = any(d.query_params or d.header_params for d in everything)
    found: dict[int, str] = {500: _MEANING[500]}
    if _PRINCIPAL in calls:
        found[401] = _MEANING[401]
    if calls & _TENANT_CHECKS:
        found[403] = _MEANING[403]
        found[404] = "No such issuer, or another tenant's (not-found), or no such resource of it."
    if any(_calls_authorize(function) for function in (route.endpoint, *calls)):
        found[403] = _MEANING[403]
    if has_path_params:
        found.setdefault(404, _MEANING[404])
    if route.has_body:
        found[400] = _MEANING[400]
    if route.has_body or has_path_params or has_other_params or "422" in declared:
        found[422] = _MEANING[422]
    if method in _BODY_METHODS:
        found[413] = _MEANING[413]
    for status, types in _RAISED.get(route.name, {}).items():
        found[status] = f"{_MEANING[status]} Here: {types}."
    return found


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": {"$ref": _PROBLEM_REF}}}


def _complete_operation(route: _Route, method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status, media_types in _MEDIA.get(route.name, {}).items():
        entry = responses.setdefault(str(status), {"description": "Successful Response"})
        if media_types:
            entry["content"] = {mt: _media_entry(mt) for mt in media_types}
        else:
            entry.pop("content", None)
            entry["description"] = "Not Modified (If-None-Match named the current ETag)."
    if route.name in _ALSO_SUCCEEDS:
        status, like, description = _ALSO_SUCCEEDS[route.name]
        responses[str(status)] = {**responses[str(like)], "description": description}
    for status in _OAUTH.get(route.name, ()):
        entry = responses.setdefault(
            str(status), {"description": "An OAuth error (error, error_description)."}
        )
        entry.setdefault("content", {})["application/json"] = {"schema": {"$ref": _OAUTH_REF}}
    for status, meaning in _problems(route, method, responses).items():
        key = str(status)
        entry = responses.get(key)
        if entry is None or (key == "422" and "HTTPValidationError" in json.dumps(entry)):
            # FastAPI's own 422 names a body this app never sends: validation errors are problems.
            responses[key] = {"description": meaning, "content": _problem_content()}
            continue
        entry.setdefault("content", {}).update(_problem_content())
    operation["responses"] = dict(sorted(responses.items()))
    if _PRINCIPAL in _calls(route.dependant):
        operation["security"] = [{SECURITY_SCHEME: []}]


def _drop_unused_schemas(document: dict[str, Any]) -> None:
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        others = {k: v for k, v in schemas.items() if k != name}
        text = json.dumps({"paths": document["paths"], "schemas": others})
        if name in schemas and f'"#/components/schemas/{name}"' not in text:
            del schemas[name]


def _check_tables(routes: list[_Route]) -> None:
    """Every route a table names exists: a renamed endpoint must not silently lose what the table says."""
    named = set(_RAISED) | set(_OAUTH) | set(_MEDIA) | set(_ALSO_SUCCEEDS)
    unknown = named - {route.name for route in routes}
    if unknown:
        raise RuntimeError(f"app/openapi.py names routes the app does not have: {sorted(unknown)}")


def _openapi_document(app: FastAPI, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` (FastAPI's document of ``app``) completed with security and the responses of each route."""
    document: dict[str, Any] = json.loads(json.dumps(base))
    routes = list(_routes(app))
    _check_tables(routes)
    for route in routes:
        operations = document["paths"].get(route.path, {})
        for method in sorted(route.methods):
            if method.lower() in operations:
                _complete_operation(route, method, operations[method.lower()])
    components = document.setdefault("components", {})
    components.setdefault("schemas", {}).update(
        {"Problem": _PROBLEM_SCHEMA, "OAuthError": _OAUTH_ERROR_SCHEMA}
    )
    components["securitySchemes"] = {SECURITY_SCHEME: _SECURITY_SCHEME_DOC}
    _drop_unused_schemas(document)
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve :func:`_openapi_document` as ``/openapi.json`` (built once, on first use)."""
    build_base = app.openapi  # FastAPI's own generator
    built: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not built:
            built.append(_openapi_document(app, build_base()))
            app.openapi_schema = built[0]
        return built[0]

    app.openapi = openapi  # type: ignore[method-assign]
