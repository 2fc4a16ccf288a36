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
  media type ``/v1/verify`` checks), from :data:`app.openapi_tables.RAISED`, read from the services;
- the media types of the routes that answer a ``Response`` of their own (a DID document, a credential as
  JSON-LD or JWT, a QR code: ``MEDIA``) and the OAuth error bodies of the OpenID4VCI endpoints
  (``{error, error_description}``: ``OAUTH_ERRORS``);
- the request bodies of the routes that read theirs themselves (``/v1/verify``, the OpenID4VCI token, PAR,
  credential and notification endpoints: ``BODIES``), so that the document, and Schemathesis, cover them.

The tables (:mod:`app.openapi_tables`) are keyed by endpoint name. A route added later gets its problem
responses and security from its signature; a status only its service knows goes into ``RAISED``
(``tests/app/contract`` runs Schemathesis, which finds one that is missing).
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
from app.openapi_tables import (
    ALSO_SUCCEEDS,
    BODIES,
    MEANING,
    MEDIA,
    OAUTH_ERROR_SCHEMA,
    OAUTH_ERRORS,
    PROBLEM_SCHEMA,
    RAISED,
    SECURITY_SCHEME_DOC,
)
from app.tokens.auth import authorize

__all__ = ["PROBLEM_JSON", "SECURITY_SCHEME", "install_openapi"]

PROBLEM_JSON = "application/problem+json"
SECURITY_SCHEME = "bearerAuth"
_PROBLEM_REF = "#/components/schemas/Problem"
_OAUTH_REF = "#/components/schemas/OAuthError"
_BODY_METHODS = {"POST", "PUT", "PATCH"}


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
    found: dict[int, str] = {500: MEANING[500]}
    if _PRINCIPAL in calls:
        found[401] = MEANING[401]
    if calls & _TENANT_CHECKS:
        found[403] = MEANING[403]
        found[404] = "No such issuer, or another tenant's (not-found), or no such resource of it."
    if any(_calls_authorize(function) for function in (route.endpoint, *calls)):
        found[403] = MEANING[403]
    if has_path_params:
        found.setdefault(404, MEANING[404])
    if route.has_body:
        found[400] = MEANING[400]
    if route.has_body or has_path_params or has_other_params or "422" in declared:
        found[422] = MEANING[422]
    if method in _BODY_METHODS:
        found[413] = MEANING[413]
    for status, types in RAISED.get(route.name, {}).items():
        found[status] = f"{MEANING[status]} Here: {types}."
    return found


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": {"$ref": _PROBLEM_REF}}}


def _complete_operation(route: _Route, method: str, operation: dict[str, Any]) -> None:
    if route.name in BODIES and not route.has_body:
        operation["requestBody"] = BODIES[route.name]
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status, media_types in MEDIA.get(route.name, {}).items():
        meaning = MEANING[status] if status >= 400 else "Successful Response"
        entry = responses.setdefault(str(status), {"description": meaning})
        if media_types:
            entry["content"] = {mt: _media_entry(mt) for mt in media_types}
        else:
            entry.pop("content", None)
            entry["description"] = "Not Modified (If-None-Match named the current ETag)."
    if route.name in ALSO_SUCCEEDS:
        status, like, description = ALSO_SUCCEEDS[route.name]
        responses[str(status)] = {**responses[str(like)], "description": description}
    for status in OAUTH_ERRORS.get(route.name, ()):
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
    named = set(RAISED) | set(OAUTH_ERRORS) | set(MEDIA) | set(ALSO_SUCCEEDS) | set(BODIES)
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
    components.setdefault("schemas", {}).update({"Problem": PROBLEM_SCHEMA, "OAuthError": OAUTH_ERROR_SCHEMA})
    components["securitySchemes"] = {SECURITY_SCHEME: SECURITY_SCHEME_DOC}
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
