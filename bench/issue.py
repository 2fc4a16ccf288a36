"""Signing cost of one micro-credential, in process: Data Integrity (eddsa-rdfc-2022, ecdsa-rdfc-2019) and
VC-JWT, with the share spent in canonicalization and a plain-pyld baseline of the same signature.

    .venv/bin/python bench/issue.py [--n 200] [--document bench/data/reference-mc.json]

With ``--http``: credentials per second through the real server instead. Starts
``uvicorn --factory app.main:asgi`` on a free 127.0.0.1 port (fresh SQLite file or fresh PostgreSQL
database ``shomei_bench_<random>`` per run, settings through SHOMEI_* variables), creates a tenant, an
Ed25519 key, a token and an achievement template through the API, then ``--clients`` threads (one
httpx.Client each) POST /v1/issuers/{slug}/credentials for ``--seconds``:

    .venv/bin/python bench/issue.py --http [--db sqlite|postgresql|both] [--clients 8] [--seconds 15]
                                           [--workers 1 2]

The server is stopped and the database dropped at the end, on errors and on Ctrl-C too.

The reference credential is a copy of the ADMAL "Aircraft General Knowledge" example of the descriptor
profile, its proof removed. The OB assessment extension context
(https://purl.imsglobal.org/spec/ob-assessment/v2p0/context/) is not bundled, so the copy drops it and
the five terms and one type it defines (assessmentType, assessmentOutput, evaluationMethod,
hasGroupParticipation, hasGroupEvaluation; AssessmentResultDescription).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import os
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout without an installed package
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from pyld import jsonld  # noqa: E402

from bench.common import (  # noqa: E402
    Samples,
    digital_bazaar_rates,
    goal_ratios,
    issue_body,
    load_line,
    median,
    p90,
    pg_database,
    plain_pyld_hash,
    prepare_database,
    server,
    server_cpu_seconds,
    setup_issuer,
    timed,
)
from proofs.data_integrity import add_proof  # noqa: E402
from proofs.jsonld import DocumentLoader, bundled_loader  # noqa: E402
from proofs.keys import KeyAlgorithm, PrivateKey  # noqa: E402
from proofs.multibase import multibase_encode  # noqa: E402
from proofs.rdfc import canonicalize  # noqa: E402

GOAL_PER_SECOND = 400.0  # issue 15: ldp_vc on PostgreSQL, 2 workers, 8 clients; also >= 2x Digital Bazaar
DEFAULT_DOCUMENT = ROOT / "bench" / "data" / "reference-mc.json"
CREATED = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)


def ed25519_key() -> PrivateKey:
    return PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes(32))


def p256_key() -> PrivateKey:
    return PrivateKey.from_raw_secret(KeyAlgorithm.P256, bytes(31) + b"\x01")


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
    data = plain_pyld_hash(document, config, algorithm=key.algorithm, loader=loader)
    return multibase_encode(key.sign(data), base="z")


def row(label: str, samples: Samples, extra: str = "") -> None:
    print(
        f"  {label:<34} median {median(samples.wall):7.2f} ms   p90 {p90(samples.wall):7.2f} ms"
        f"   (CPU median {median(samples.cpu):7.2f} ms){extra}"
    )


def bench_data_integrity(document: dict[str, Any], loader: DocumentLoader, n: int) -> None:
    # As issued from a template: the achievement memoized (issuer.secure's ``recurring``). The issuer is
    # made another node than the achievement's creator, as the service's tenant DID is.
    served = {**document, "issuer": {**document["issuer"], "id": "did:web:issuer.example"}}
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

        def sign_served(key: PrivateKey = key, vm: str = vm) -> dict[str, Any]:
            return add_proof(served, key=key, verification_method=vm, created=CREATED, loader=loader)

        def sign_memo(key: PrivateKey = key, vm: str = vm) -> dict[str, Any]:
            return add_proof(
                served,
                key=key,
                verification_method=vm,
                created=CREATED,
                loader=loader,
                fragments=("achievement",),
            )

        memo_canonical = canonicalize(served, loader=loader, fragments=("achievement",))
        same = same and memo_canonical == canonicalize(served, loader=loader)
        if suite == "eddsa-rdfc-2022":  # deterministic signatures: the same proof value
            same = same and sign_memo()["proof"]["proofValue"] == sign_served()["proof"]["proofValue"]
        times = timed(
            {"sign": sign, "canon": canon, "baseline": baseline, "served": sign_served, "memo": sign_memo}, n
        )
        signed, canonical, plain = times["sign"], times["canon"], times["baseline"]
        print(f"{suite} ({key.algorithm}) — output identical to plain pyld: {'yes' if same else 'NO'}")
        row("sign (add_proof)", signed)
        share = median(canonical.cpu) / median(signed.cpu)
        row("  of which canonicalization", canonical, f"   share {share:5.1%}")
        ratio = median(plain.cpu) / median(signed.cpu)
        row("baseline: jsonld.normalize + sign", plain, f"   ratio {ratio:5.1f}x")
        row("sign, issuer apart from creator", times["served"])
        saved = median(times["served"].cpu) / median(times["memo"].cpu)
        row("  the same, achievement memoized", times["memo"], f"   ratio {saved:5.1f}x")


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
    http = parser.add_argument_group("over HTTP (--http)")
    http.add_argument("--http", action="store_true", help="issue through a real uvicorn server")
    http.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both", help="default both")
    http.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    http.add_argument("--seconds", type=float, default=15.0, help="measured duration per run (default 15)")
    http.add_argument(
        "--root", type=Path, default=ROOT, help="serve the code of this checkout (a before/after worktree)"
    )
    http.add_argument(
        "--workers", type=int, nargs="+", default=[1], help="uvicorn worker counts to run (default 1)"
    )
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    if args.http:
        if args.clients < 1 or args.seconds <= 0 or min(args.workers) < 1:
            parser.error("--clients, --seconds and --workers must be positive")
        dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
        try:
            return http_main(
                dbs, workers=args.workers, clients=args.clients, seconds=args.seconds, root=args.root
            )
        except KeyboardInterrupt:
            print("interrupted: server stopped, database removed")
            return 130
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


# --- over HTTP ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def bench_database(kind: str) -> Iterator[str]:
    """A temporary SQLite file or a fresh PostgreSQL database, removed on the way out."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="shomei-bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'shomei.db'}"
        return
    with pg_database() as url:
        yield url


