"""The wallet copy (OpenID4VCI): an issued credential issued again for the holder's DID and key, with its
own id and status entries, in the caller's transaction."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy.orm import Session

from app.credentials import service as issuance
from app.credentials.context import IssueContext
from app.credentials.securing import secure_all
from app.db.models import Credential, Tenant
from app.errors import Conflict
from app.status import service as status
from app.tokens.auth import Principal
from app.urls import credential_url

__all__ = ["issue_for_holder"]


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
    stored = next(
        (d for d in issuance.documents_of(session, original) if not d.media_type.endswith("jwt")), None
    )
    if stored is None:
        raise Conflict("the credential has no JSON-LD form to copy", type_name="credential-not-copyable")
    unsigned = {k: v for k, v in json.loads(stored.content).items() if k != "proof"}
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
