"""``shomei bulk FILE --template ID [--dry-run] [--wait]`` and ``shomei jobs show ID``, against the jobs API:
``POST /v1/issuers/{slug}/jobs`` (multipart ``file``, ``template_id``, ``dry_run``; ``Idempotency-Key``) ->
``202 {id, status, total, links}``; ``GET /v1/issuers/{slug}/jobs/{id}`` -> ``{status, total, done, failed,
rate_per_s, eta_s}``. ``--wait`` follows the job with a progress bar on stderr until it ends."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from app.cli_client.api import (
    DONE,
    FAILED,
    Api,
    IssuerOption,
    JsonOption,
    TokenOption,
    UrlOption,
    derived_key,
    output,
    read_input,
)

__all__ = ["ENDED", "bulk", "show"]

ENDED = frozenset({"succeeded", "failed", "cancelled"})
_MEDIA = {".csv": "text/csv", ".jsonl": "application/jsonl", ".ndjson": "application/jsonl"}


def _summary(job: dict[str, Any]) -> str:
    rate, eta = job.get("rate_per_s"), job.get("eta_s")
    line = f"job {job.get('id')}: {job.get('status')}, {job.get('done', 0)} of {job.get('total')} done"
    line += f", {job.get('failed', 0)} failed"
    if rate is not None:
        line += f", {rate:.1f}/s"
    if eta is not None and job.get("status") not in ENDED:
        line += f", about {eta:.0f} s left"
    return line


def _exit_code(job: dict[str, Any]) -> int:
    return DONE if job.get("status") == "succeeded" and not job.get("failed") else FAILED


def _follow(api: Api, path: str, job: dict[str, Any], *, interval: float, as_json: bool) -> dict[str, Any]:
    """Poll the job until it ends; a progress bar (rows done or failed of the total) unless ``--json``."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=as_json,
    )
    with progress:
        task = progress.add_task("issuing", total=job.get("total") or None, failed=0)
        while job.get("status") not in ENDED:
            time.sleep(interval)
            job = api.json("GET", path)
            finished = int(job.get("done", 0)) + int(job.get("failed", 0))
            progress.update(
                task, total=job.get("total") or None, completed=finished, failed=job.get("failed", 0)
            )
    return job


def bulk(
    file: Annotated[str, typer.Argument(help="A CSV or JSONL file of rows (- for stdin).")],
    template: Annotated[str, typer.Option("--template", help="The achievement template's id.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row; issue nothing.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Follow the job until it ends.")] = False,
    idempotency_key: Annotated[
        str | None, typer.Option("--idempotency-key", help="Default: derived from the file and options.")
    ] = None,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between polls.", min=0.05)] = 1.0,
    issuer: IssuerOption = None,
    url: UrlOption = "http://127.0.0.1:8000",
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start a bulk issuance job (the same file and options again start nothing new).

    With --wait, follow it with a progress bar; exit 1 when rows failed or the job did not succeed. With
    --dry-run, the server checks every row at once: exit 1 when any row would fail."""
    api = Api(url, token, as_json)
    data = read_input(file, as_json=as_json)
    path = api.issuer_path(issuer, "jobs")
    key = idempotency_key or derived_key("bulk", issuer, template, dry_run, data)
    name = Path(file).name if file != "-" else "rows.csv"
    media_type = _MEDIA.get(Path(name).suffix.lower(), "text/csv")
    job = api.json(
        "POST",
        path,
        files={"file": (name, data, media_type)},
        data={"template_id": template, "dry_run": "true" if dry_run else "false"},
        headers={"Idempotency-Key": key},
    )
    if dry_run:  # answered at once: every row's problem, nothing issued (nothing to follow)
        output(as_json, job, _dry_run_summary(job))
        raise typer.Exit(FAILED if job.get("failed") else DONE)
    if wait:
        job = _follow(api, f"{path}/{job['id']}", job, interval=interval, as_json=as_json)
    output(as_json, job, _summary(job))
    raise typer.Exit(_exit_code(job) if wait else DONE)


def _dry_run_summary(report: dict[str, Any]) -> str:
    lines = [f"dry run: {report.get('valid', 0)} of {report.get('total', 0)} rows would be issued"]
    for error in report.get("errors", []):
        problem = error.get("problem", {})
        lines.append(f"  row {error.get('row')}: {str(problem.get('type', '')).rsplit('/', 1)[-1]}")
    return "\n".join(lines)


def show(
    job_id: Annotated[str, typer.Argument(help="The job's id.")],
    issuer: IssuerOption = None,
    url: UrlOption = "http://127.0.0.1:8000",
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """A job's state: status, rows done and failed, rate and time left. Exit 1 when rows failed."""
    api = Api(url, token, as_json)
    job = api.json("GET", api.issuer_path(issuer, f"jobs/{job_id}"))
    output(as_json, job, _summary(job))
    raise typer.Exit(FAILED if job.get("failed") else DONE)
