"""The ``shomei`` client commands, run as an operator's pipeline runs them (a subprocess), against a live
server (``issue``, ``verify``, ``revoke``) and against a small fake of the jobs API (``bulk``, ``jobs show``:
the jobs endpoints are built on another branch; the fake answers with the shape they promise). Exit codes:
0 done, 1 not verified / rows failed, 2 usage, 3 server or network error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.app.helpers import template_body
from tests.cli_runner import run_cli
from tests.conftest import ADMIN, tenant_body
from tests.live import free_port, live_server
from tests.paths import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("cli-client")]


@dataclass(frozen=True)
class Issuer:
    base: str
    slug: str
    token: str
    template: str

    def env(self, **extra: str) -> dict[str, str]:
        return {"SHOMEI_URL": self.base, "SHOMEI_TOKEN": self.token, "SHOMEI_ISSUER": self.slug, **extra}


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issuer]:
    with live_server(tmp_path_factory.mktemp("cli-client")) as base, httpx.Client(base_url=base) as http:
        slug = "cli-uni"
        assert http.post("/v1/issuers", json=tenant_body(slug), headers=ADMIN).status_code == 201
        for key_type in ("Ed25519", "P-256"):
            r = http.post(f"/v1/issuers/{slug}/keys", json={"type": key_type}, headers=ADMIN)
            assert r.status_code == 201, r.text
        r = http.post(
            f"/v1/issuers/{slug}/tokens", json={"scopes": ["issue", "revoke", "read"]}, headers=ADMIN
        )
        token = r.json()["token"]
        r = http.post(
            f"/v1/issuers/{slug}/achievements",
            json=template_body(),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 201, r.text
        yield Issuer(base, slug, token, r.json()["id"])


def _json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


def _count(issuer: Issuer) -> int:
    r = httpx.get(
        f"{issuer.base}/v1/issuers/{issuer.slug}/credentials",
        params={"limit": 200},
        headers={"Authorization": f"Bearer {issuer.token}"},
    )
    return len(r.json()["items"])


def test_issue_twice_issues_once_then_verify_and_revoke(issuer: Issuer, tmp_path: Path) -> None:
    args = ["issue", "--template", issuer.template, "--recipient-email", "aiko@example.org", "--json"]
    before = _count(issuer)
    first = run_cli(issuer.env(), *args, "--given-name", "Aiko")
    assert first.returncode == 0, first.stderr
    issued = _json(first)
    assert issued["replayed"] is False and issued["formats"] == ["ldp_vc"]
    again = run_cli(issuer.env(), *args, "--given-name", "Aiko")  # the pipeline runs again
    assert again.returncode == 0, again.stderr
    assert _json(again)["credential_id"] == issued["credential_id"] and _json(again)["replayed"] is True
    other = run_cli(issuer.env(), *args, "--given-name", "Aiko", "--format", "jwt_vc_json")
    assert other.returncode == 0 and _json(other)["credential_id"] != issued["credential_id"]
    assert _count(issuer) == before + 2

    by_url = run_cli(issuer.env(), "verify", issued["id"], "--json")
    assert by_url.returncode == 0, by_url.stdout + by_url.stderr
    assert _json(by_url)["verified"] is True
    document = issued["credentials"]["ldp_vc"]
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(document))
    assert run_cli(issuer.env(), "verify", str(path)).returncode == 0
    jwt = tmp_path / "credential.jwt"
    jwt.write_text(_json(other)["credentials"]["jwt_vc_json"])
    assert run_cli(issuer.env(), "verify", str(jwt)).returncode == 0
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps({**document, "name": "Something else"}))
    bad = run_cli(issuer.env(), "verify", str(tampered), "--json")
    assert bad.returncode == 1 and _json(bad)["verified"] is False

    revoked = run_cli(issuer.env(), "revoke", issued["id"], "--reason", "issued_in_error", "--json")
    assert revoked.returncode == 0, revoked.stderr
    assert _json(revoked)["status"] == "revoked"
    twice = run_cli(issuer.env(), "revoke", issued["credential_id"], "--reason", "issued_in_error", "--json")
    assert twice.returncode == 0 and _json(twice)["already"] is True
    after = run_cli(issuer.env(), "verify", str(path), "--json")
    assert after.returncode == 1
    assert any(c["outcome"] == "failed" and c["id"] == "status" for c in _json(after)["checks"])


def test_exit_codes_for_usage_refusals_and_network_errors(issuer: Issuer, tmp_path: Path) -> None:
    missing = run_cli(issuer.env(), "issue", "--recipient-email", "a@example.org")  # no --template
    assert missing.returncode == 2
    both = run_cli(issuer.env(), "issue", "--template", issuer.template)
    assert both.returncode == 2 and "missing-recipient" in both.stderr
    no_issuer = run_cli({"SHOMEI_URL": issuer.base}, "revoke", "x", "--reason", "issued_in_error")
    assert no_issuer.returncode == 2 and "missing-issuer" in no_issuer.stderr
    unknown = run_cli(
        issuer.env(),
        "revoke",
        "7b0c1c8e-9f1f-4a51-9d67-2b9a4ad1a001",
        "--reason",
        "issued_in_error",
        "--json",
    )
    assert unknown.returncode == 2 and _json(unknown)["error"] == "credential-not-found"
    bad_reason = run_cli(
        issuer.env(), "issue", "--template", "not-a-uuid", "--recipient-email", "a@example.org"
    )
    assert bad_reason.returncode == 2 and "validation-error" in bad_reason.stderr
    unreadable = run_cli(issuer.env(), "verify", str(tmp_path / "absent.json"))
    assert unreadable.returncode == 2 and "unreadable-file" in unreadable.stderr
    down = run_cli(issuer.env(SHOMEI_URL=f"http://127.0.0.1:{free_port()}"), "jobs", "show", "j1")
    assert down.returncode == 3 and "network-error" in down.stderr
    assert issuer.token not in down.stderr + down.stdout


# --- bulk and jobs show, against a fake of the jobs API ---------------------------------------------------


@dataclass
class FakeJobs:
    """POST /v1/issuers/{slug}/jobs and GET .../jobs/{id}: the job advances by 4 rows per poll."""

    total: int = 10
    failed: int = 0
    uploads: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    polls: int = 0

    def job(self) -> dict[str, Any]:
        finished = min(self.total, 4 * self.polls)
        failed = min(self.failed, finished)
        ended = finished == self.total
        return {
            "id": "job-1",
            "status": "succeeded" if ended else "running",
            "total": self.total,
            "done": finished - failed,
            "failed": failed,
            "rate_per_s": 40.0,
            "eta_s": 0 if ended else (self.total - finished) / 40,
        }


@pytest.fixture
def fake_jobs() -> Iterator[tuple[str, FakeJobs]]:
    fake = FakeJobs()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            fake.uploads.append((dict(self.headers.items()), body))
            self._answer(
                202, {**fake.job(), "status": "queued", "links": {"self": "/v1/issuers/uu/jobs/job-1"}}
            )

        def do_GET(self) -> None:
            if self.path != "/v1/issuers/uu/jobs/job-1":
                self._answer(404, {"type": "https://w3id.org/shomei/problems/not-found", "status": 404})
                return
            fake.polls += 1
            self._answer(200, fake.job())

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", fake
    finally:
        server.shutdown()
        server.server_close()


def _bulk_env(base: str) -> dict[str, str]:
    return {"SHOMEI_URL": base, "SHOMEI_TOKEN": "shm_fake-token-for-the-fake-server", "SHOMEI_ISSUER": "uu"}


def test_bulk_waits_with_progress_and_derives_its_key(
    fake_jobs: tuple[str, FakeJobs], tmp_path: Path
) -> None:
    base, fake = fake_jobs
    rows = tmp_path / "cohort.csv"
    rows.write_text("email,given_name,family_name\na@example.org,Aiko,Tanaka\n")
    args = ["bulk", str(rows), "--template", "tpl-1", "--interval", "0.05"]
    started = run_cli(_bulk_env(base), *args, "--json")
    assert started.returncode == 0, started.stderr
    assert _json(started)["status"] == "queued" and fake.polls == 0
    headers, body = fake.uploads[0]
    assert headers["Authorization"] == "Bearer shm_fake-token-for-the-fake-server"
    assert b'name="template_id"' in body and b"tpl-1" in body and b"a@example.org,Aiko,Tanaka" in body
    assert b'name="dry_run"' in body and b'filename="cohort.csv"' in body

    waited = run_cli(_bulk_env(base), *args, "--wait")
    assert waited.returncode == 0, waited.stderr
    assert "10 of 10 done" in waited.stdout and "0 failed" in waited.stdout
    assert fake.polls == 3
    assert "10/10" in waited.stderr  # the progress bar's last state
    keys = [h["Idempotency-Key"] for h, _ in fake.uploads]
    assert keys[0] == keys[1]  # the same file and options: the same key, nothing issued twice

    run_cli(_bulk_env(base), *args, "--dry-run")
    rows.write_text("email,given_name,family_name\nb@example.org,Ren,Sato\n")
    run_cli(_bulk_env(base), *args)
    assert len({h["Idempotency-Key"] for h, _ in fake.uploads}) == 3


def test_bulk_and_jobs_show_exit_1_when_rows_failed(fake_jobs: tuple[str, FakeJobs], tmp_path: Path) -> None:
    base, fake = fake_jobs
    fake.failed = 2
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"email": "a@example.org"}\n')
    waited = run_cli(
        _bulk_env(base), "bulk", str(rows), "--template", "t", "--wait", "--interval", "0.05", "--json"
    )
    assert waited.returncode == 1
    assert _json(waited)["failed"] == 2 and _json(waited)["status"] == "succeeded"
    assert b"application/jsonl" in fake.uploads[0][1]
    shown = run_cli(_bulk_env(base), "jobs", "show", "job-1", "--json")
    assert shown.returncode == 1 and _json(shown)["failed"] == 2
    missing = run_cli(_bulk_env(base), "jobs", "show", "job-2")
    assert missing.returncode == 2 and "not-found" in missing.stderr


def test_the_example_ci_script_issues_once_and_verifies(issuer: Issuer, tmp_path: Path) -> None:
    """examples/ci/issue-cohort.sh, run twice as a re-run pipeline would: one credential, verified."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SHOMEI_")},
        **issuer.env(),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "TEMPLATE_ID": issuer.template,
        "LEARNER_EMAIL": "ren.sato@example.org",
    }
    before = _count(issuer)
    for _ in range(2):
        run = subprocess.run(
            ["sh", str(ROOT / "examples" / "ci" / "issue-cohort.sh")],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert run.stdout.strip().endswith("verified")
    assert _count(issuer) == before + 1


def test_bulk_against_the_real_jobs_api(issuer: Issuer, tmp_path: Path) -> None:
    """The whole pipeline story on a live server (its in-process worker on SQLite): a dry run names the
    bad row and exits 1, the real run issues the good rows and exits 1 for the bad one, and running the
    pipeline again starts nothing new."""
    rows = tmp_path / "term.csv"
    rows.write_text(
        "email,given_name,family_name\nbulk-a@example.org,Aiko,Tanaka\nbulk-b@example.org,Ren,Sato\n"
        "not-an-email,Kai,Ito\n"
    )
    args = ["bulk", str(rows), "--template", issuer.template, "--interval", "0.1", "--json"]
    before = _count(issuer)
    dry = run_cli(issuer.env(), *args, "--dry-run", "--wait")
    assert dry.returncode == 1, dry.stderr
    report = _json(dry)
    assert (report["valid"], report["failed"]) == (2, 1)
    assert [e["row"] for e in report["errors"]] == [3]
    assert _count(issuer) == before

    first = run_cli(issuer.env(), *args, "--wait")
    assert first.returncode == 1, first.stderr
    job = _json(first)
    assert (job["status"], job["issued"], job["failed"]) == ("succeeded", 2, 1)
    assert _count(issuer) == before + 2
    again = run_cli(issuer.env(), *args, "--wait")
    assert _json(again)["id"] == job["id"]
    assert _count(issuer) == before + 2
    shown = run_cli(issuer.env(), "jobs", "show", job["id"], "--json")
    assert shown.returncode == 1 and _json(shown)["issued"] == 2
