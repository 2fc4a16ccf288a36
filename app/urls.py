"""Public URLs the service mints (credential ids, achievement ids, status list credentials)."""

from __future__ import annotations

import uuid

from app.db.models import StatusList, Tenant
from app.settings import Settings


def credential_url(settings: Settings, credential_uuid: uuid.UUID) -> str:
    """The credential's ``id``; it serves the credential and, later, its verification page."""
    return f"{settings.public_base_url}/credentials/{credential_uuid}"


def achievement_url(settings: Settings, tenant: Tenant, template_id: uuid.UUID) -> str:
    return f"{settings.public_base_url}/issuers/{tenant.slug}/achievements/{template_id}"


def status_list_url(settings: Settings, tenant: Tenant, status_list: StatusList, purpose: str) -> str:
    return f"{settings.public_base_url}/status/{tenant.slug}/{status_list.sequence}/{purpose}"


def issuer_identifier(settings: Settings, tenant: Tenant) -> str:
    return f"{settings.public_base_url}/issuers/{tenant.slug}"
