"""A separate worker process for the concurrency test: its own app, engine and connection pool, issuing
``count`` credentials through the HTTP API. Prints one JSON line with the ids it got."""

from __future__ import annotations

import json
import sys

from app.main import create_app
from tests.conftest import SyncClient, bearer, make_settings


def main(database_url: str, slug: str, token: str, template_id: str, count: int, list_size: int) -> None:
    client = SyncClient(
        create_app(make_settings(database_url, status_list_size=list_size, auto_migrate=False))
    )
    ids: list[str] = []
    failures: list[str] = []
    try:
        for n in range(count):
            r = client.post(
                f"/v1/issuers/{slug}/credentials",
                json={"achievement_id": template_id, "recipient": {"id": f"did:example:{n}"}},
                headers=bearer(token),
            )
            if r.status_code == 201:
                ids.append(r.json()["credential_id"])
            else:
                failures.append(f"{r.status_code} {r.text[:300]}")
    finally:
        client.close()
    print(json.dumps({"ids": ids, "failures": failures}))  # noqa: T201


if __name__ == "__main__":
    url, slug, token, template_id, count, size = sys.argv[1:7]
    main(url, slug, token, template_id, int(count), int(size))
