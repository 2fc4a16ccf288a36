"""What refusing a forged credential costs, in process (issue 13: "no input of at most the body limit costs
more than 50 ms of CPU before it is refused").

    .venv/bin/python bench/refusal_cost.py [--rounds 5]

Each row is a credential the verifier must refuse, or report as not verified: the reference credential
signed here, then changed. The forged well-formed ones grow by alignments (5 values each, 1 value each
and identical ones: identical blank nodes are what RDF canonicalization works hardest on), with and
without node ids, up to the bound on JSON values (``verifier.limits.MAX_VALUES``) and past it; then the
oversized values the issue names (a 300 KB proofValue, a 900 KB JWT, a 900 KB key in a verification
method), a 40,000-string array, and a forged CLR bundling 25 genuine credentials; then CLRs and
presentations at their bounds in all: forged, and (the worst a bundle costs before it is refused) signed
validly by anyone's did:key with every credential in it valid but the last, which is forged: refusing that
one costs what verifying a genuine bundle of its size costs; likewise a badge with endorsements; last,
uploads of the body limit that are images with no credential (many PNG chunks, SVG elements or
namespace declarations), read as the upload route reads them.
The figure is the least CPU time of ``--rounds`` calls of ``Verifier.verify`` on the JSON text (parsing
included; the memo of achievements emptied before each call, since a forger sends new ones), with the
outcome: refused unread (the problem type) or the checks that failed.
"""

from __future__ import annotations

import argparse
import copy
import json
import struct
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout without an installed package
    sys.path.insert(0, str(ROOT))

from app.main import tune_gc  # noqa: E402
from bench.common import load_line  # noqa: E402
from bench.verify import DEFAULT_DOCUMENT, NOW, Fixture, signing_key  # noqa: E402
from proofs.data_integrity import add_proof  # noqa: E402
from proofs.jsonld import bundled_loader  # noqa: E402
from proofs.keys import KeyAlgorithm, PrivateKey  # noqa: E402
from proofs.multibase import b64url_encode  # noqa: E402
from verifier import DidResolver, UnreadableCredential, Verifier  # noqa: E402
from verifier.checks.endorsements import MAX_ENDORSEMENTS  # noqa: E402
from verifier.formats import credential_from_file  # noqa: E402
from verifier.limits import CLR_FACTOR, MAX_VALUES, shape  # noqa: E402
from verifier.presentation import PRESENTATION_FACTOR, verify_presentation  # noqa: E402

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
        verifier.loader.context_cache.fragments.clear()  # each forgery is new: no memoized achievement
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
    clr = _clr(base, [base] * 25)
    issuer_iri = copy.deepcopy(base)  # every identifier is checked as an IRI (profiles.vcdm.iri)
    issuer_iri["issuer"]["id"] = "did:web:" + "a" * 900_000
    subject_iri = copy.deepcopy(base)
    subject_iri["credentialSubject"]["id"] = "https://example.org/" + "a" * 900_000
    repeated = copy.deepcopy(base)  # a long id named by many statements: its canonical form is 90 MB
    repeated["credentialSubject"]["achievement"]["id"] = "https://example.org/" + "a" * 900_000
    repeated["credentialSubject"]["achievement"]["tag"] = [f"t{i}" for i in range(100)]
    for label, text in (
        ("a 900 KB issuer id (did:web)", json.dumps(issuer_iri)),
        ("a 900 KB credentialSubject id (https)", json.dumps(subject_iri)),
        ("a 900 KB achievement id with 100 tags", json.dumps(repeated)),
        ("a CLR bundling 25 genuine credentials, forged", json.dumps(clr)),
        ("a 300 KB proofValue", json.dumps(proof_value)),
        ("a 900 KB did:key verification method", json.dumps(key)),
        ("a 40,000-string array", json.dumps(strings)),
        ("a VC-JWT with a 900 KB signature", jwt),
    ):
        ms, outcome = _cost(verifier, text, rounds)
        _row(label, text, "-", ms, outcome)


