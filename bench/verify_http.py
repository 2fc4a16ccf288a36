"""``bench/verify.py --http``: verifications per second through the real server (see bench/verify.py's
docstring), driven by Python client threads or by ``wrk``, with the server's CPU per verification."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    digital_bazaar_rates,
    goal_ratios,
    load_line,
    median,
    p90,
    prepare_database,
    server,
    server_cpu_seconds,
    setup_issuer,
)

__all__ = ["LoadResult", "http_main", "http_run", "issue_credential", "run_load", "run_wrk"]

ROOT = Path(__file__).resolve().parents[1]
GOAL_PER_SECOND = 1000.0  # issue 15: /v1/verify over HTTP, status list cached, 2 workers


def issue_credential(base: str, admin_token: str) -> dict[str, Any]:
    """Tenant, Ed25519 key, token, template and one issued ldp_vc credential, through the API."""
    slug, token, template_id = setup_issuer(base, admin_token)
    body = {
        "achievement_id": template_id,
        "recipient": {"email": "learner@example.org", "given_name": "Aiko", "family_name": "Tanaka"},
        "result": [
            {
                "type": ["Result"],
                "value": "A",
                "resultDescription": "urn:uuid:0b7e3a52-8d1c-4f6a-9e2b-5c4d3a2b1f00",
            }
        ],
    }
    with httpx.Client(base_url=base, timeout=30) as client:
        r = client.post(
            f"/v1/issuers/{slug}/credentials", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        if r.status_code != 201:
            raise RuntimeError(f"issuing failed: {r.status_code} {r.text[:500]}")
    credential: dict[str, Any] = r.json()["credentials"]["ldp_vc"]
    return credential


class LoadResult:
    def __init__(self) -> None:
        self.latencies: list[float] = []  # ms, successful verifications (the Python client)
        self.errors: dict[str, int] = {}
        self.elapsed = 0.0
        self.verified = 0  # successful verifications, when no latencies are kept (wrk)
        self.median_ms = float("nan")  # wrk's, over every response
        self.p90_ms = float("nan")
        self.server_cpu_ms = float("nan")  # the server's CPU per request over the measured seconds

    @property
    def count(self) -> int:
        return len(self.latencies) or self.verified

    @property
    def rate(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0


def body_for(path: str, credential: dict[str, Any]) -> dict[str, Any]:
    return (
        {"verifiableCredential": credential} if path == "/credentials/verify" else {"credential": credential}
    )


def run_load(
    base: str,
    credential: dict[str, Any],
    *,
    clients: int,
    seconds: float,
    path: str = "/v1/verify",
    pid: int | None = None,
) -> LoadResult:
    """``clients`` threads POST to ``path`` for ``seconds`` (after one untimed request, then 2 untimed
    requests each); a response that is not 200 with ``verified: true`` counts as an error. With ``pid``
    (the server's), its CPU per request over the measured seconds is kept too."""
    result = LoadResult()
    lock = threading.Lock()
    start_line = threading.Barrier(clients + 1)
    stop = threading.Event()
    body = body_for(path, credential)

    with httpx.Client(base_url=base, timeout=120) as client:  # publishes the status list: one at a time
        first = client.post(path, json=body)
        if first.status_code != 200 or first.json().get("verified") is not True:
            raise RuntimeError(
                f"the issued credential does not verify: {first.status_code} {first.text[:500]}"
            )

    def client_loop() -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            for _ in range(2):
                with contextlib.suppress(httpx.HTTPError):
                    client.post(path, json=body)
            try:
                start_line.wait()
            except threading.BrokenBarrierError:
                return
            while not stop.is_set():
                t0 = time.perf_counter()
                try:
                    r = client.post(path, json=body)
                    if r.status_code != 200:
                        error: str | None = f"HTTP {r.status_code}"
                    else:
                        error = None if r.json().get("verified") is True else "not verified"
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
    t0 = time.perf_counter()
    cpu = float("nan")
    try:
        start_line.wait(timeout=300)
        t0 = time.perf_counter()
        cpu = server_cpu_seconds(pid) if pid is not None else cpu
        stop.wait(seconds)
    finally:  # on Ctrl-C too: the clients stop, so the server's graceful shutdown does not wait on them
        stop.set()
        start_line.abort()
        for t in threads:
            t.join(timeout=150)
    result.elapsed = time.perf_counter() - t0
    requests = len(result.latencies) + sum(result.errors.values())
    if pid is not None and requests:
        result.server_cpu_ms = 1000 * (server_cpu_seconds(pid) - cpu) / requests
    return result


# wrk's script: POST the body; a response that is not 200 with "verified":true counts as an error.
_WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open(%s):read("*a")
bad = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"verified":true', 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local errors = 0
  for _, t in ipairs(threads) do errors = errors + t:get("bad") end
  io.write(string.format("SHOMEI %%d %%d %%d %%.3f %%.3f %%.3f\\n", summary.requests, errors,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(90) / 1000))
end
"""


def run_wrk(
    base: str,
    credential: dict[str, Any],
    *,
    clients: int,
    seconds: float,
    path: str,
    tmp: Path,
    pid: int,
) -> LoadResult:
    """``wrk`` (one thread, ``clients`` connections) POSTs to ``path`` for ``seconds`` after a 3 s warm-up;
    the counts and latencies are wrk's own, the server's CPU is read around the measured run."""
    body = tmp / "body.json"
    body.write_text(json.dumps(body_for(path, credential)), encoding="utf-8")
    with httpx.Client(base_url=base, timeout=120) as client:  # publishes the status list: one at a time
        first = client.post(path, content=body.read_bytes(), headers={"content-type": "application/json"})
        if first.status_code != 200 or first.json().get("verified") is not True:
            raise RuntimeError(
                f"the issued credential does not verify: {first.status_code} {first.text[:500]}"
            )
    script = tmp / "verify.lua"
    script.write_text(_WRK_SCRIPT % json.dumps(str(body)), encoding="utf-8")
    target = ["-t1", f"-c{clients}", "--timeout", "60s", "-s", str(script), base + path]
    subprocess.run(["wrk", "-d3s", *target], check=True, capture_output=True)
    cpu = server_cpu_seconds(pid)
    out = subprocess.run(["wrk", f"-d{seconds:g}s", *target], check=True, capture_output=True, text=True)
    cpu = server_cpu_seconds(pid) - cpu
    found = re.search(r"^SHOMEI (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)$", out.stdout, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk's output was not understood:\n{out.stdout}")
    requests, bad, socket_errors = (int(found.group(i)) for i in (1, 2, 3))
    result = LoadResult()
    result.elapsed, result.median_ms, result.p90_ms = (float(found.group(i)) for i in (4, 5, 6))
    result.verified = requests - bad
    if bad:
        result.errors["not 200 verified"] = bad
    if socket_errors:
        result.errors["socket"] = socket_errors
    result.server_cpu_ms = 1000 * cpu / requests if requests else float("nan")
    return result


def http_run(
    *,
    clients: int,
    seconds: float,
    path: str = "/v1/verify",
    root: Path = ROOT,
    workers: int = 1,
    load: str = "httpx",
) -> LoadResult:
    """One server (the code under ``root``, ``workers`` uvicorn workers) on a fresh SQLite file, one
    credential, one load run (``load``: the Python client threads or wrk)."""
    admin_token = "shm_bench-" + secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="shomei-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'shomei.db'}"
        prepare_database(url, admin_token)
        pids: list[int] = []
        log = Path(tmp) / "server.log"
        with server(url, admin_token=admin_token, log=log, root=root, workers=workers, pids=pids) as base:
            credential = issue_credential(base, admin_token)
            if load == "wrk":
                return run_wrk(
                    base, credential, clients=clients, seconds=seconds, path=path, tmp=Path(tmp), pid=pids[0]
                )
            return run_load(base, credential, clients=clients, seconds=seconds, path=path, pid=pids[0])


def http_row(label: str, result: LoadResult) -> None:
    errors = sum(result.errors.values())
    kinds = f" ({', '.join(f'{k}: {v}' for k, v in sorted(result.errors.items()))})" if errors else ""
    lat = result.latencies or [float("nan")]
    mid, high = (median(lat), p90(lat)) if result.latencies else (result.median_ms, result.p90_ms)
    print(
        f"  {label:<10} {result.rate:6.1f} verifications/s ({result.count} in "
        f"{result.elapsed:.1f} s)   latency median {mid:7.1f} ms  p90 {high:7.1f} ms"
        f"   server CPU {result.server_cpu_ms:.2f} ms/verification   errors {errors}{kinds}"
    )


def http_main(*, clients: int, seconds: float, path: str, workers: list[int], load: str = "httpx") -> int:
    print(
        f"POST {path} (ldp_vc eddsa-rdfc-2022, did:web, own status list) over HTTP: {clients} clients "
        f"({'wrk, one thread' if load == 'wrk' else 'Python threads, one httpx.Client each'}), "
        f"{seconds:g} s, uvicorn workers {workers}, SQLite, Python {sys.version.split()[0]}, {load_line()}"
    )
    reference = digital_bazaar_rates()
    if reference:
        print(f"  Digital Bazaar in process (bench.mjs, eddsa-rdfc-2022): {reference[1]:.1f} verifies/s")
    failed = False
    for n in workers:
        result = http_run(clients=clients, seconds=seconds, path=path, workers=n, load=load)
        http_row(f"workers {n}", result)
        print(
            "    "
            + goal_ratios(
                result.rate,
                goal=GOAL_PER_SECOND,
                unit="verifications/s",
                reference=reference[1] if reference else None,
                what="verification",
            )
        )
        print(f"    {load_line()}")
        failed = failed or bool(result.errors)
    return 1 if failed else 0
