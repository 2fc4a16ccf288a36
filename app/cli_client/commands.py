"""``shomei issue``, ``shomei verify`` and ``shomei revoke``; :func:`register` adds them (and ``bulk``,
``jobs show``) to the ``shomei`` command."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer

from app.cli_client import jobs
from app.cli_client.api import (
    DONE,
    FAILED,
    USAGE,
    Api,
    IssuerOption,
    JsonOption,
    TokenOption,
    UrlOption,
    derived_key,
    fail,
    output,
    read_input,
)

__all__ = ["register"]

DEFAULT_URL = "http://127.0.0.1:8000"
_PNG = b"\x89PNG\r\n\x1a\n"


def issue(
    template: Annotated[str, typer.Option("--template", help="The achievement template's id.")],
    recipient_email: Annotated[str | None, typer.Option("--recipient-email")] = None,
    recipient_id: Annotated[str | None, typer.Option("--recipient-id", help="The learner's DID.")] = None,
    given_name: Annotated[str | None, typer.Option("--given-name")] = None,
    family_name: Annotated[str | None, typer.Option("--family-name")] = None,
    formats: Annotated[list[str] | None, typer.Option("--format", help="Repeat for several.")] = None,
    valid_until: Annotated[str | None, typer.Option("--valid-until", help="RFC 3339, with a zone.")] = None,
    offer: Annotated[bool, typer.Option("--offer", help="Also make a wallet offer (OpenID4VCI).")] = False,
    idempotency_key: Annotated[
        str | None, typer.Option("--idempotency-key", help="Default: derived from the inputs.")
    ] = None,
    issuer: IssuerOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Issue one credential (the same inputs again issue nothing new).

    The Idempotency-Key is derived from the inputs: a second run reports the first credential."""
    if (recipient_email is None) == (recipient_id is None):
        fail(USAGE, "missing-recipient", "give one of --recipient-email and --recipient-id", as_json=as_json)
    recipient: dict[str, Any] = {"email": recipient_email} if recipient_email else {"id": recipient_id}
    recipient.update({k: v for k, v in (("given_name", given_name), ("family_name", family_name)) if v})
    body: dict[str, Any] = {
        "achievement_id": template,
        "recipient": recipient,
        "formats": formats or ["ldp_vc"],
    }
    if valid_until:
        body["valid_until"] = valid_until
    if offer:
        body["offer"] = {"formats": body["formats"], "tx_code": True}
    api = Api(url, token, as_json)
    path = api.issuer_path(issuer, "credentials")
    key = idempotency_key or derived_key("issue", issuer, body)
    response = api.request("POST", path, json=body, headers={"Idempotency-Key": key})
    result = response.json()
    replayed = response.status_code == 200
    verb = "already issued" if replayed else "issued"
    output(as_json, {**result, "replayed": replayed}, f"{verb} {result['credential_id']}\n{result['id']}")


def verify(
    source: Annotated[str, typer.Argument(help="A credential file (JSON, JWT, baked PNG/SVG), - or a URL.")],
    profiles: Annotated[list[str] | None, typer.Option("--profile", help="Also check a profile.")] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Verify a credential; exit 1 when it does not verify."""
    api = Api(url, token, as_json)
    params = {"profiles": ",".join(profiles)} if profiles else {}
    kwargs: dict[str, Any]
    if urlsplit(source).scheme in ("http", "https"):
        kwargs = {"json": {"url": source}}
    else:
        data = read_input(source, as_json=as_json)
        if data.startswith(_PNG) or data.lstrip()[:5] in (b"<svg ", b"<?xml"):
            kwargs = {"files": {"file": ("credential", data)}}
        else:
            text = data.decode("utf-8", errors="replace").strip()
            try:
                credential: Any = json.loads(text)
            except ValueError:
                credential = text  # a VC-JWT or an SD-JWT VC
            kwargs = {"json": {"credential": credential}}
    result = api.json("POST", "/v1/verify", params=params, **kwargs)
    failed = [c["id"] for c in result.get("checks", []) if c.get("outcome") == "failed"]
    text = "verified" if result.get("verified") else "NOT verified: " + (", ".join(failed) or "no checks")
    output(as_json, result, text)
    raise typer.Exit(DONE if result.get("verified") else FAILED)


def revoke(
    credential: Annotated[str, typer.Argument(help="The credential's id (its UUID or URL).")],
    reason: Annotated[str, typer.Option("--reason", help="A reason code (issuer/status/reasons.py).")],
    note: Annotated[str | None, typer.Option("--note")] = None,
    issuer: IssuerOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke a credential (final). A credential already revoked is done, not an error."""
    api = Api(url, token, as_json)
    credential_id = urlsplit(credential).path.rstrip("/").rsplit("/", 1)[-1]
    path = api.issuer_path(issuer, f"credentials/{credential_id}/status")
    body = {"action": "revoke", "reason": reason, **({"note": note} if note else {})}
    response = api.request("POST", path, json=body, accept=(409,))
    result = response.json()
    if response.status_code == 409:
        if not str(result.get("type", "")).endswith("/already-revoked"):
            kind = str(result.get("type", "conflict")).rsplit("/", 1)[-1]
            fail(USAGE, kind, str(result.get("detail", "")), as_json=as_json, problem=result)
        output(
            as_json, {"credential_id": credential_id, "status": "revoked", "already": True}, "already revoked"
        )
        return
    output(as_json, result, f"revoked {result['credential_id']} ({result['reason']})")


def register(app: typer.Typer) -> None:
    """Add the client commands to ``app`` (the ``shomei`` command)."""
    app.command("issue")(issue)
    app.command("verify")(verify)
    app.command("revoke")(revoke)
    app.command("bulk")(jobs.bulk)
    jobs_app = typer.Typer(help="Bulk issuance jobs on a server.", no_args_is_help=True)
    jobs_app.command("show")(jobs.show)
    app.add_typer(jobs_app, name="jobs")
