"""The jobs API on SQLite and PostgreSQL: the upload forms (CSV with a column mapping, JSON Lines, a JSON
body), per-row keys, a dry run, cancel, list, scopes, wallet offers per row, and the refusals (each by its
problem type)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.errors import problem_type
from tests.app.helpers import create_template
from tests.app.jobs.helpers import (
    RESULT,
    audit_actions,
    csv_upload,
    learner,
    new_key,
    post_job,
    stored_credentials,
    wait_finished,
    worker_thread,
)
from tests.conftest import SyncClient, bearer, make_tenant


@pytest.fixture
def issuer(client: SyncClient) -> tuple[str, str, str]:
    slug, token = make_tenant(client)
    return slug, token, create_template(client, slug, token)


def results(client: SyncClient, token: str, job: dict[str, Any]) -> list[dict[str, Any]]:
    r = client.get(job["links"]["results"], headers=bearer(token))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson"), r.text
    return [json.loads(line) for line in r.text.splitlines()]


def test_csv_with_a_column_mapping_and_row_keys(client: SyncClient, issuer: tuple[str, str, str]) -> None:
    slug, token, template_id = issuer
    rows = [
        {"Student e-mail": "a@example.org", "First": "Aiko", "Key": "sis-1", "result": RESULT},
        {"Student e-mail": "b@example.org", "First": "Ben", "Key": "sis-2", "result": RESULT},
    ]
    upload = csv_upload(rows, columns=("Student e-mail", "First", "Key", "result"))
    mapping = json.dumps({"email": "Student e-mail", "given_name": "First", "idempotency_key": "Key"})
    with worker_thread(client):
        r = post_job(client, slug, token, upload, template_id=template_id, mapping=mapping)
        assert r.status_code == 202, r.text
        job = wait_finished(client, slug, token, r.json()["id"])
        assert job["issued"] == 2
        lines = results(client, token, job)
        assert [line["idempotency_key"] for line in lines] == ["sis-1", "sis-2"]
        # Another job with the same row keys (a pipeline run again): nothing issued twice.
        r = post_job(client, slug, token, upload, template_id=template_id, mapping=mapping)
        again = wait_finished(client, slug, token, r.json()["id"])
    assert again["id"] != job["id"] and again["issued"] == 2
    replayed = results(client, token, again)
    assert all(line["replayed"] for line in replayed)
    assert [x["credential_id"] for x in replayed] == [x["credential_id"] for x in lines]
    assert len(stored_credentials(client, slug)) == 2


def test_jsonl_upload_and_json_body(client: SyncClient, issuer: tuple[str, str, str]) -> None:
    slug, token, template_id = issuer
    row = {
        "identifier": "S-1001",
        "given_name": "Aiko",
        "result": json.loads(RESULT),
        "template_id": template_id,
    }
    jsonl = (json.dumps(row) + "\n\n" + "[1, 2]\n" + "{not json\n").encode()
    body = {"rows": [{"id": "did:example:learner-1"}, "a string"], "template_id": template_id}
    with worker_thread(client):
        r = post_job(client, slug, token, jsonl, filename="rows.jsonl")
        assert r.status_code == 202, r.text
        first = wait_finished(client, slug, token, r.json()["id"])
        r = client.post(f"/v1/issuers/{slug}/jobs", json=body, headers=bearer(token))
        assert r.status_code == 202, r.text
        second = wait_finished(client, slug, token, r.json()["id"])
    assert (first["total"], first["issued"], first["failed"]) == (3, 1, 2)
    assert [x["problem"]["type"] for x in results(client, token, first)[1:]] == [
        problem_type("unreadable-row")
    ] * 2
    assert (second["issued"], second["failed"]) == (1, 1)


def test_dry_run_reports_every_bad_row_and_issues_nothing(
    client: SyncClient, issuer: tuple[str, str, str]
) -> None:
    slug, token, template_id = issuer
    rows = [
        learner(1),
        {**learner(2), "email": "nope"},
        learner(3),
        {**learner(4), "valid_until": "2020-01-01"},
    ]
    rows.append({**learner(5), "template_id": "00000000-0000-4000-8000-000000000000"})
    r = post_job(client, slug, token, csv_upload(rows), template_id=template_id, dry_run="true")
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["dry_run"], report["total"], report["valid"], report["failed"]) == (True, 5, 2, 3)
    assert [(e["row"], e["problem"]["type"]) for e in report["errors"]] == [
        (2, problem_type("validation-error")),
        (4, problem_type("validation-error")),
        (5, problem_type("achievement-not-found")),
    ]
    # Each row is secured as a real run would (then thrown away): a format without its key shows too.
    r = post_job(
        client,
        slug,
        token,
        csv_upload(rows[:1]),
        template_id=template_id,
        dry_run="true",
        formats="jwt_vc_json",
    )
    assert [e["problem"]["type"] for e in r.json()["errors"]] == [problem_type("signing-key-missing")]
    assert stored_credentials(client, slug) == []
    assert client.get(f"/v1/issuers/{slug}/jobs", headers=bearer(token)).json()["items"] == []


def test_a_profile_rule_fails_in_the_dry_run_as_in_the_real_run(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    template_id = create_template(client, slug, token)
    rows = [
        {**learner(1), "result": json.dumps([{"type": ["Result"], "value": "A", "resultDescription": 5}])}
    ]
    r = post_job(client, slug, token, csv_upload(rows), template_id=template_id, dry_run="1")
    assert r.status_code == 200, r.text
    (error,) = r.json()["errors"]
    with worker_thread(client):
        r = post_job(client, slug, token, csv_upload(rows), template_id=template_id)
        job = wait_finished(client, slug, token, r.json()["id"])
    assert job["status"] == "failed"  # no row issued
    assert results(client, token, job)[0]["problem"]["type"] == error["problem"]["type"]
    assert audit_actions(client, slug).get("job.failed") == 1


def test_cancel_list_and_events(client: SyncClient, issuer: tuple[str, str, str]) -> None:
    slug, token, template_id = issuer
    # No worker on PostgreSQL here, and on SQLite the cancel may race the in-process worker: either way
    # every row ends issued or cancelled, and a finished job refuses a second cancel.
    r = post_job(client, slug, token, csv_upload([learner(n) for n in range(40)]), template_id=template_id)
    job = r.json()
    r = client.post(f"/v1/issuers/{slug}/jobs/{job['id']}/cancel", headers=bearer(token))
    if r.status_code == 200:
        cancelled = r.json()
        assert cancelled["status"] == "cancelled"
        assert cancelled["cancelled"] + cancelled["issued"] == 40
        assert {x["status"] for x in results(client, token, cancelled)} <= {"issued", "cancelled"}
        r = client.post(f"/v1/issuers/{slug}/jobs/{job['id']}/cancel", headers=bearer(token))
    assert r.status_code == 409 and r.json()["type"] == problem_type("job-finished")

    with worker_thread(client):
        r = post_job(client, slug, token, csv_upload([learner(1)]), template_id=template_id)
        done = wait_finished(client, slug, token, r.json()["id"])
    listed = client.get(f"/v1/issuers/{slug}/jobs?limit=1", headers=bearer(token)).json()
    assert [item["id"] for item in listed["items"]] == [done["id"]] and listed["next_offset"] == 1
    actions = audit_actions(client, slug)
    assert actions["job.create"] == 2 and actions["job.completed"] == 1


def test_offer_per_row(client: SyncClient, issuer: tuple[str, str, str]) -> None:
    slug, token, template_id = issuer
    with worker_thread(client):
        r = post_job(
            client, slug, token, csv_upload([learner(1)]), template_id=template_id, offer_formats="ldp_vc"
        )
        assert r.status_code == 202, r.text
        job = wait_finished(client, slug, token, r.json()["id"])
    (line,) = results(client, token, job)
    offer = line["offer"]
    assert offer["offer_uri"].startswith("openid-credential-offer://") and "tx_code" not in offer
    assert client.get(offer["credential_offer_uri"]).status_code == 200


def test_scopes_and_other_issuers(client: SyncClient, issuer: tuple[str, str, str]) -> None:
    slug, token, template_id = issuer
    _, read_only = make_tenant(client, scopes=["read"])
    other, other_token = make_tenant(client)
    upload = csv_upload([learner(1)])
    r = post_job(client, slug, token, upload, template_id=template_id)
    job_id = r.json()["id"]
    path = f"/v1/issuers/{slug}/jobs/{job_id}"
    assert client.get(path, headers=bearer(other_token)).status_code == 404
    r = client.get(f"/v1/issuers/{other}/jobs/{job_id}", headers=bearer(other_token))
    assert r.status_code == 404 and r.json()["type"] == problem_type("job-not-found")
    r = post_job(client, slug, read_only, upload, template_id=template_id)
    assert r.status_code in (403, 404)


@pytest.mark.parametrize(
    ("upload", "fields", "status", "kind"),
    [
        (b"", {}, 400, "invalid-upload"),
        (b"email\n", {}, 422, "empty-job"),
        (b"\xff\xfe", {}, 400, "invalid-upload"),
        (b'{"rows": 1}', {"filename": "x.json"}, 400, "invalid-upload"),
        (b"a,a\n1,2\n", {}, 400, "invalid-upload"),
        (b"email\nx@example.org\n", {"mapping": '{"nope": "email"}'}, 422, "invalid-mapping"),
        (b"email\nx@example.org\n", {"mapping": "{"}, 422, "invalid-mapping"),
        (b"email\nx@example.org\n", {"formats": "pdf"}, 422, "validation-error"),
        (
            b"email\nx@example.org\n",
            {"template_id": "00000000-0000-4000-8000-000000000000"},
            404,
            "achievement-not-found",
        ),
    ],
)
def test_refused_uploads(
    client: SyncClient,
    issuer: tuple[str, str, str],
    upload: bytes,
    fields: dict[str, str],
    status: int,
    kind: str,
) -> None:
    slug, token, _ = issuer
    form = dict(fields)  # the parameters are shared by both databases' runs
    filename = form.pop("filename", "rows.csv")
    r = post_job(client, slug, token, upload, filename=filename, **form)
    assert r.status_code == status, r.text
    assert r.json()["type"] == problem_type(kind)


def test_refused_bodies(client: SyncClient, issuer: tuple[str, str, str]) -> None:
    slug, token, template_id = issuer
    path = f"/v1/issuers/{slug}/jobs"
    r = client.post(path, content=b"email\n", headers=bearer(token) | {"Content-Type": "text/csv"})
    assert r.status_code == 415 and r.json()["type"] == problem_type("unsupported-media-type")
    r = client.post(path, files={"other": ("x.csv", b"email\n")}, headers=bearer(token))
    assert r.status_code == 400 and r.json()["type"] == problem_type("missing-file")
    r = client.post(path, json={"rows": "no"}, headers=bearer(token))
    assert r.status_code == 422 and r.json()["type"] == problem_type("validation-error")
    r = client.post(path, content=b"{", headers=bearer(token) | {"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["type"] == problem_type("malformed-json")
    key = new_key()
    r = client.post(
        path,
        json={"rows": [learner(1)], "template_id": template_id},
        headers=bearer(token) | {"Idempotency-Key": key},
    )
    assert r.status_code == 202, r.text
    r = client.post(
        path,
        json={"rows": [learner(2)], "template_id": template_id},
        headers=bearer(token) | {"Idempotency-Key": key},
    )
    assert r.status_code == 409 and r.json()["type"] == problem_type("idempotency-key-reused")
