"""Issues 3 and 4 acceptance against the independent checker (vc-crosscheck: Digital Bazaar's Data
Integrity / JOSE stack and Bitstring Status List): what we issue verifies there, fails after any change,
and shows revoked / suspended / reinstated from our published lists."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from issuer.build import MC_CONTEXT
from proofs.jsonld import CONTEXTS_DIR
from proofs.vc_jwt import JwtError, parse_jwt
from tests.app.helpers import create_template, issue
from tests.conftest import ADMIN, BASE_URL, SyncClient, bearer, make_tenant

pytestmark = [pytest.mark.interop, pytest.mark.xdist_group("crosscheck")]


class Checker:
    def __init__(self, tool: Path, client: SyncClient, slug: str, tmp: Path) -> None:
        self.tool, self.client, self.slug, self.tmp = tool, client, slug, tmp

    def _files(self, credential: Any) -> list[str]:
        did_doc = self.tmp / "did.json"
        did_doc.write_text(self.client.get(f"/issuers/{self.slug}/did.json").text)
        args = [
            "--did-web",
            str(did_doc),
            "--context",
            f"{MC_CONTEXT}={CONTEXTS_DIR / 'shomei-mc-v1.jsonld'}",
        ]
        if isinstance(credential, dict):
            vc = credential
        else:
            try:
                vc = parse_jwt(credential).credential
            except JwtError:  # a deliberately broken token: nothing to look up
                vc = {}
        entries = vc.get("credentialStatus", [])
        for n, entry in enumerate(entries if isinstance(entries, list) else [entries]):
            url = entry["statusListCredential"]
            path = self.tmp / f"list-{n}.json"
            path.write_text(self.client.get(url.removeprefix(BASE_URL)).text)
            args += ["--status-list", f"{url}={path}"]
        return args

    def verify(self, credential: Any) -> dict[str, Any]:
        path = self.tmp / "credential.txt"
        path.write_text(credential if isinstance(credential, str) else json.dumps(credential))
        proc = subprocess.run(
            ["node", str(self.tool / "verify.mjs"), str(path), *self._files(credential)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode in (0, 1), proc.stderr
        result: dict[str, Any] = json.loads(proc.stdout)
        assert result["verified"] == (proc.returncode == 0)
        return result

    def canonical(self, document: dict[str, Any]) -> str:
        """The document's RDFC-1.0 N-Quads by Digital Bazaar's rdf-canonize (``canon.mjs``)."""
        path = self.tmp / "document.json"
        path.write_text(json.dumps({k: v for k, v in document.items() if k != "proof"}))
        context = f"{MC_CONTEXT}={CONTEXTS_DIR / 'shomei-mc-v1.jsonld'}"
        proc = subprocess.run(
            ["node", str(self.tool / "canon.mjs"), str(path), "--context", context],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return proc.stdout


def _error_names(result: dict[str, Any]) -> set[str]:
    return {e["name"] for e in result["errors"]}


def test_a_p384_credential_verifies_independently(
    client: SyncClient, crosscheck: Path, tmp_path: Path
) -> None:
    """ecdsa-rdfc-2019 over P-384 (VC-DI-ECDSA §3.3): SHA-384 for hashData and inside RDFC-1.0, whose blank
    node labels it decides. Our badge has blank nodes, so Digital Bazaar verifies it only when both are."""
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-384"}, headers=ADMIN).status_code == 201
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc:ecdsa-rdfc-2019"])
    vc = out["credentials"]["ldp_vc:ecdsa-rdfc-2019"]
    assert "_:" in Checker(crosscheck, client, slug, tmp_path).canonical(vc)  # blank nodes are labelled
    result = Checker(crosscheck, client, slug, tmp_path).verify(vc)
    assert result["verified"], result
    assert client.post("/v1/verify", json={"credential": vc}).json()["verified"] is True


def test_issued_credentials_verify_independently(
    client: SyncClient, crosscheck: Path, tmp_path: Path
) -> None:
    slug, token = make_tenant(client, suspension_enabled=True)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    formats = ["ldp_vc", "ldp_vc:ecdsa-rdfc-2019", "jwt_vc_json"]
    out = issue(client, slug, token, create_template(client, slug, token), formats=formats)
    cid = str(out["credential_id"])
    checker = Checker(crosscheck, client, slug, tmp_path)

    for fmt in formats:
        result = checker.verify(out["credentials"][fmt])
        assert result["verified"], (fmt, result)
        assert {s["purpose"] for s in result["status"]} == {"revocation", "suspension", "message"}
    ecdsa = checker.verify(out["credentials"]["ldp_vc:ecdsa-rdfc-2019"])
    assert ecdsa["proofs"][0]["cryptosuite"] == "ecdsa-rdfc-2019"
    jws = checker.verify(out["credentials"]["jwt_vc_json"])
    assert jws["proofs"][0]["alg"] == "ES256"

    # Any change breaks it: a descriptor value, the recipient, the issuer name.
    mutations: tuple[Callable[[dict[str, Any]], None], ...] = (
        lambda vc: vc["credentialSubject"]["achievement"]["mcDescriptor"].update(notionalWorkloadHours=240),
        lambda vc: vc["credentialSubject"]["identifier"][0].update(salt="00"),
        lambda vc: vc["issuer"].update(name="Another University"),
    )
    for mutate in mutations:
        for fmt in ("ldp_vc", "ldp_vc:ecdsa-rdfc-2019"):
            changed = json.loads(json.dumps(out["credentials"][fmt]))
            mutate(changed)
            assert not checker.verify(changed)["verified"]
    header, payload, signature = out["credentials"]["jwt_vc_json"].split(".")
    assert not checker.verify(f"{header}.{payload[:-4]}AAAA.{signature}")["verified"]

    def change(action: str, reason: str) -> None:
        r = client.post(
            f"/v1/issuers/{slug}/credentials/{cid}/status",
            json={"action": action, "reason": reason},
            headers=bearer(token),
        )
        assert r.status_code == 200, r.text

    change("suspend", "under_review")
    suspended = checker.verify(out["credentials"]["ldp_vc"])
    assert _error_names(suspended) == {"CredentialSuspended"}
    message = next(s for s in suspended["status"] if s["purpose"] == "message")
    assert message["value"] == 9 and message["message"] == "Suspended: under review"
    change("reinstate", "other")
    assert checker.verify(out["credentials"]["ldp_vc"])["verified"]
    change("revoke", "wrong_recipient")
    for fmt in formats:
        assert _error_names(checker.verify(out["credentials"][fmt])) == {"CredentialRevoked"}
