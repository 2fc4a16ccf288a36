"""Typed ORM models, in two modules (:mod:`.core`, :mod:`.features`), all registered on ``Base.metadata``
when this package is imported. Every tenant-owned row carries ``tenant_id``; queries always filter on it."""

from __future__ import annotations

from app.db.models.core import (
    AchievementTemplate,
    AchievementTemplateVersion,
    ApiToken,
    AuditEvent,
    Credential,
    CredentialDocument,
    CredentialOffer,
    Oid4vciAuthorization,
    Oid4vciNonce,
    Oid4vciSeenJti,
    PublishedStatusList,
    SigningKey,
    StatusList,
    StatusListStripe,
    Tenant,
)
from app.db.models.features import (
    IssuanceJob,
    IssuanceJobRow,
    Pathway,
    PresentationRequest,
    ServiceSetting,
    TrustList,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

__all__ = [
    "AchievementTemplate",
    "AchievementTemplateVersion",
    "ApiToken",
    "AuditEvent",
    "Credential",
    "CredentialDocument",
    "CredentialOffer",
    "IssuanceJob",
    "IssuanceJobRow",
    "Oid4vciAuthorization",
    "Oid4vciNonce",
    "Oid4vciSeenJti",
    "Pathway",
    "PresentationRequest",
    "PublishedStatusList",
    "ServiceSetting",
    "SigningKey",
    "StatusList",
    "StatusListStripe",
    "Tenant",
    "TrustList",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
