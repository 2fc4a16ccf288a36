"""Issue 16 acceptance, on SQLite and PostgreSQL: a 1,000-row CSV job with 10 bad rows issues 990 and fails
10 with their problem types; the same upload again issues nothing new. VC-JWT keeps the run fast (the
issuance path is the same for every format); the duration is printed."""

from __future__ import annotations

import csv
import io
import json
import time
from collections import Counter

from app.errors import problem_type
from tests.app.helpers import create_template
from tests.app.jobs.helpers import (
    csv_upload,
    learner,
    new_key,
    post_job,
    stored_credentials,
    wait_finished,
    worker_thread,
)
from tests.conftest import SyncClient, bearer, make_tenant

ROWS = 1000

# Row number -> (what is wrong with it, the problem type it must end with).
BAD = {
    17: ({"email": ""}, "validation-error"),  # no recipient at all
    101: ({"email": "not-an-email"}, "validation-error"),
    202: ({"valid_from": "2026-09-01T00:00:00Z", "valid_until": "2026-01-01T00:00:00Z"}, "validation-error"),
    303: ({"valid_from": "2026-09-01T00:00:00"}, "validation-error"),  # no time zone
    404: ({"template_id": "00000000-0000-4000-8000-000000000404"}, "achievement-not-found"),
    505: ({"template_id": "not-a-uuid"}, "validation-error"),
    606: ({"result": "{not json"}, "validation-error"),
    707: ({"email": "", "given_name": ""}, "validation-error"),
    808: ({"valid_until": "yesterday"}, "validation-error"),
    909: ({"template_id": "ARCHIVED"}, "achievement-archived"),
}


def test_thousand_rows_ten_bad_then_the_same_upload_again(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    r = client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=bearer(token))
    assert r.status_code == 201, r.text  # VC-JWT signs with ES256
    template_id = create_template(client, slug, token)
    archived = create_template(client, slug, token)
    assert (
        client.delete(f"/v1/issuers/{slug}/achievements/{archived}", headers=bearer(token)).status_code == 204
    )
    rows = []
    for n in range(1, ROWS + 1):
        row = learner(n)
        change, _ = BAD.get(n, ({}, ""))
        row.update(change)
        if row.get("template_id") == "ARCHIVED":
            row["template_id"] = archived
        rows.append(row)
    upload = csv_upload(rows)
    key = new_key()

    started = time.perf_counter()
    with worker_thread(client):
        r = post_job(client, slug, token, upload, key=key, template_id=template_id, formats="jwt_vc_json")
        assert r.status_code == 202, r.text
        job = r.json()
        assert job["total"] == ROWS and job["status"] in ("queued", "running", "succeeded")
        assert r.headers["Location"] == job["links"]["self"]
        done = wait_finished(client, slug, token, job["id"])
    elapsed = time.perf_counter() - started
    print(f"\n1,000-row job (jwt_vc_json): {elapsed:.1f} s, {done['rate_per_s']} rows/s")  # noqa: T201

    assert done["status"] == "succeeded"
    assert (done["total"], done["done"], done["issued"], done["failed"], done["pending"]) == (
        1000,
        1000,
        990,
        10,
        0,
    )
    assert done["rate_per_s"] > 0 and done["eta_s"] is None

    lines = [
        json.loads(line)
        for line in client.get(done["links"]["results"], headers=bearer(token)).text.splitlines()
    ]
    assert [line["row"] for line in lines] == list(range(1, ROWS + 1))
    failed = {line["row"]: line["problem"]["type"] for line in lines if line["status"] == "failed"}
    assert failed == {n: problem_type(kind) for n, (_, kind) in BAD.items()}
    issued = [line for line in lines if line["status"] == "issued"]
    assert len({line["credential_id"] for line in issued}) == 990
    assert all(
        line["credential_url"].endswith(line["credential_id"]) and not line["replayed"] for line in issued
    )

    stored = stored_credentials(client, slug)
    assert len(stored) == 990
    assert len({(c.status_list_id, c.status_index) for c in stored}) == 990  # status indexes unique
    assert {str(c.id) for c in stored} == {line["credential_id"] for line in issued}

    # The same upload again: the same job, nothing new issued.
    with worker_thread(client):
        again = post_job(client, slug, token, upload, key=key, template_id=template_id, formats="jwt_vc_json")
        assert again.status_code == 202, again.text
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json()["id"] == job["id"] and again.json()["issued"] == 990
    assert len(stored_credentials(client, slug)) == 990

    # The results as CSV.
    r = client.get(done["links"]["results"], headers=bearer(token) | {"Accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert Counter(row["status"] for row in table) == {"issued": 990, "failed": 10}
    assert table[403]["problem_type"] == problem_type("achievement-not-found")
