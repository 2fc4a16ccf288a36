"""``/metrics``: requests by route template (never a raw path), credentials issued by format,
verifications by outcome, status list publications; protection by a token; multi-process mode."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.errors import problem_type
from app.main import create_app
from app.testing import SyncClient
from tests.app.helpers import create_template, issue
from tests.conftest import ADMIN, bearer, make_settings, make_tenant
from tests.paths import ROOT


def _value(client: SyncClient, name: str, **labels: str) -> float:
    text = client.get("/metrics").text
    total = 0.0
    for line in text.splitlines():
        if not line.startswith((name + "{", name + " ")):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.rsplit(" ", 1)[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_count_issuance_verification_and_publication(client: SyncClient) -> None:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    before_ld = _value(client, "shomei_credentials_issued_total", format="ldp_vc")
    before_jwt = _value(client, "shomei_credentials_issued_total", format="jwt_vc_json")
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc", "jwt_vc_json"])
    assert _value(client, "shomei_credentials_issued_total", format="ldp_vc") == before_ld + 1
    assert _value(client, "shomei_credentials_issued_total", format="jwt_vc_json") == before_jwt + 1

    verified = _value(client, "shomei_verifications_total", outcome="verified")
    failed = _value(client, "shomei_verifications_total", outcome="not-verified")
    assert client.post("/v1/verify", json={"credential": out["credentials"]["ldp_vc"]}).json()["verified"]
    tampered = {**out["credentials"]["ldp_vc"], "name": "Something else"}
    assert not client.post("/v1/verify", json={"credential": tampered}).json()["verified"]
    assert _value(client, "shomei_verifications_total", outcome="verified") == verified + 1
    assert _value(client, "shomei_verifications_total", outcome="not-verified") == failed + 1

    published = _value(client, "shomei_status_list_publications_total")
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{out['credential_id']}/status",
        json={"action": "revoke", "reason": "issued_in_error"},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    entry = out["credentials"]["ldp_vc"]["credentialStatus"][0]["statusListCredential"]
    path = "/" + entry.split("/", 3)[3]
    assert client.get(path).status_code == 200, path
    assert _value(client, "shomei_status_list_publications_total") == published + 1


def test_routes_are_labelled_by_template_never_by_raw_path(client: SyncClient) -> None:
    credential = "7d1e6f0a-3c51-4b9e-8f2a-5d6c7b8a9e01"
    before = _value(client, "shomei_http_requests_total", route="/credentials/{credential_id}", status="404")
    assert client.get(f"/credentials/{credential}").status_code == 404
    assert client.get("/no/such/path/learner@example.org").status_code == 404
    text = client.get("/metrics").text
    assert credential not in text and "learner@example.org" not in text
    after = _value(client, "shomei_http_requests_total", route="/credentials/{credential_id}", status="404")
    assert after == before + 1
    assert _value(client, "shomei_http_requests_total", route="unmatched") >= 1
    assert (
        _value(client, "shomei_http_request_duration_seconds_count", route="/credentials/{credential_id}")
        >= 1
    )


@pytest.fixture(scope="module")
def guarded(database_url: str) -> Iterator[SyncClient]:
    c = SyncClient(create_app(make_settings(database_url, metrics_token="m" * 32)))
    try:
        yield c
    finally:
        c.close()


def test_a_metrics_token_protects_the_endpoint(guarded: SyncClient) -> None:
    r = guarded.get("/metrics")
    assert r.status_code == 401 and r.json()["type"] == problem_type("unauthorized")
    assert guarded.get("/metrics", headers=bearer("wrong")).status_code == 401
    assert guarded.get("/metrics", headers=bearer("m" * 32)).status_code == 200


def test_metrics_can_be_turned_off(database_url: str) -> None:
    c = SyncClient(create_app(make_settings(database_url, metrics_enabled=False)))
    try:
        r = c.get("/metrics")
        assert r.status_code == 404 and r.json()["type"] == problem_type("not-found")
    finally:
        c.close()


_WORKER = """
import sys
from app.metrics import service
for _ in range(int(sys.argv[1])):
    service.credential_issued("ldp_vc")
"""
_SCRAPE = "from app.metrics import service; import sys; sys.stdout.write(service.exposition().decode())"


def test_multi_process_mode_adds_up_every_worker(tmp_path: Path) -> None:
    """Two worker processes count, a third (whichever answers /metrics) reports the sum."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    for count in ("2", "3"):
        subprocess.run([sys.executable, "-c", _WORKER, count], env=env, check=True, timeout=60)
    done = subprocess.run(
        [sys.executable, "-c", _SCRAPE], env=env, check=True, timeout=60, capture_output=True, text=True
    )
    line = next(
        x
        for x in done.stdout.splitlines()
        if x.startswith('shomei_credentials_issued_total{format="ldp_vc"}')
    )
    assert float(line.rsplit(" ", 1)[1]) == 5.0


def test_the_queues_depth_is_read_at_each_scrape(fresh_database: str) -> None:
    """The job rows and webhook deliveries waiting, from the database (the same from every worker): here
    with no worker and no dispatcher running, so nothing leaves the queues, in a database no other app
    uses (CI once saw 5 pending deliveries where this app made 1)."""
    settings = make_settings(fresh_database, jobs_in_process_worker=False, webhook_dispatcher=False)
    client = SyncClient(create_app(settings))
    try:
        before_rows = _value(client, "shomei_job_rows_pending")
        before_deliveries = _value(client, "shomei_webhook_deliveries_pending")
        slug, token = make_tenant(client)
        template = create_template(client, slug, token)
        rows = [{"email": f"q{n}@example.org"} for n in range(3)]
        r = client.post(
            f"/v1/issuers/{slug}/jobs", json={"rows": rows, "template_id": template}, headers=bearer(token)
        )
        assert r.status_code == 202, r.text
        hook = {"url": "https://lms.example.edu/hook", "events": ["credential.issued"]}
        r = client.post(f"/v1/issuers/{slug}/webhooks", json=hook, headers=bearer(token))
        assert r.status_code == 201, r.text
        assert (
            client.post(
                f"/v1/issuers/{slug}/webhooks/{r.json()['id']}/test", headers=bearer(token)
            ).status_code
            == 202
        )
        assert _value(client, "shomei_job_rows_pending") == before_rows + 3
        assert _value(client, "shomei_webhook_deliveries_pending") == before_deliveries + 1
    finally:
        client.close()