def _crowded(base: dict[str, Any], target: int) -> dict[str, Any]:
    """``base`` with 5-value alignments up to ``target`` JSON values, its node ids removed (the costliest
    shape of :func:`forged_rows`)."""
    forged = copy.deepcopy(base)
    forged["credentialSubject"].pop("id", None)
    forged["credentialSubject"]["achievement"].pop("id", None)
    make = SHAPES["alignments, 5 values each"]
    count = max(1, (target - shape(forged)[1]) // shape(make(0))[1])
    forged["credentialSubject"]["achievement"]["alignment"] = [make(i) for i in range(count)]
    return forged


def bundle_rows(fixture: Fixture, verifier: Verifier, rounds: int) -> None:
    """CLRs and presentations at their bounds in all and past them, made of the costliest credentials
    that pass the bound one by one, all alike (alike blank nodes are what canonicalization works
    hardest on); and a credential whose blank nodes need more canonicalization work than RDFC-1.0 §6's
    bound allows."""
    base = fixture.credential
    crowded = _crowded(base, MAX_VALUES - 20)
    fits = _most(lambda n: _clr(base, [crowded] * n), CLR_FACTOR * MAX_VALUES)
    for copies in (fits, fits + 1):
        clr = _clr(base, [crowded] * copies)
        text = json.dumps(clr)
        ms, outcome = _cost(verifier, text, rounds)
        _row(f"a forged CLR of {copies} such credentials", text, shape(clr, max_values=10**9)[1], ms, outcome)
    holder = PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes([9]) * 32)
    fits = _most(lambda n: _presentation([crowded] * n), PRESENTATION_FACTOR * MAX_VALUES - 10)
    for copies in (fits, fits + 1):
        for signed in (False, True):
            vp = _presentation([crowded] * copies)
            if signed:  # signed by its holder: its proof verifies, the credentials it holds do not
                vm = holder.public_key().did_key_vm()
                vp = add_proof(
                    vp,
                    key=holder,
                    verification_method=vm,
                    created=NOW,
                    loader=fixture.loader,
                    proof_purpose="authentication",
                )
            text = json.dumps(vp)
            ms, outcome = _presentation_cost(fixture, verifier, text, rounds)
            label = f"a {'signed' if signed else 'bare'} presentation of {copies} such credentials"
            _row(label, text, shape(vp, max_values=10**9)[1], ms, outcome)
    signed_rows(fixture, verifier, crowded, holder, rounds)
    cycles = copy.deepcopy(base)
    ids = [f"_:c{i}" for i in range(6)]
    cycles["credentialSubject"]["achievement"]["alignment"] = [
        {
            "id": ids[i],
            "type": ["Alignment"],
            "targetName": "x",
            "targetUrl": {"id": ids[(i // 3) * 3 + (i + 1) % 3]},
        }
        for i in range(6)
    ]
    text = json.dumps(cycles)
    ms, outcome = _cost(verifier, text, rounds)
    _row("blank nodes in two alike cycles (RDFC-1.0 §6)", text, shape(cycles)[1], ms, outcome)


def signed_rows(
    fixture: Fixture, verifier: Verifier, crowded: dict[str, Any], holder: PrivateKey, rounds: int
) -> None:
    """The worst a bundle can cost before it is refused: its own proof valid (anyone can sign with a
    did:key), every credential it holds valid (signed by that did:key, each at the bound) except the
    last, forged. The bundle's proof is checked over all of it, then each credential on its own, and only
    the last fails: refusing costs what verifying a genuine bundle of that size costs."""
    key = signing_key()  # the fixture's: its did:key is the issuer of the credentials
    vm = key.public_key().did_key_vm()
    unsigned = {k: v for k, v in crowded.items() if k != "proof"}
    genuine = add_proof(unsigned, key=key, verification_method=vm, created=NOW, loader=fixture.loader)
    forged = copy.deepcopy(genuine)
    forged["name"] = "Doctorate in Medicine"
    fits = _most(lambda n: _clr(fixture.credential, [genuine] * n), CLR_FACTOR * MAX_VALUES)
    clr = _clr(fixture.credential, [genuine] * (fits - 1) + [forged])
    clr.pop("proof")
    clr = add_proof(clr, key=key, verification_method=vm, created=NOW, loader=fixture.loader)
    text = json.dumps(clr)
    ms, outcome = _cost(verifier, text, rounds)
    label = f"a signed CLR of {fits} such credentials, last forged"
    _row(label, text, shape(clr, max_values=10**9)[1], ms, outcome)
    fits = _most(lambda n: _presentation([genuine] * n), PRESENTATION_FACTOR * MAX_VALUES - 10)
    vp = add_proof(
        _presentation([genuine] * (fits - 1) + [forged]),
        key=holder,
        verification_method=holder.public_key().did_key_vm(),
        created=NOW,
        loader=fixture.loader,
        proof_purpose="authentication",
    )
    text = json.dumps(vp)
    ms, outcome = _presentation_cost(fixture, verifier, text, rounds)
    label = f"a signed presentation of {fits} such, last forged"
    _row(label, text, shape(vp, max_values=10**9)[1], ms, outcome)
    endorsed_row(fixture, verifier, key, rounds)


def endorsed_row(fixture: Fixture, verifier: Verifier, key: PrivateKey, rounds: int) -> None:
    """A badge signed validly (by anyone's did:key) carrying the most endorsements that are verified
    (verifier.checks.endorsements.MAX_ENDORSEMENTS), each padded with alignments so that the badge holds
    as many JSON values as one credential may; each is verified on its own after the badge's proof, and
    only the last, forged, fails."""
    vm = key.public_key().did_key_vm()
    base = fixture.credential
    contexts = base["@context"][:2]  # VC 2.0 and OB 3.0 (ours adds the descriptor context)
    badge: dict[str, Any] = {
        "@context": contexts,
        "id": base["id"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": base["issuer"],
        "validFrom": base["validFrom"],
        "name": base["name"],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": base["credentialSubject"]["achievement"]["id"],
                "type": ["Achievement"],
                "name": "Data Analysis",
                "criteria": {"narrative": "Passed the final assessment."},
            },
        },
    }
    make = SHAPES["alignments, 5 values each"]
    per = (MAX_VALUES - shape(badge)[1]) // MAX_ENDORSEMENTS

    def endorsement(n: int, alignments: int) -> dict[str, Any]:
        unsigned = {
            "@context": contexts,
            "id": f"urn:uuid:22222222-2222-4222-8222-{n:012d}",
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "issuer": badge["issuer"]["id"],
            "validFrom": badge["validFrom"],
            "credentialSubject": {
                "type": ["EndorsementSubject"],
                "endorsementComment": "Meets our standard.",
                "alignment": [make(i) for i in range(alignments)],
            },
        }
        return add_proof(unsigned, key=key, verification_method=vm, created=NOW, loader=fixture.loader)

    alignments = max(1, (per - shape(endorsement(0, 0))[1]) // shape(make(0))[1])
    while True:  # the most that fit within the bound, the badge's own proof included
        endorsements = [endorsement(n, alignments) for n in range(MAX_ENDORSEMENTS)]
        endorsements[-1]["credentialSubject"]["endorsementComment"] = "Forged."
        badge["credentialSubject"]["achievement"]["endorsement"] = endorsements
        signed = add_proof(badge, key=key, verification_method=vm, created=NOW, loader=fixture.loader)
        if shape(signed, max_values=10**9)[1] <= MAX_VALUES or alignments == 1:
            break
        alignments -= 1
    text = json.dumps(signed)
    ms, outcome = _cost(verifier, text, rounds)
    label = f"a signed badge, {MAX_ENDORSEMENTS} endorsements, last forged"
    _row(label, text, shape(signed, max_values=10**9)[1], ms, outcome)


def _most(make: Callable[[int], dict[str, Any]], bound: int) -> int:
    """The most copies ``make`` may hold within ``bound`` JSON values."""
    count = 1
    while shape(make(count + 1), max_values=10**9)[1] <= bound:
        count += 1
    return count


def _presentation(credentials: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": credentials,
    }


def _clr(base: dict[str, Any], bundle: list[dict[str, Any]]) -> dict[str, Any]:
    """A CLR of ``bundle`` whose proof is another document's (the first bundled credential's)."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        ],
        "id": "urn:uuid:6a1c3d0e-6f0b-4b59-9d1e-2f4a8c7b5e10",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": base["issuer"]["id"],
        "validFrom": base["validFrom"],
        "name": "Transcript",
        "credentialSubject": {"type": ["ClrSubject"], "verifiableCredential": bundle},
        "proof": base["proof"],
    }


def _presentation_cost(fixture: Fixture, verifier: Verifier, text: str, rounds: int) -> tuple[float, str]:
    best, outcome = float("inf"), ""
    for _ in range(rounds):
        fixture.loader.context_cache.fragments.clear()
        t0 = time.process_time()
        result = verify_presentation(
            json.loads(text),
            loader=fixture.loader,
            resolver=DidResolver(),
            verify_credential=lambda item: verifier.verify(item, now=NOW),
        )
        failed = [c.id for c in result.checks if c.outcome == "failed"]
        failed += [f"{o.index}:{c.id}" for o in result.credentials for c in o.checks if c.outcome == "failed"]
        opened = sum(1 for o in result.credentials if o.result is not None)
        outcome = f"failed: {', '.join(failed)}; {opened} credential(s) verified"
        best = min(best, (time.process_time() - t0) * 1000)
    return best, outcome


def image_rows(rounds: int) -> None:
    """Uploads of the body limit (1 MiB) that carry no credential, read as the upload route reads them
    (``verifier.formats.credential_from_file``: a baked PNG or SVG is unbaked before anything else)."""
    mib = 1024 * 1024

    def chunk(ctype: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))

    header = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    png = header + chunk(b"teXt", b"") * (mib // 12) + chunk(b"IEND", b"")
    svg = '<svg xmlns="http://www.w3.org/2000/svg">' + "<g/>" * (mib // 4) + "</svg>"
    names = " ".join(f'xmlns:a{i}="urn:x"' for i in range(50_000))
    declared = f'<svg xmlns="http://www.w3.org/2000/svg" {names}/>'
    for label, data in (
        ("a PNG of 87,000 empty chunks", png),
        ("an SVG of 260,000 empty elements", svg.encode()),
        ("an SVG of 50,000 namespace declarations", declared.encode()),
    ):
        best, outcome = float("inf"), ""
        for _ in range(rounds):
            t0 = time.process_time()
            try:
                credential_from_file(data)
                outcome = "read"
            except UnreadableCredential as exc:
                outcome = f"refused unread: {exc.type_name}"
            best = min(best, (time.process_time() - t0) * 1000)
        _row(label, data.decode("latin-1"), "-", best, outcome)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--default-gc", action="store_true", help="keep Python's default collector settings")
    args = parser.parse_args(argv)
    fixture = Fixture(json.loads(DEFAULT_DOCUMENT.read_text(encoding="utf-8")), bundled_loader())
    verifier = fixture.verifier()
    if not args.default_gc:
        tune_gc()  # as the server does: the collector's passes over the whole heap are not the input's cost
    gc = "default collector" if args.default_gc else "the server's collector settings"
    print(f"refusal cost, least CPU of {args.rounds} calls ({gc}); bound {BOUND_MS:g} ms; {load_line()}")
    forged_rows(fixture, verifier, args.rounds)
    oversized_rows(fixture, verifier, args.rounds)
    bundle_rows(fixture, verifier, args.rounds)
    image_rows(args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
