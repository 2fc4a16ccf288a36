"""The OpenAPI document declares what each operation really answers (app/openapi.py): problem responses as
``application/problem+json`` with the ``Problem`` schema, the bearer security scheme on the operations that take
a token and on no public one, and the media types of the routes that answer their own. Each sampled request is
sent, and its answer found in the document: the status declared, the media type declared for it, the body valid
against the declared schema. Both databases (``client``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
import jsonschema
import pytest
from fastapi import APIRouter, Body

from app.deps import SessionDep, TenantForRead
from app.errors import problem_type
from app.main import create_app
from app.openapi import PROBLEM_JSON, SECURITY_SCHEME
from app.testing import SyncClient
from tests.app.contract.world import World
from tests.conftest import ADMIN, BASE_URL, bearer, make_settings, make_tenant, tenant_body

Document = dict[str, Any]


@pytest.fixture(scope="module")
def document() -> Document:
    return create_app(make_settings("sqlite:///:memory:")).openapi()


def _operations(document: Document) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def _declared(document: Document, method: str, path: str, status: int, media_type: str) -> dict[str, Any]:
    """The schema the document declares for (operation, status, media type); fails when it declares none."""
    responses = document["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, declared {sorted(responses)}"
    content = responses[str(status)].get("content", {})
    assert media_type in content, f"{method} {path} {status}: {media_type} not in {sorted(content)}"
    return dict(content[media_type].get("schema", {}))


def _conforms(document: Document, method: str, template: str, r: httpx.Response) -> None:
    """The answer is declared (status and media type) and its JSON body matches the declared schema."""
    media_type = r.headers.get("content-type", "").split(";")[0]
    schema = _declared(document, method, template, r.status_code, media_type)
    if media_type.endswith("json"):
        jsonschema.validate(r.json(), {**schema, "components": document["components"]})


def test_every_operation_declares_a_500_problem_and_no_fastapi_validation_body(document: Document) -> None:
    operations = _operations(document)
    assert len(operations) >= 50
    for method, path, operation in operations:
        responses = operation["responses"]
        assert responses["500"]["content"] == {
            PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
        if "422" in responses:
            assert PROBLEM_JSON in responses["422"]["content"], (method, path)
    assert "HTTPValidationError" not in str(document)
    problem = document["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status"]
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(problem["properties"])


def test_the_bearer_scheme_is_on_token_operations_and_on_no_public_one(document: Document) -> None:
    scheme = document["components"]["securitySchemes"][SECURITY_SCHEME]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    secured = {(m, p) for m, p, op in _operations(document) if op.get("security")}
    for method, path, operation in _operations(document):
        if (method, path) in secured:
            assert operation["security"] == [{SECURITY_SCHEME: []}]
            assert "401" in operation["responses"], (method, path)  # a token can be missing
        else:
            assert "401" not in operation["responses"] or path.startswith("/issuers/{slug}/oid4vci/"), path
    assert "security" not in document  # no default: a public operation says nothing
    public = {
        ("GET", "/issuers/{slug}/did.json"),
        ("GET", "/status/{slug}/{sequence}/{purpose}"),
        ("GET", "/credentials/{credential_id}"),
        ("POST", "/v1/verify"),
        ("POST", "/credentials/verify"),
        ("POST", "/presentations/verify"),
        ("POST", "/issuers/{slug}/oid4vci/token"),
        ("GET", "/offers/{offer_id}"),
        ("GET", "/healthz"),
    }
    assert not public & secured
    assert {("POST", "/v1/issuers"), ("GET", "/v1/audit"), ("POST", "/credentials/issue")} <= secured
    v1 = {(m, p) for m, p, _op in _operations(document) if p.startswith("/v1/")}
    assert v1 - secured == {
        ("POST", "/v1/verify"),
        ("GET", "/v1/pathways/{pathway_id}"),
        ("POST", "/v1/pathways/{pathway_id}/evaluate"),
    }


def test_problems_follow_the_route_signature(document: Document) -> None:
    """Derived, not listed: a tenant-scoped route with a path parameter and a body declares 400, 401, 403,
    404, 413, 422 and 500; a service-wide admin route 401 and 403 but no 404; a public one no 401 or 403."""

    def statuses(method: str, path: str) -> set[str]:
        return set(document["paths"][path][method]["responses"])

    problems = {"400", "401", "403", "404", "413", "422", "500"}
    assert problems <= statuses("put", "/v1/issuers/{slug}/achievements/{template_id}")
    assert {"401", "403", "500"} <= statuses("get", "/v1/audit")
    assert "404" not in statuses("get", "/v1/audit")
    assert {"404", "500"} <= statuses("get", "/issuers/{slug}/did.json")
    assert not {"401", "403"} & statuses("get", "/issuers/{slug}/did.json")
    assert "409" in statuses("post", "/v1/issuers")  # from the table of what services raise
    assert "415" in statuses("post", "/v1/verify")


def test_routes_that_read_their_own_body_declare_it(client: SyncClient, document: Document) -> None:
    """The bodies FastAPI cannot see (the route reads the request itself) are declared, so that clients and
    the Schemathesis run know them; /v1/verify's JSON body names the members the route reads, and the route
    refuses any other, as the document says."""
    for path in (
        "/v1/verify",
        "/issuers/{slug}/oid4vci/token",
        "/issuers/{slug}/oid4vci/par",
        "/issuers/{slug}/oid4vci/credential",
        "/issuers/{slug}/oid4vci/notification",
    ):
        assert document["paths"][path]["post"]["requestBody"]["required"] is True, path
    content = document["paths"]["/v1/verify"]["post"]["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}
    declared = content["application/json"]["schema"]
    assert set(declared["properties"]) == {"credential", "url", "identity"}
    assert declared["additionalProperties"] is False
    r = client.post("/v1/verify", json={"credential": "x", "other": 1})
    assert (r.status_code, r.json()["type"]) == (422, problem_type("validation-error"))
    assert content["multipart/form-data"]["schema"]["required"] == ["file"]


def test_a_new_route_is_described_from_its_signature() -> None:
    """A route added to the app (as a new domain would be) gets its problems and security without a table."""
    app = create_app(make_settings("sqlite:///:memory:"))
    router = APIRouter()

    @router.post("/v1/issuers/{slug}/widgets/{widget_id}")
    def make_widget(
        widget_id: uuid.UUID,
        tenant: TenantForRead,
        session: SessionDep,
        body: Annotated[dict[str, Any], Body()],
    ) -> dict[str, str]:
        return {}

    @router.get("/widgets/{widget_id}")
    def public_widget(widget_id: uuid.UUID) -> dict[str, str]:
        return {}

    app.include_router(router)
    document = app.openapi()
    made = document["paths"]["/v1/issuers/{slug}/widgets/{widget_id}"]["post"]
    assert set(made["responses"]) == {"200", "400", "401", "403", "404", "413", "422", "500"}
    assert made["security"] == [{SECURITY_SCHEME: []}]
    public = document["paths"]["/widgets/{widget_id}"]["get"]
    assert set(public["responses"]) == {"200", "404", "422", "500"}
    assert "security" not in public


@dataclass(frozen=True, slots=True)
class Sample:
    """A request, the operation (path template) it calls, and the status and problem type it gets."""

    method: str
    template: str
    send: Callable[[SyncClient, World], httpx.Response]
    status: int
    problem: str | None = None


def _as_another_tenant(client: SyncClient, world: World) -> httpx.Response:
    """The first issuer's template read with another tenant's token."""
    other = make_tenant(client)[1]
    return client.get(f"/v1/issuers/{world.slug}/achievements/{world.template_id}", headers=bearer(other))


def _replayed_issuance(client: SyncClient, world: World) -> httpx.Response:
    """The same issuance sent twice with one Idempotency-Key: the second answers 200 with the first result."""
    body = {"achievement_id": world.template_id, "recipient": {"email": "replay@example.org"}}
    headers = {**bearer(world.token), "Idempotency-Key": f"replay-{uuid.uuid4()}"}
    first = client.post(f"/v1/issuers/{world.slug}/credentials", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = client.post(f"/v1/issuers/{world.slug}/credentials", json=body, headers=headers)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["credential_id"] == first.json()["credential_id"]
    return again


SAMPLES = [
    Sample(
        "GET",
        "/v1/issuers/{slug}/achievements",
        lambda c, w: c.get(f"/v1/issuers/{w.slug}/achievements"),
        401,
        "unauthorized",
    ),
    Sample("GET", "/v1/issuers/{slug}/achievements/{template_id}", _as_another_tenant, 404, "not-found"),
    Sample(
        "POST",
        "/v1/issuers/{slug}/achievements",
        lambda c, w: c.post(f"/v1/issuers/{w.slug}/achievements", json={}, headers=bearer(w.read_token)),
        403,
        "insufficient-scope",
    ),
    Sample(
        "POST",
        "/v1/issuers",
        lambda c, w: c.post("/v1/issuers", json=tenant_body(w.slug), headers=ADMIN),
        409,
        "slug-taken",
    ),
    Sample(
        "POST",
        "/v1/issuers",
        lambda c, _w: c.post(
            "/v1/issuers", content=b'{"slug": ', headers={**ADMIN, "content-type": "application/json"}
        ),
        400,
        "malformed-json",
    ),
    Sample(
        "POST",
        "/v1/issuers/{slug}/credentials",
        lambda c, w: c.post(
            f"/v1/issuers/{w.slug}/credentials",
            content=b"[" * 1_100_000,
            headers={**bearer(w.token), "content-type": "application/json"},
        ),
        413,
        "payload-too-large",
    ),
    Sample(
        "POST",
        "/v1/verify",
        lambda c, _w: c.post("/v1/verify", content=b"{}", headers={"content-type": "text/plain"}),
        415,
        "unsupported-media-type",
    ),
    Sample(
        "POST",
        "/v1/verify",
        lambda c, _w: c.post("/v1/verify", json={"url": f"{BASE_URL}/credentials/{uuid.uuid4()}"}),
        404,
        "credential-not-found",
    ),
    Sample(
        "GET",
        "/v1/issuers/{slug}/credentials",
        lambda c, w: c.get(f"/v1/issuers/{w.slug}/credentials?limit=0", headers=bearer(w.token)),
        422,
        "validation-error",
    ),
    Sample(
        "GET",
        "/status/{slug}/{sequence}/{purpose}",
        lambda c, w: c.get(f"/status/{w.slug}/1/no-such-purpose"),
        404,
        "status-list-not-found",
    ),
    Sample(
        "POST",
        "/v1/issuers/{slug}/keys",
        lambda c, w: c.post(f"/v1/issuers/{w.slug}/keys", json={"type": "Ed25519"}, headers=bearer(w.token)),
        409,
        "active-key-exists",
    ),
    Sample(
        "POST",
        "/credentials/verify",
        lambda c, _w: c.post("/credentials/verify", json={"verifiableCredential": {"a": 1}}),
        400,
    ),
    Sample(
        "POST",
        "/issuers/{slug}/oid4vci/token",
        lambda c, w: c.post(f"/issuers/{w.slug}/oid4vci/token", data={"grant_type": "password"}),
        400,
    ),
    Sample("POST", "/v1/issuers/{slug}/credentials", _replayed_issuance, 200),
    Sample(
        "GET",
        "/issuers/{slug}/did.json",
        lambda c, w: c.get(f"/issuers/{w.slug}/did.json"),
        200,
    ),
    Sample(
        "GET",
        "/v1/issuers/{slug}/credentials/{credential_id}",
        lambda c, w: c.get(f"/v1/issuers/{w.slug}/credentials/{w.credential_id}", headers=bearer(w.token)),
        200,
    ),
    Sample(
        "GET",
        "/offers/{offer_id}/qr.png",
        lambda c, w: c.get(f"/offers/{w.offer_id}/qr.png"),
        200,
    ),
]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: f"{s.status} {s.method} {s.template}")
def test_what_an_operation_answers_is_declared(
    client: SyncClient, world: World, document: Document, sample: Sample
) -> None:
    r = sample.send(client, world)
    assert r.status_code == sample.status, r.text[:500]
    if sample.problem is not None:
        assert r.headers["content-type"].split(";")[0] == PROBLEM_JSON
        assert r.json()["type"] == problem_type(sample.problem)
    _conforms(document, sample.method, sample.template, r)
