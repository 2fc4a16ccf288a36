"""The HTTP side of the client commands: an ``httpx`` client for ``SHOMEI_URL`` with the bearer token, the
exit codes, how a refusal or a network failure ends a command, and idempotency keys derived from inputs.

Exit codes: ``0`` done; ``1`` not verified, or rows failed; ``2`` usage (bad arguments, or a request the
server refused as such: a 4xx problem); ``3`` the server failed (5xx) or could not be reached.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn

import httpx
import typer

__all__ = [
    "DONE",
    "FAILED",
    "SERVER_ERROR",
    "USAGE",
    "Api",
    "IssuerOption",
    "JsonOption",
    "TokenOption",
    "UrlOption",
    "derived_key",
    "fail",
    "output",
    "read_input",
]

DONE, FAILED, USAGE, SERVER_ERROR = 0, 1, 2, 3

UrlOption = Annotated[
    str, typer.Option("--url", envvar="SHOMEI_URL", help="The server's base URL.", show_default=True)
]
TokenOption = Annotated[
    str | None, typer.Option("--token", envvar="SHOMEI_TOKEN", help="An API token.", show_default=False)
]
IssuerOption = Annotated[
    str | None,
    typer.Option("--issuer", envvar="SHOMEI_ISSUER", help="The issuer's slug.", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine output: one JSON document on stdout.")]


def output(as_json: bool, document: Any, text: str) -> None:
    """``document`` as JSON (``--json``) or ``text`` for a person, on stdout."""
    typer.echo(json.dumps(document, indent=None, sort_keys=True) if as_json else text)


def fail(code: int, kind: str, message: str, *, as_json: bool, problem: Any = None) -> NoReturn:
    """End the command with ``code``: ``error: kind: message`` on stderr (and the problem as JSON on stdout
    with ``--json``)."""
    if as_json:
        typer.echo(json.dumps({"error": kind, "message": message, "problem": problem}, sort_keys=True))
    typer.echo(f"error: {kind}: {message}", err=True)
    raise typer.Exit(code)


def derived_key(kind: str, *parts: Any) -> str:
    """An idempotency key derived from the inputs, so that a re-run pipeline repeats nothing: the same
    inputs give the same key, which the server answers with the first result."""
    digest = hashlib.sha256(kind.encode())
    for part in parts:
        data = (
            part
            if isinstance(part, bytes)
            else json.dumps(part, sort_keys=True, separators=(",", ":")).encode()
        )
        digest.update(len(data).to_bytes(8, "big") + data)
    return f"shomei-cli-{kind}-{digest.hexdigest()[:40]}"


@dataclass
class Api:
    """Requests to the server; a 4xx problem ends the command with ``2``, a 5xx or no answer with ``3``,
    unless the caller lists the status in ``accept``."""

    url: str
    token: str | None
    as_json: bool
    timeout: float = 60.0

    def issuer_path(self, issuer: str | None, rest: str) -> str:
        if not issuer:
            fail(USAGE, "missing-issuer", "give --issuer or set SHOMEI_ISSUER", as_json=self.as_json)
        return f"/v1/issuers/{issuer}/{rest}"

    def request(
        self, method: str, path: str, *, accept: tuple[int, ...] = (), **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            with httpx.Client(base_url=self.url.rstrip("/"), timeout=self.timeout) as client:
                response = client.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            fail(SERVER_ERROR, "network-error", f"{self.url}: {type(exc).__name__}", as_json=self.as_json)
        if response.status_code < 400 or response.status_code in accept:
            return response
        problem = _problem(response)
        kind = str(problem.get("type", "")).rsplit("/", 1)[-1] or f"http-{response.status_code}"
        message = str(problem.get("detail") or problem.get("title") or response.reason_phrase)
        code = SERVER_ERROR if response.status_code >= 500 else USAGE
        fail(code, kind, message, as_json=self.as_json, problem=problem)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.request(method, path, **kwargs).json()


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"status": response.status_code}
    return body if isinstance(body, dict) else {"status": response.status_code}


def read_input(source: str, *, as_json: bool) -> bytes:
    """A file's bytes, or stdin's for ``-``; a file that cannot be read is a usage error."""
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        with open(source, "rb") as handle:
            return handle.read()
    except OSError as exc:
        fail(USAGE, "unreadable-file", f"{source}: {exc.strerror or type(exc).__name__}", as_json=as_json)
