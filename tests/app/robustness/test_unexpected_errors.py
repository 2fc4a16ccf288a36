"""Issue 14, beyond each finding: an unexpected exception anywhere below a route is a 500
``internal-error`` problem (with the request id), logged once with the exception's type, the types it
came from, the route and the request id, and neither its message nor the request's values (either can
hold a learner's identifier or a token); the request's transaction is rolled back. Validation errors
raised below the routes (a pydantic model built from a request value, our own validators' errors) are
422 problems, not 500s."""

from __future__ import annotations

from typing import Any

import pytest

from app.achievements import service as achievements_service
from app.audit import service as audit_service
from app.tenants import service as tenants_service
from app.testing import SyncClient
from issuer.achievement import AchievementError
from media.errors import MediaError
from schemas.api import RecipientIn
from tests.app.robustness.common import assert_problem, log_text, make_issuer
from tests.conftest import ADMIN, new_slug, tenant_body

SECRET = "secret-value"


def _raise(exc: BaseException) -> Any:
    def raiser(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return raiser


def _unhandled(caplog: pytest.LogCaptureFixture) -> list[Any]:
    return [r for r in caplog.records if r.getMessage() == "unhandled error"]


def test_an_unexpected_exception_is_a_500_problem_logged_without_values(
    client: SyncClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_service, "list_events", _raise(RuntimeError(SECRET)))
    with caplog.at_level("DEBUG", logger="shomei"):
        r = client.get("/v1/audit", headers={**ADMIN, "X-Request-ID": "robustness-unexpected-1"})
    problem = assert_problem(r, 500, "internal-error")
    assert SECRET not in r.text and "detail" in problem
    assert r.headers["x-request-id"] == "robustness-unexpected-1"
    (record,) = _unhandled(caplog)
    assert record.levelname == "ERROR" and record.exc_info is None
    assert record.error_type == "RuntimeError"
    assert record.route == "/v1/audit" and record.method == "GET"
    assert record.request_id == "robustness-unexpected-1"
    assert any("app/audit/endpoints.py" in frame for frame in record.frames), record.frames
    assert SECRET not in log_text(caplog)


def test_a_chained_exception_names_its_causes_not_their_messages(
    client: SyncClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    issuer = make_issuer(client)

    def fails(*args: Any, **kwargs: Any) -> Any:
        try:
            raise KeyError(f"{SECRET}-cause")
        except KeyError as exc:
            raise RuntimeError(SECRET) from exc

    monkeypatch.setattr(achievements_service, "list_templates", fails)
    with caplog.at_level("DEBUG", logger="shomei"):
        r = client.get(f"/v1/issuers/{issuer.slug}/achievements", headers=issuer.auth)
    assert_problem(r, 500, "internal-error")
    (record,) = _unhandled(caplog)
    assert (record.error_type, record.caused_by) == ("RuntimeError", ["KeyError"])
    assert record.route == "/v1/issuers/{slug}/achievements"
    assert SECRET not in log_text(caplog)


def test_the_request_body_is_not_logged_and_nothing_is_written(
    client: SyncClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = tenants_service.create

    def create_then_fail(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)  # the tenant row and its audit row are written in the transaction
        raise RuntimeError(SECRET)

    monkeypatch.setattr(tenants_service, "create", create_then_fail)
    slug = new_slug()
    name = f"University {SECRET} of the logs"
    with caplog.at_level("DEBUG", logger="shomei"):
        r = client.post("/v1/issuers", json=tenant_body(slug, name=name), headers=ADMIN)
    assert_problem(r, 500, "internal-error")
    assert SECRET not in log_text(caplog) and slug not in log_text(caplog)
    monkeypatch.undo()
    assert_problem(client.get(f"/v1/issuers/{slug}", headers=ADMIN), 404, "not-found")


def test_a_model_validated_below_the_route_is_a_422_problem(
    client: SyncClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def builds_a_model(*args: Any, **kwargs: Any) -> Any:
        return RecipientIn(email=f"{SECRET}@no-dot")

    monkeypatch.setattr(audit_service, "list_events", builds_a_model)
    with caplog.at_level("DEBUG", logger="shomei"):
        r = client.get("/v1/audit", headers=ADMIN)
    problem = assert_problem(r, 422, "validation-error")
    assert [e["loc"] for e in problem["errors"]] == [["email"]]
    assert SECRET not in r.text  # the input is not echoed either
    assert not _unhandled(caplog) and SECRET not in log_text(caplog)


def test_our_validators_errors_below_the_route_are_422_problems(
    client: SyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = [{"path": "$.name", "message": "'name' is required"}]
    monkeypatch.setattr(audit_service, "list_events", _raise(AchievementError("no name", missing)))
    problem = assert_problem(client.get("/v1/audit", headers=ADMIN), 422, "invalid-achievement")
    assert problem["errors"] == missing
    monkeypatch.setattr(audit_service, "list_events", _raise(MediaError("not a PNG")))
    assert_problem(client.get("/v1/audit", headers=ADMIN), 422, "validation-error")
