"""Found by an outside fuzzing round of the status check: an external status list was kept 300 s
(status_list_max_age_seconds) whatever its own ``ttl`` (BSL v1.0 §2.2, milliseconds) or its
``Cache-Control`` said, so a revocation published since stayed invisible. The cache keeps a list no
longer than either allows."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.testing import SyncClient
from proofs.jsonld import bundled_loader
from schemas.problems import problem_type
from tests.app.helpers import mocked_http
from tests.unit.verifier.status_lists import LISTS, credential, entry, status_list

URL = LISTS + "revocation"


def _status(client: SyncClient, vc: dict[str, Any]) -> tuple[str, str | None]:
    r = client.post("/v1/verify", json={"credential": vc})
    assert r.status_code == 200, r.text
    [status] = [c for c in r.json()["checks"] if c["id"] == "status"]
    return status["outcome"], status.get("type")


@pytest.mark.parametrize(
    ("ttl", "headers", "seen"),
    [
        (0, {}, True),  # the list's own ttl: 0 ms
        (None, {"cache-control": "no-store"}, True),
        (None, {"cache-control": "max-age=0"}, True),
        (None, {}, False),  # neither: kept status_list_max_age_seconds, as before
    ],
)
def test_a_list_is_kept_no_longer_than_it_allows(
    client: SyncClient, ttl: int | None, headers: dict[str, str], seen: bool
) -> None:
    loader = bundled_loader()
    url = f"{URL}/{ttl}/{'-'.join(headers.values()) or 'none'}"
    served = {"text": status_list(loader, url=url, ttl=ttl)}
    vc = credential(loader, entry(url=url))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, text=served["text"], headers={"content-type": "application/vc+ld+json", **headers}
        )

    with mocked_http(client, handler):
        assert _status(client, vc) == ("passed", None)
        served["text"] = status_list(loader, url=url, ttl=ttl, set_index=77)
        after = _status(client, vc)
    assert after == (("failed", problem_type("credential-revoked")) if seen else ("passed", None))


def test_a_ttl_beyond_a_floats_range_is_read_not_a_fetch_failure(client: SyncClient) -> None:
    """Found by the regression fuzzing round: ``ttl / 1000`` of a JSON integer beyond a float's range
    raised inside the fetch, and the list was reported "could not be fetched". The list is read (its
    proof then decides: the ttl was changed after signing, so it fails as a signature, not a fetch)."""
    loader = bundled_loader()
    url = f"{URL}/huge-ttl"
    text = status_list(loader, url=url, ttl=1000).replace('"ttl": 1000', '"ttl": 1' + "0" * 400)
    assert '"ttl": 1' + "0" * 400 in text
    vc = credential(loader, entry(url=url))
    with mocked_http(client, lambda request: httpx.Response(200, text=text)):
        r = client.post("/v1/verify", json={"credential": vc})
    assert r.status_code == 200, r.text
    [status] = [c for c in r.json()["checks"] if c["id"] == "status"]
    assert status["type"] == problem_type("status-unavailable")
    assert status["details"]["code"] == "STATUS_VERIFICATION_ERROR"
