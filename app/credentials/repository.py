"""The queries on ``credentials`` and ``credential_documents``: a credential by id (the tenant's, or any
tenant's for its public URL), by Idempotency-Key, by its ``id`` URI, a filtered page of them; its
documents; storing a newly issued one."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, insert, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

from app.db.models import AchievementTemplateVersion, Credential, CredentialDocument, Tenant
from app.db.tenancy import cross_tenant

__all__ = [
    "add_issued",
    "by_idempotency_key",
    "documents",
    "get",
    "get_public",
    "latest_by_uri",
    "page",
    "template_version_number",
]


def get(session: Session, tenant: Tenant, credential_id: uuid.UUID) -> Credential | None:
    """The tenant's credential ``credential_id``."""
    return session.scalars(
        select(Credential).where(Credential.id == credential_id, Credential.tenant_id == tenant.id)
    ).one_or_none()


def get_public(session: Session, credential_id: uuid.UUID) -> Credential | None:
    """The credential ``credential_id`` whichever tenant issued it: its public URL names only its UUID."""
    with cross_tenant("a credential's public URL names only its UUID, not its issuer"):
        return session.scalars(select(Credential).where(Credential.id == credential_id)).one_or_none()


def by_idempotency_key(session: Session, tenant: Tenant, key: str) -> Credential | None:
    """The tenant's credential issued with ``Idempotency-Key: key``."""
    return session.scalars(
        select(Credential).where(Credential.tenant_id == tenant.id, Credential.idempotency_key == key)
    ).one_or_none()


def latest_by_uri(session: Session, tenant: Tenant, uri: str) -> Credential | None:
    """The tenant's most recent credential whose ``id`` is ``uri``."""
    return session.scalars(
        select(Credential)
        .where(Credential.tenant_id == tenant.id, Credential.credential_uri == uri)
        .order_by(Credential.issued_at.desc())
        .limit(1)
    ).one_or_none()


def page(
    session: Session,
    tenant: Tenant,
    *,
    template_id: uuid.UUID | None,
    recipient_lookup: str | None,
    issued_after: dt.datetime | None,
    issued_before: dt.datetime | None,
    offset: int,
    limit: int,
) -> Sequence[Credential]:
    """The tenant's credentials matching the filters, by issue time then id, ``limit`` from ``offset``."""
    stmt = select(Credential).where(Credential.tenant_id == tenant.id)
    if template_id is not None:
        stmt = stmt.where(Credential.template_id == template_id)
    if recipient_lookup is not None:
        stmt = stmt.where(Credential.recipient_lookup == recipient_lookup)
    if issued_after is not None:
        stmt = stmt.where(Credential.issued_at >= issued_after)
    if issued_before is not None:
        stmt = stmt.where(Credential.issued_at < issued_before)
    return session.scalars(
        stmt.order_by(Credential.issued_at, Credential.id).offset(offset).limit(limit)
    ).all()


def documents(
    session: Session, tenant_id: uuid.UUID, credential_id: uuid.UUID
) -> Sequence[CredentialDocument]:
    """The stored documents of the tenant's credential, oldest first, then by format."""
    return session.scalars(
        select(CredentialDocument)
        .where(CredentialDocument.credential_id == credential_id, CredentialDocument.tenant_id == tenant_id)
        .order_by(CredentialDocument.created_at, CredentialDocument.format)
    ).all()


def template_version_number(session: Session, tenant_id: uuid.UUID, version_id: uuid.UUID) -> int | None:
    """The number of the tenant's template version ``version_id`` (what a credential was issued from)."""
    return session.scalars(
        select(AchievementTemplateVersion.version).where(
            AchievementTemplateVersion.id == version_id, AchievementTemplateVersion.tenant_id == tenant_id
        )
    ).one_or_none()


def add_issued(
    session: Session,
    tenant: Tenant,
    credential: Credential,
    documents: Mapping[str, tuple[str, str]],
    *,
    now: dt.datetime,
) -> None:
    """Write the tenant's new credential row, then its documents (format -> (media type, text)) exactly as
    issued, each with its SHA-256. A clash on a unique constraint (the Idempotency-Key, a status index)
    raises ``IntegrityError``."""
    if credential.tenant_id != tenant.id:
        raise ValueError("the credential belongs to another tenant")
    # Core INSERTs, not the unit of work: a flush of three new objects (its sort, its bookkeeping) cost
    # more Python than the statements. The credential row holds every column of the object, which then
    # joins the session as if flushed (persistent, nothing left to load).
    session.execute(_INSERT_CREDENTIAL, _every_column(credential))
    make_transient_to_detached(credential)
    session.add(credential)
    for fmt, (media_type, text) in documents.items():
        row = {
            "id": uuid.uuid4(),
            "credential_id": credential.id,
            "tenant_id": tenant.id,
            "format": fmt,
            "media_type": media_type,
            "content": text,
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "created_at": now,
        }
        session.execute(_INSERT_DOCUMENT, row)


_INSERT_CREDENTIAL = insert(cast(Table, Credential.__table__))
_INSERT_DOCUMENT = insert(cast(Table, CredentialDocument.__table__))


def _every_column(credential: Credential) -> dict[str, Any]:
    """Each column of the new ``credential``: its value, else its default (set on the object too), else
    None: the row to insert, and an object with nothing unloaded."""
    values: dict[str, Any] = {}
    for attr in inspect(Credential).column_attrs:
        key = attr.key
        if key not in credential.__dict__:
            if attr.columns[0].server_default is not None:  # the database's default: not known here
                raise TypeError(f"unexpected server default of credentials.{key}")
            default = attr.columns[0].default
            if default is None:
                value = None
            elif isinstance(default, ScalarElementColumnDefault):
                value = default.arg
            elif isinstance(default, CallableColumnDefault):
                value = cast(Any, default.arg)(None)  # wrapped to take a context; none used
            else:  # a SQL expression default: not one of this table's
                raise TypeError(f"unexpected default of credentials.{key}")
            setattr(credential, key, value)
        values[key] = credential.__dict__[key]
    return values
