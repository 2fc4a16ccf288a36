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
from tests.paths import DATA

pytestmark = [pytest.mark.interop, pytest.mark.xdist_group("crosscheck")]


def _check_all(
    tool: Path, tmp: Path, client: SyncClient, vcs: list[dict[str, Any]], slugs: list[str]
) -> list[dict[str, Any]]:
    """vc-crosscheck's verdict on each of ``vcs``, in one Node process (tests/data/crosscheck-batch.mjs:
    the same verifier as ``verify.mjs``, loaded once instead of once per credential)."""
    lists: dict[str, str] = {}
    for vc in vcs:
        status = vc.get("credentialStatus", [])
        for entry in status if isinstance(status, list) else [status]:
            url = entry["statusListCredential"]
            lists.setdefault(url, client.get(url.removeprefix(BASE_URL)).text)
    batch = {
        "didWeb": [client.get(f"/issuers/{slug}/did.json").json() for slug in slugs],
        "contexts": {
            MC_CONTEXT: json.loads((CONTEXTS_DIR / "shomei-mc-v1.jsonld").read_text(encoding="utf-8")),
            CLR_CONTEXT: json.loads(
                (CONTEXTS_DIR / "clr-v2p0-context-2.0.1.json").read_text(encoding="utf-8")
            ),
        },
        "statusLists": lists,
        "credentials": vcs,
    }
    path = tmp / "batch.json"
    path.write_text(json.dumps(batch))
    proc = subprocess.run(
        ["node", str(DATA / "crosscheck-batch.mjs"), str(tool), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    results: list[dict[str, Any]] = json.loads(proc.stdout)
    assert len(results) == len(vcs)
    return results


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

    nested = clr["credentialSubject"]["verifiableCredential"]
    forged = json.loads(json.dumps(clr))
    forged["credentialSubject"]["verifiableCredential"][5]["credentialSubject"]["achievement"]["name"] = (
        "Forged"
    )
    reassociated = json.loads(json.dumps(clr))
    reassociated["credentialSubject"]["association"][0]["associationType"] = "isPeerOf"
    result, *held, forged_result, reassociated_result = _check_all(
        crosscheck, tmp_path, client, [clr, *nested, forged, reassociated], slugs
    )
    assert result["verified"], result
    assert result["proofs"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    for vc, nested_result in zip(nested, held, strict=True):
        assert nested_result["verified"], (vc["id"], nested_result)
    # Changing a bundled credential, or the record's own claims, breaks the record's proof.
    assert not forged_result["verified"]
    assert not reassociated_result["verified"]
