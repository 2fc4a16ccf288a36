"""The wallet copy (OpenID4VCI): an issued credential issued again for the holder's DID and key, with its
own id and status entries, in the caller's transaction; and whether a credential can be copied in a
format at all (checked when an offer is made, so a wallet is never offered what it cannot receive)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.credentials import service as issuance
from app.credentials.context import IssueContext
from app.credentials.securing import check_format, secure_all
from app.db.models import Credential, Tenant
from app.errors import Conflict, ServiceError
from app.settings import Settings
from app.status import service as status
from app.tokens.auth import Principal
from app.urls import credential_url

__all__ = ["check_deliverable", "issue_for_holder"]

# Stands in for the wallet's DID when an offer is checked (the copy's credentialSubject.id)
_SOME_HOLDER = "did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIn0"


def _copyable(session: Session, original: Credential) -> dict[str, Any]:
    """The unsigned JSON-LD form of an issued credential, which every wallet copy starts from."""
    stored = next(
        (d for d in issuance.documents_of(session, original) if not d.media_type.endswith("jwt")), None
    )
    if stored is None:
        raise Conflict("the credential has no JSON-LD form to copy", type_name="credential-not-copyable")
    return {k: v for k, v in json.loads(stored.content).items() if k != "proof"}


def check_deliverable(
    session: Session, settings: Settings, tenant: Tenant, original: Credential, formats: Sequence[str]
) -> None:
    """Refuse (with the problem the wallet's request would meet) a credential that cannot be copied in
    each of ``formats``: one issued without a JSON-LD form (``credential-not-copyable``), a format the
    tenant has no active key for (``signing-key-missing``), an SD-JWT VC whose mandatory claims the
    credential cannot fill (``sd-jwt-projection-failed``). ``format`` names the first that fails."""
    unsigned = _copyable(session, original)
    unsigned["credentialSubject"] = {**unsigned["credentialSubject"], "id": _SOME_HOLDER}
    for fmt in dict.fromkeys(formats):
        try:
            check_format(session, settings, tenant, unsigned, fmt)
        except ServiceError as exc:
            exc.extra.setdefault("format", fmt)
            raise


def issue_for_holder(
    session: Session,
    ctx: IssueContext,
    tenant: Tenant,
    original: Credential,
    *,
    holder_id: str,
    fmt: str,
    actor: Principal | None,
    holder_jwk: dict[str, Any] | None = None,
) -> tuple[Credential, str]:
    """A copy of an issued credential bound to a wallet's key (OpenID4VCI): the same achievement, result
    and dates, ``credentialSubject.id`` = the holder's DID, its own id and status entries, secured in
    ``fmt``. Status changes of the original apply to it (``derived_from_id``)."""
    unsigned = _copyable(session, original)
    credential_uuid = uuid.uuid4()
    url = credential_url(ctx.settings, credential_uuid)
    unsigned["id"] = url
    subject = dict(unsigned["credentialSubject"])
    subject["id"] = holder_id
    unsigned["credentialSubject"] = subject
    allocation = status.allocate(session, tenant, size=ctx.settings.status_list_size)
    entries = status.credential_status_entries(ctx.settings, tenant, allocation, credential_url=url)
    unsigned["credentialStatus"] = entries[0] if len(entries) == 1 else entries
    documents = secure_all(session, ctx, tenant, unsigned, [fmt], holder_jwk=holder_jwk)
    row = Credential(
        id=credential_uuid,
        tenant_id=tenant.id,
        template_id=original.template_id,
        template_version_id=original.template_version_id,
        achievement_name=original.achievement_name,
        recipient_ref=holder_id[:300],
        recipient_lookup=original.recipient_lookup,
        valid_from=original.valid_from,
        valid_until=original.valid_until,
        issued_at=ctx.now,
        issued_by_token_id=actor.token_id if actor else None,
        status=original.status,
        status_reason=original.status_reason,
        credential_uri=url,
        status_list_id=allocation.status_list.id,
        status_index=allocation.index,
        derived_from_id=original.id,
    )
    issuance.store_issued(session, ctx, tenant, row, documents, actor=actor, template_id=original.template_id)
    return row, documents[fmt][1]
