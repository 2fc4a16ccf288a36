"""Issue 19 acceptance: an OpenID4VP holder built on the OpenWallet Foundation's packages
(tests/data/oid4vp-holder.mjs on @openid4vc/openid4vp and @sd-jwt/sd-jwt-vc, pinned in
tests/data/oid4vp-holder, installed by ``make tools``) answers our presentation requests on a live server:
the library resolves the request (JAR, x5c, x509_hash / x509_san_dns), builds and encrypts the response
(direct_post.jwt) or posts it plain (direct_post); SD-JWT VCs of both our types and an ldp_vp,
cross-device and same-device; a replayed response, a wrong nonce, a wrong aud, an undisclosed requested
claim, a revoked credential and an untrusted issuer are each refused with their reason."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.app.helpers import template_body
from tests.app.oid4vci.test_oid4vci import _live_issuer
from tests.app.oid4vp.holder import path_of
from tests.app.oid4vp.test_oid4vp import HOLDER, LDP_HOLDER, LEARNING_VCT, _receive, _sd_query
from tests.app.presentations.test_verify_presentation import presentation, sign_presentation
from tests.conftest import IN_CI
from tests.live import live_server
from tests.paths import DATA, ROOT

pytestmark = [pytest.mark.interop, pytest.mark.xdist_group("oid4vp-holder")]


@pytest.fixture(scope="module")
def holder_dir() -> Path:
    """The installed holder (``make tools``: .tools/oid4vp-holder; SHOMEI_TEST_OID4VP_HOLDER names another
    install of the same pinned package-lock); skipped when absent, a failure under CI=true."""
    candidates = [ROOT / ".tools" / "oid4vp-holder"]
    if os.environ.get("SHOMEI_TEST_OID4VP_HOLDER"):
        candidates.insert(0, Path(os.environ["SHOMEI_TEST_OID4VP_HOLDER"]))
    for tool in candidates:
        if (tool / "node_modules" / "@openid4vc" / "openid4vp").is_dir() and shutil.which("node"):
            return tool
    if IN_CI:
        pytest.fail("the OpenID4VP holder is not installed (make tools): required in CI")
    pytest.skip("the OpenID4VP holder is not installed (run `make tools`)")


class Holder:
    """Runs oid4vp-holder.mjs for one request; signs the ldp_vp it asks for on stdin."""

    def __init__(self, tool: Path, tmp: Path, ca_pem: str) -> None:
        self.tool, self.tmp, self.ca_pem = tool, tmp, ca_pem
        self.runs = 0

    def answer(
        self, deep_link: str, credentials: dict[str, Any], tamper: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        self.runs += 1
        spec = self.tmp / f"holder-input-{self.runs}.json"
        spec.write_text(
            json.dumps(
                {
                    "deep_link": deep_link,
                    "ca_pem": self.ca_pem,
                    "holder_jwk": HOLDER.private_jwk(),
                    "credentials": {
                        k: ("ldp_vp" if isinstance(v, dict) else v) for k, v in credentials.items()
                    },
                    "tamper": tamper or {},
                }
            )
        )
        result: dict[str, Any] | None = None
        with subprocess.Popen(
            ["node", str(DATA / "oid4vp-holder.mjs"), str(self.tool), str(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as proc:
            assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
            for line in proc.stdout:
                message = json.loads(line)
                if "need_vp" not in message:
                    result = message
                    continue
                asked = message["need_vp"]
                vp = sign_presentation(
                    presentation(credentials[asked["query_id"]], holder=LDP_HOLDER.public_key().did_key()),
                    LDP_HOLDER,
                    challenge=(tamper or {}).get("nonce", asked["nonce"]),
                    domain=(tamper or {}).get("aud", asked["client_id"]),
                )
                proc.stdin.write(json.dumps(vp) + "\n")
                proc.stdin.flush()
            proc.stdin.close()
            code = proc.wait(timeout=120)
            errors = proc.stderr.read()
        assert code in (0, 1) and result is not None, errors
        return code, result


def test_owf_holder_answers_our_requests(holder_dir: Path, tmp_path: Path) -> None:
    with live_server(tmp_path) as base, httpx.Client(base_url=base, timeout=60) as http:
        public = base.replace("http://", "https://", 1)
        issuer_auth, issued = _live_issuer(http, "owf-uni", "OWF University")
        issuer_token = issuer_auth["Authorization"].split(" ", 1)[1]
        cid = str(issued["credential_id"])
        received = _receive(http, "owf-uni", issuer_token, cid)
        learning = received["eudi_learning_credential_dc_sd_jwt"]
        micro = received["shomei_micro_credential_dc_sd_jwt"]
        ldp = http.get(f"/credentials/{cid}", headers={"Accept": "application/ld+json"}).json()
        meta = http.get("/.well-known/openid-credential-issuer/issuers/owf-uni").json()
        micro_vct = meta["credential_configurations_supported"]["shomei_micro_credential_dc_sd_jwt"]["vct"]
        verifier_auth, _ = _live_issuer(http, "owf-employer", "OWF Employer")
        holder = Holder(holder_dir, tmp_path, http.get("/ca.pem").text)

        def ask(query: dict[str, Any], **body: Any) -> dict[str, Any]:
            r = http.post(
                "/v1/issuers/owf-employer/presentation-requests",
                json={"dcql_query": query, "purpose": "Hiring", **body},
                headers=verifier_auth,
            )
            assert r.status_code == 201, r.text
            return dict(r.json())

        def status(made: dict[str, Any]) -> dict[str, Any]:
            return dict(http.get(path_of(made["status_url"]), headers=verifier_auth).json())

        both = {
            "credentials": [
                _sd_query("learning", LEARNING_VCT, ["given_name", "achievement_title"]),
                _sd_query("micro", micro_vct, ["family_name"]),
            ]
        }
        # Cross-device, encrypted (direct_post.jwt), x509_hash: both SD-JWT VC types.
        made = ask(both, trusted_issuers=[f"{public}/issuers/owf-uni"])
        code, result = holder.answer(made["deep_link"], {"learning": learning, "micro": micro})
        assert code == 0 and result["ok"], json.dumps(result)[:3000]
        assert result["request"]["client_prefix"] == "x509_hash" and result["request"]["version"] == 100
        assert result["request"]["jar_typ"] == "oauth-authz-req+jwt"
        assert result["response"]["encrypted"] and result["response"]["mode"] == "direct_post.jwt"
        assert result["response"]["body"] == {}
        done = status(made)
        assert done["status"] == "verified", done["result"]
        claims = {p["query_id"]: p["claims"] for p in done["result"]["presentations"]}
        assert claims["learning"]["given_name"] == "Aiko" and "family_name" not in claims["learning"]
        assert claims["micro"]["family_name"] == "Tanaka" and "given_name" not in claims["micro"]

        # Same-device, plain direct_post, x509_san_dns: an ldp_vp of the OB 3.0 credential.
        badge = {
            "credentials": [
                {
                    "id": "badge",
                    "format": "ldp_vc",
                    "meta": {"type_values": [["VerifiableCredential", "OpenBadgeCredential"]]},
                    "claims": [{"path": ["credentialSubject", "achievement", "name"]}],
                    # The public copy names no holder DID (OpenID4VP 1.0 §6.1: binding is required
                    # unless the query says otherwise).
                    "require_cryptographic_holder_binding": False,
                }
            ]
        }
        made = ask(badge, flow="same_device", response_mode="direct_post", client_id_prefix="x509_san_dns")
        code, result = holder.answer(made["deep_link"], {"badge": ldp})
        assert code == 0 and result["ok"], json.dumps(result)[:3000]
        assert result["request"]["client_prefix"] == "x509_san_dns"
        assert not result["response"]["encrypted"]
        redirect = result["response"]["body"]["redirect_uri"]
        assert status(made)["status"] == "verified"
        page = http.get(path_of(redirect))
        assert page.status_code == 200 and 'class="verdict valid"' in page.text

        # Refusals, each with its reason.
        one = {"credentials": [_sd_query("learning", LEARNING_VCT, ["given_name", "family_name"])]}
        cases: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any], str]] = [
            ({}, {"learning": learning}, {"nonce": "not-the-nonce"}, "nonce-mismatch"),
            ({}, {"learning": learning}, {"aud": "x509_hash:another-verifier"}, "audience-mismatch"),
            ({}, {"learning": learning}, {"withhold": ["family_name"]}, "claim-not-disclosed"),
            (
                {"trusted_issuers": ["https://elsewhere.example/issuer"]},
                {"learning": learning},
                {},
                "untrusted-issuer",
            ),
        ]
        for body, credentials, tamper, reason in cases:
            made = ask(one, **body)
            code, result = holder.answer(made["deep_link"], credentials, tamper)
            assert code == 0, json.dumps(result)[:3000]  # the verifier took the response ...
            done = status(made)  # ... and refused the credential, saying why
            assert done["status"] == "rejected" and done["result"]["reasons"] == [reason], (reason, done)
        # ldp_vp: a proof for another challenge is refused as a nonce mismatch.
        made = ask(badge)
        holder.answer(made["deep_link"], {"badge": ldp}, {"nonce": "not-the-nonce"})
        assert status(made)["result"]["reasons"] == ["nonce-mismatch"]

        # A revoked credential.
        template = http.post("/v1/issuers/owf-uni/achievements", json=template_body(), headers=issuer_auth)
        recipient = {"email": "learner2@example.org", "given_name": "Ren", "family_name": "Sato"}
        r = http.post(
            "/v1/issuers/owf-uni/credentials",
            headers=issuer_auth,
            json={"achievement_id": template.json()["id"], "recipient": recipient},
        )
        assert r.status_code == 201, r.text
        rid = str(r.json()["credential_id"])
        revoked = _receive(http, "owf-uni", issuer_token, rid)["eudi_learning_credential_dc_sd_jwt"]
        r = http.post(
            f"/v1/issuers/owf-uni/credentials/{rid}/status",
            json={"action": "revoke", "reason": "other"},
            headers=issuer_auth,
        )
        assert r.status_code == 200, r.text
        made = ask(one)
        assert holder.answer(made["deep_link"], {"learning": revoked})[0] == 0
        assert status(made)["result"]["reasons"] == ["credential-revoked"]

        # A replayed response: the form the holder posted, sent again, is refused; the result stays.
        made = ask(one)
        code, result = holder.answer(made["deep_link"], {"learning": learning})
        assert code == 0 and status(made)["status"] == "verified"
        posted = result["posted"]
        again = http.post(
            path_of(posted["url"]),
            content=posted["body"],
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert again.status_code == 400 and again.json()["reason"] == "replayed-response"
        assert status(made)["status"] == "verified"
        # The request object of an answered request is no longer served: the holder cannot start again.
        code, result = holder.answer(made["deep_link"], {"learning": learning})
        assert code == 1 and not result["ok"] and result["request"] is None
