"""Signing cost of one micro-credential, in process: Data Integrity (eddsa-rdfc-2022, ecdsa-rdfc-2019) and
VC-JWT, with the share spent in canonicalization and a plain-pyld baseline of the same signature.

    .venv/bin/python bench/issue.py [--n 200] [--document bench/data/reference-mc.json]

The reference credential is a copy of the ADMAL "Aircraft General Knowledge" example of the descriptor
profile, its proof removed. The OB assessment extension context
(https://purl.imsglobal.org/spec/ob-assessment/v2p0/context/) is not bundled, so the copy drops it and
the five terms and one type it defines (assessmentType, assessmentOutput, evaluationMethod,
hasGroupParticipation, hasGroupEvaluation; AssessmentResultDescription).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout without an installed package
    sys.path.insert(0, str(ROOT))

from pyld import jsonld  # noqa: E402

from proofs.data_integrity import add_proof  # noqa: E402
from proofs.jsonld import DocumentLoader, bundled_loader  # noqa: E402
from proofs.keys import KeyAlgorithm, PrivateKey  # noqa: E402
from proofs.multibase import multibase_encode  # noqa: E402
from proofs.rdfc import canonicalize  # noqa: E402

DEFAULT_DOCUMENT = ROOT / "bench" / "data" / "reference-mc.json"
CREATED = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
WARM_UP = 5
BLOCK = 20


def ed25519_key() -> PrivateKey:
    return PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes(32))


def p256_key() -> PrivateKey:
    return PrivateKey.from_raw_secret(KeyAlgorithm.P256, bytes(31) + b"\x01")


class Samples:
    """Wall-clock and CPU milliseconds of each call."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []


def timed(fns: dict[str, Callable[[], object]], n: int) -> dict[str, Samples]:
    """Times of each function, after a few warm-up calls (caches filled as in a running service).

    The functions take turns in blocks of BLOCK calls, so that a busy machine slows them alike and the
    ratios hold. The CPU (process) time leaves out the waits for a core that a busy machine adds to the
    wall clock, though not the slower cores a shared machine gives."""
    for fn in fns.values():
        for _ in range(WARM_UP):
            fn()
    samples = {name: Samples() for name in fns}
    for start in range(0, n, BLOCK):
        for name, fn in fns.items():
            gc.collect()  # each block starts without the garbage of the one before
            for _ in range(min(BLOCK, n - start)):
                wall, cpu = time.perf_counter(), time.process_time()
                fn()
                samples[name].cpu.append((time.process_time() - cpu) * 1000)
                samples[name].wall.append((time.perf_counter() - wall) * 1000)
    return samples


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def p90(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=10)[-1] if len(samples) > 1 else samples[0]


def proof_config(document: dict[str, Any], *, suite: str, vm: str) -> dict[str, Any]:
    return {
        "@context": document["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": suite,
        "created": CREATED.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": vm,
        "proofPurpose": "assertionMethod",
    }


def plain_pyld_sign(
    document: dict[str, Any], config: dict[str, Any], key: PrivateKey, loader: DocumentLoader
) -> str:
    """The same proof value through jsonld.normalize (no caches, no safe mode): the baseline."""
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
    h = hashlib.sha384 if key.algorithm is KeyAlgorithm.P384 else hashlib.sha256
    data = (
        h(jsonld.normalize(config, dict(options)).encode()).digest()
        + h(jsonld.normalize(document, dict(options)).encode()).digest()
    )
    return multibase_encode(key.sign(data), base="z")


def row(label: str, samples: Samples, extra: str = "") -> None:
    print(
        f"  {label:<34} median {median(samples.wall):7.2f} ms   p90 {p90(samples.wall):7.2f} ms"
        f"   (CPU median {median(samples.cpu):7.2f} ms){extra}"
    )


def bench_data_integrity(document: dict[str, Any], loader: DocumentLoader, n: int) -> None:
    for suite, key in (("eddsa-rdfc-2022", ed25519_key()), ("ecdsa-rdfc-2019", p256_key())):
        vm = key.public_key().did_key_vm()
        config = proof_config(document, suite=suite, vm=vm)

        def sign(key: PrivateKey = key, vm: str = vm) -> dict[str, Any]:
            return add_proof(document, key=key, verification_method=vm, created=CREATED, loader=loader)

        def canon(config: dict[str, Any] = config) -> None:
            canonicalize(document, loader=loader)
            canonicalize(config, loader=loader)

        def baseline(config: dict[str, Any] = config, key: PrivateKey = key) -> str:
            return plain_pyld_sign(document, config, key, loader)

        # Same bytes as plain pyld: the canonical forms, and for the deterministic Ed25519 the proof value.
        options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
        same = canonicalize(document, loader=loader) == jsonld.normalize(document, dict(options)) and (
            canonicalize(config, loader=loader) == jsonld.normalize(config, dict(options))
        )
        if suite == "eddsa-rdfc-2022":
            same = same and sign()["proof"]["proofValue"] == baseline()
        times = timed({"sign": sign, "canon": canon, "baseline": baseline}, n)
        signed, canonical, plain = times["sign"], times["canon"], times["baseline"]
        print(f"{suite} ({key.algorithm}) — output identical to plain pyld: {'yes' if same else 'NO'}")
        row("sign (add_proof)", signed)
        share = median(canonical.cpu) / median(signed.cpu)
        row("  of which canonicalization", canonical, f"   share {share:5.1%}")
        ratio = median(plain.cpu) / median(signed.cpu)
        row("baseline: jsonld.normalize + sign", plain, f"   ratio {ratio:5.1f}x")


def bench_jwt(document: dict[str, Any], n: int) -> None:
    """VC-JWT (OB 3.0 §8.2); skipped while proofs.vc_jwt does not exist."""
    try:
        from proofs.vc_jwt import encode_ob_vc_jwt
    except ImportError:
        print("vc-jwt: skipped (proofs.vc_jwt.encode_ob_vc_jwt is not there yet)")
        return
    key = ed25519_key()
    kid = key.public_key().did_key_vm()
    samples = timed({"jwt": lambda: encode_ob_vc_jwt(document, key=key, kid=kid)}, n)["jwt"]
    print(f"vc-jwt ({key.algorithm.jws_alg})")
    row("encode_ob_vc_jwt", samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=200, help="signatures per format (default 200)")
    parser.add_argument(
        "--document", type=Path, default=DEFAULT_DOCUMENT, help="unsigned credential (JSON-LD)"
    )
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    document = json.loads(args.document.read_text(encoding="utf-8"))
    document.pop("proof", None)
    loader = bundled_loader()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{args.document} — {args.n} signatures per format, in process, "
        f"Python {sys.version.split()[0]}, load average {load:.2f} on {os.cpu_count()} CPUs"
    )
    bench_data_integrity(document, loader, args.n)
    bench_jwt(document, args.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
