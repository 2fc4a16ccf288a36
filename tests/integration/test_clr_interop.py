"""Issue 17 acceptance against the independent checker (vc-crosscheck: Digital Bazaar's JSON-LD / Data
Integrity stack): the CLR 2.0 record issued on completing the worked example's pathway verifies there
(its proof over the whole record, issuer binding, safe-mode JSON-LD with the bundled CLR 2.0.1 context),
and so does every credential it bundles (with the three issuers' DID documents and status lists);
changing a bundled credential breaks the record's proof."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from examples.stackable_pathway import RECIPIENT, build
from issuer.build import MC_CONTEXT
from issuer.clr import CLR_CONTEXT
from proofs.jsonld import CONTEXTS_DIR
from tests.conftest import ADMIN, BASE_URL, SyncClient

pytestmark = [pytest.mark.interop, pytest.mark.xdist_group("crosscheck")]


def _check(tool: Path, tmp: Path, client: SyncClient, vc: dict[str, Any], slugs: list[str]) -> dict[str, Any]:
    did_docs = []
    for slug in slugs:
        path = tmp / f"did-{slug}.json"
        path.write_text(client.get(f"/issuers/{slug}/did.json").text)
        did_docs.append(str(path))
    args = [
        "--did-web",
        ",".join(did_docs),
        "--context",
        f"{MC_CONTEXT}={CONTEXTS_DIR / 'shomei-mc-v1.jsonld'}",
        "--context",
        f"{CLR_CONTEXT}={CONTEXTS_DIR / 'clr-v2p0-context-2.0.1.json'}",
    ]
    status = vc.get("credentialStatus", [])
    for n, entry in enumerate(status if isinstance(status, list) else [status]):
        url = entry["statusListCredential"]
        path = tmp / f"list-{n}.json"
        path.write_text(client.get(url.removeprefix(BASE_URL)).text)
        args += ["--status-list", f"{url}={path}"]
    credential = tmp / "credential.json"
    credential.write_text(json.dumps(vc))
    proc = subprocess.run(
        ["node", str(tool / "verify.mjs"), str(credential), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def test_the_clr_of_a_completed_pathway_verifies_independently(
    client: SyncClient, crosscheck: Path, tmp_path: Path
) -> None:
    scenario = build(client, ADMIN)
    r = client.post(
        f"/v1/issuers/{scenario.home.slug}/pathways/{scenario.pathway['id']}/complete",
        json={"credentials": scenario.credentials, "recipient": RECIPIENT},
        headers=scenario.home.auth,
    )
    assert r.status_code == 201, r.text
    clr = r.json()["clr"]["credentials"]["ldp_vc"]
    slugs = [scenario.home.slug, scenario.partner.slug]

    result = _check(crosscheck, tmp_path, client, clr, slugs)
    assert result["verified"], result
    assert result["proofs"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    for nested in clr["credentialSubject"]["verifiableCredential"]:
        nested_result = _check(crosscheck, tmp_path, client, nested, slugs)
        assert nested_result["verified"], (nested["id"], nested_result)

    changed = json.loads(json.dumps(clr))
    changed["credentialSubject"]["verifiableCredential"][5]["credentialSubject"]["achievement"]["name"] = (
        "Forged"
    )
    assert not _check(crosscheck, tmp_path, client, changed, slugs)["verified"]
    changed = json.loads(json.dumps(clr))
    changed["credentialSubject"]["association"][0]["associationType"] = "isPeerOf"
    assert not _check(crosscheck, tmp_path, client, changed, slugs)["verified"]
