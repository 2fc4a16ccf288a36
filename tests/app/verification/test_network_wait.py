"""One verification waits on the network for a bounded time in all (DoS found by an outside sweep of
bundles): each key document, DID document and status list a verification needs is fetched (with the HTTP
timeout, 5 s by default), and a bundle names many: a CLR bundles up to 250 credentials, a presentation
holds 64, a proof set has 16 proofs, a badge carries 8 endorsements. A CLR signed by anyone's did:key and
bundling credentials whose keys sit on 250 different did:web hosts that never answer held one request (and
a worker thread) for 250 timeouts, about 21 minutes. Once a request has waited ``NETWORK_WAIT_FACTOR``
times the HTTP timeout on the network, it fetches nothing more: each key it would need is not found."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from app.errors import problem_type
from app.state import app_state
from app.testing import SyncClient
from app.verification import sources
from proofs.jsonld import bundled_loader
from tests.app.helpers import mocked_http
from tests.unit.verifier.builders import OB_CONTEXT, VC_V2, key, open_badge, signed

CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
SIGNER = key(95)
LOADER = bundled_loader()
BUNDLED = 12


def _clr() -> dict[str, Any]:
    nested = [
        signed(open_badge(f"did:web:h{n}.example"), SIGNER, f"did:web:h{n}.example#key-1", LOADER)
        for n in range(BUNDLED)
    ]
    unsigned = {
        "@context": [VC_V2, CLR_CONTEXT, OB_CONTEXT],
        "id": "urn:uuid:6f1c2e4a-9b7d-4c3e-8a2f-1d0e9c8b7a65",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": SIGNER.public_key().did_key(),
        "name": "Transcript",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["ClrSubject"],
            "verifiableCredential": nested,
        },
    }
    return signed(unsigned, SIGNER, SIGNER.public_key().did_key_vm(), LOADER)


def test_a_bundle_waits_on_the_network_for_a_bounded_time(
    client: SyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    timeout = app_state(client.app).settings.http_timeout_seconds
    monkeypatch.setattr(sources, "NETWORK_WAIT_FACTOR", 0.1 / timeout)  # a budget of 0.1 s
    asked: list[str] = []

    def never_answers(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        time.sleep(0.04)
        raise httpx.ConnectTimeout("no answer", request=request)

    with mocked_http(client, never_answers):
        r = client.post("/v1/verify", json={"credential": _clr()})
    assert r.status_code == 200, r.text
    checks = {c["id"]: c for c in r.json()["checks"]}
    assert r.json()["verified"] is False
    nested = [checks[f"nested-credential-{n}"] for n in range(1, BUNDLED + 1)]
    assert all(c["outcome"] == "failed" for c in nested)
    assert {c["type"] for c in nested} == {problem_type("nested-credential-invalid")}
    assert len(asked) <= 4, asked  # 0.1 s of waiting, 0.04 s a fetch: the rest are not fetched