class LoadResult:
    def __init__(self) -> None:
        self.latencies: list[float] = []  # ms, successful requests
        self.errors: dict[str, int] = {}
        self.elapsed = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0


def run_load(
    base: str, slug: str, token: str, template_id: str, *, clients: int, seconds: float
) -> LoadResult:
    """``clients`` threads issue for ``seconds`` (after 2 untimed requests each); requests under way at
    the deadline finish and count."""
    result = LoadResult()
    lock = threading.Lock()
    start_line = threading.Barrier(clients + 1)
    stop = threading.Event()
    counter = itertools.count()
    path = f"/v1/issuers/{slug}/credentials"

    def client_loop() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            for _ in range(2):
                client.post(path, json=issue_body(template_id, next(counter)))
            try:
                start_line.wait()
            except threading.BrokenBarrierError:
                return
            while not stop.is_set():
                body = issue_body(template_id, next(counter))
                t0 = time.perf_counter()
                try:
                    r = client.post(path, json=body)
                    error = None if r.status_code == 201 else f"HTTP {r.status_code}"
                except httpx.HTTPError as exc:
                    error = type(exc).__name__
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    if error is None:
                        result.latencies.append(ms)
                    else:
                        result.errors[error] = result.errors.get(error, 0) + 1

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    try:
        start_line.wait(timeout=300)
        t0 = time.perf_counter()
        stop.wait(seconds)
    finally:  # on Ctrl-C too: the clients stop, so the server's graceful shutdown does not wait on them
        stop.set()
        start_line.abort()
        for t in threads:
            t.join(timeout=150)
    result.elapsed = time.perf_counter() - t0
    return result


def http_main(dbs: list[str], *, workers: list[int], clients: int, seconds: float, root: Path = ROOT) -> int:
    print(
        f"POST /v1/issuers/{{slug}}/credentials (ldp_vc, eddsa-rdfc-2022) over HTTP: {clients} clients, "
        f"{seconds:g} s per run, uvicorn workers {workers}, Python {sys.version.split()[0]}, {load_line()}"
    )
    reference = digital_bazaar_rates()
    if reference:
        print(f"  Digital Bazaar in process (bench.mjs, eddsa-rdfc-2022): {reference[0]:.1f} signs/s")
    baseline: float | None = None
    for db in dbs:
        for n in workers:
            admin_token = "shm_bench-" + secrets.token_urlsafe(24)
            with tempfile.TemporaryDirectory(prefix="shomei-bench-log-") as tmp, bench_database(db) as url:
                prepare_database(url, admin_token)
                log = Path(tmp) / "server.log"
                pids: list[int] = []
                with server(url, workers=n, admin_token=admin_token, log=log, root=root, pids=pids) as base:
                    slug, token, template_id = setup_issuer(base, admin_token)
                    cpu0 = server_cpu_seconds(pids[0])
                    result = run_load(base, slug, token, template_id, clients=clients, seconds=seconds)
                    cpu = server_cpu_seconds(pids[0]) - cpu0
                    tail = log.read_text(errors="replace").strip().splitlines()[-3:]
            baseline = baseline or result.rate
            errors = sum(result.errors.values())
            kinds = f" ({', '.join(f'{k}: {v}' for k, v in sorted(result.errors.items()))})" if errors else ""
            lat = result.latencies or [float("nan")]
            print(
                f"  {db:<10} workers {n}: {result.rate:6.1f} credentials/s ({len(result.latencies)} in "
                f"{result.elapsed:.1f} s, ratio {result.rate / baseline:4.2f}x vs first run)   latency median"
                f" {median(lat):7.1f} ms  p90 {p90(lat):7.1f} ms   errors {errors}{kinds}"
            )
            cpu_each = cpu * 1000 / len(result.latencies) if result.latencies else float("nan")
            print(
                f"    server CPU {cpu_each:.1f} ms per credential; "
                + goal_ratios(
                    result.rate,
                    goal=GOAL_PER_SECOND,
                    unit="credentials/s",
                    reference=reference[0] if reference else None,
                    what="signing (goal >= 2x)",
                )
            )
            if errors and tail:
                print("    server log (last lines): " + " | ".join(tail))
            print(f"    {load_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
