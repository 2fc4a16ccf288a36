"""What refusing a forged credential costs, in process (issue 13: "no input of at most the body limit costs
more than 50 ms of CPU before it is refused").

    .venv/bin/python bench/refusal_cost.py [--rounds 5]

Each row is a credential the verifier must refuse, or report as not verified: the reference credential
signed here, then changed. The forged well-formed ones grow by alignments (5 values each, 1 value each
and identical ones: identical blank nodes are what RDF canonicalization works hardest on), with and
without node ids, up to the bound on JSON values (``verifier.limits.MAX_VALUES``) and past it; then the
oversized values the issue names (a 300 KB proofValue, a 900 KB JWT, a 900 KB key in a verification
method), a 40,000-string array, and a forged CLR bundling 25 genuine credentials (a bundle is bounded
credential by credential, so what refusing it costs grows with the number of credentials it bundles).
The figure is the least CPU time of ``--rounds`` calls of ``Verifier.verify`` on the JSON text (parsing
included), with the outcome: refused unread (the problem type) or the checks that failed.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout without an installed package
    sys.path.insert(0, str(ROOT))

from bench.common import load_line  # noqa: E402
from bench.verify import DEFAULT_DOCUMENT, NOW, Fixture  # noqa: E402
from proofs.jsonld import bundled_loader  # noqa: E402
from proofs.multibase import b64url_encode  # noqa: E402
from verifier import UnreadableCredential, Verifier  # noqa: E402
from verifier.limits import MAX_VALUES, shape  # noqa: E402

BOUND_MS = 50.0

Make = Callable[[int], dict[str, Any]]
SHAPES: dict[str, Make] = {
    "alignments, 5 values each": lambda i: {
        "type": ["Alignment"],
        "targetName": f"Skill {i}",
        "targetUrl": f"https://skills.example/{i}",
        "targetCode": f"S{i}",
        "targetFramework": "ESCO",
    },
    "alignments, 1 value each": lambda i: {"type": "Alignment", "targetName": f"{i}"},
    "alignments, all identical": lambda i: {"type": "Alignment", "targetName": "x"},
}


def _cost(verifier: Verifier, text: str, rounds: int) -> tuple[float, str]:
    best, outcome = float("inf"), ""
    for _ in range(rounds):
        t0 = time.process_time()
        try:
            result = verifier.verify(text, now=NOW)
            outcome = "failed: " + ", ".join(c.id for c in result.checks if c.outcome == "failed")
        except UnreadableCredential as exc:
            outcome = f"refused unread: {exc.type_name}"
        best = min(best, (time.process_time() - t0) * 1000)
    return best, outcome


def _row(label: str, text: str, values: int | str, ms: float, outcome: str) -> None:
    mark = "" if ms <= BOUND_MS else "   OVER the bound"
    print(f"  {label:<46} {values!s:>7} values {len(text) / 1024:7.0f} KiB {ms:7.1f} ms  {outcome}{mark}")


def forged_rows(fixture: Fixture, verifier: Verifier, rounds: int) -> None:
    base = copy.deepcopy(fixture.credential)
    base_values = shape(base)[1]
    for name, make in SHAPES.items():
        per = shape(make(0))[1]
        for ids in (True, False):
            for target in (MAX_VALUES // 3, MAX_VALUES - 2, MAX_VALUES * 3):
                forged = copy.deepcopy(base)
                if not ids:
                    forged["credentialSubject"].pop("id", None)
                    forged["credentialSubject"]["achievement"].pop("id", None)
                count = max(1, (target - shape(forged)[1]) // per)
                forged["credentialSubject"]["achievement"]["alignment"] = [make(i) for i in range(count)]
                text = json.dumps(forged)
                ms, outcome = _cost(verifier, text, rounds)
                label = f"{name}{'' if ids else ', no ids'}"
                _row(label, text, shape(forged, max_values=10**9)[1], ms, outcome)
    print(f"  (the signed reference credential holds {base_values} values)")


def oversized_rows(fixture: Fixture, verifier: Verifier, rounds: int) -> None:
    base = fixture.credential
    proof_value = copy.deepcopy(base)
    proof_value["proof"]["proofValue"] = "z" + "2" * 300_000
    key = copy.deepcopy(base)
    key["proof"]["verificationMethod"] = "did:key:z" + "6" * 900_000
    strings = copy.deepcopy(base)
    strings["credentialSubject"]["achievement"]["tag"] = [f"t{i}" for i in range(40_000)]
    header = b64url_encode(json.dumps({"alg": "EdDSA", "typ": "JWT"}).encode())
    jwt = f"{header}.{b64url_encode(json.dumps({'vc': base}).encode())}.{'A' * 900_000}"
    clr = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        ],
        "id": "urn:uuid:6a1c3d0e-6f0b-4b59-9d1e-2f4a8c7b5e10",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": base["issuer"]["id"],
        "validFrom": base["validFrom"],
        "name": "Transcript",
        "credentialSubject": {"type": ["ClrSubject"], "verifiableCredential": [base] * 25},
        "proof": base["proof"],  # the first bundled credential's proof: another document's
    }
    for label, text in (
        ("a CLR bundling 25 genuine credentials, forged", json.dumps(clr)),
        ("a 300 KB proofValue", json.dumps(proof_value)),
        ("a 900 KB did:key verification method", json.dumps(key)),
        ("a 40,000-string array", json.dumps(strings)),
        ("a VC-JWT with a 900 KB signature", jwt),
    ):
        ms, outcome = _cost(verifier, text, rounds)
        _row(label, text, "-", ms, outcome)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    fixture = Fixture(json.loads(DEFAULT_DOCUMENT.read_text(encoding="utf-8")), bundled_loader())
    verifier = fixture.verifier()
    print(f"refusal cost, least CPU of {args.rounds} calls; bound {BOUND_MS:g} ms; {load_line()}")
    forged_rows(fixture, verifier, args.rounds)
    oversized_rows(fixture, verifier, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
