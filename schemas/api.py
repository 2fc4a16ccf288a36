"""Request and response bodies of the HTTP API (pydantic).

Every request model refuses, anywhere in its values (member names included), what the two databases would
not store alike (NUL; a lone surrogate, not UTF-8), numbers that are not finite (``NaN``: not JSON) or
that no double holds (JSON-LD cannot expand them), and nesting deeper than :data:`MAX_DEPTH` (it could not
be written back out): :func:`first_unstorable` finds them, and the base model makes one a 422 error.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
import uuid
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

__all__ = [
    "IDEMPOTENCY_KEY_PATTERN",
    "INT32_MAX",
    "INT64_MAX",
    "MAX_DEPTH",
    "AchievementTemplateIn",
    "AchievementTemplateOut",
    "AddressIn",
    "AuditEventOut",
    "CertificateIn",
    "CredentialFormat",
    "CredentialIssueIn",
    "CredentialOut",
    "KeyCreate",
    "KeyOut",
    "KeyRotate",
    "OfferIn",
    "PresentationRequestIn",
    "QueryDatetime",
    "RecipientIn",
    "StatusChangeIn",
    "StatusOut",
    "StorableModel",
    "TenantCreate",
    "TenantOut",
    "TenantUpdate",
    "TokenCreate",
    "TokenCreated",
    "TokenOut",
    "first_unstorable",
    "in_utc_range",
    "unstorable_text",
]

# The ranges of the database's integer columns (Integer, BigInteger): the bounds of the numbers a
# request may give for them (a number beyond one is an error on PostgreSQL and SQLite alike).
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
IDEMPOTENCY_KEY_PATTERN = r"^[\x20-\x7e]+$"  # printable ASCII (an sf-string, RFC 8941 §3.3.3), 1 or more

Scope = Literal["issue", "revoke", "read", "admin"]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
HttpUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^\s/$.?#][^\s]*$", max_length=2000)]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]

_IDENTIFIER_TYPES = {
    "name", "sourcedId", "systemId", "productId", "userName", "accountId", "emailAddress",
    "nationalIdentityNumber", "isbn", "issn", "lisSourcedId", "oneRosterSourcedId", "sisSourcedId",
    "ltiContextId", "ltiDeploymentId", "ltiToolId", "ltiPlatformId", "ltiUserId", "identifier",
}  # fmt: skip


# NUL, and the UTF-16 surrogate code points (in a Python str only when lone: JSON's "\ud800").
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_text(value: str) -> bool:
    """Whether ``value`` holds a NUL character or a lone surrogate."""
    return _UNSTORABLE.search(value) is not None


def _segment(key: object) -> str:
    text = str(key)
    return "?" if unstorable_text(text) else text


_DOUBLE_MAX = sys.float_info.max
# Deeper than any credential document needs; deep enough documents could not be written back out.
MAX_DEPTH = 32


def first_unstorable(value: Any, *, skip: type | None = None) -> tuple[str, str] | None:
    """The first place in a JSON-like value (dicts, lists, tuples, strings, numbers) that holds unstorable
    text (a string or a member name with NUL or a lone surrogate), a number that is not finite, an integer
    no double holds, or nesting deeper than :data:`MAX_DEPTH`: ``(dotted path, kind)``, the kind one of
    ``unstorable_text``, ``non_finite_number``, ``number_out_of_range`` and ``too_deep``; or None. Values of
    type ``skip`` are not entered. Iterative: a deep document cannot exhaust the stack."""
    stack: list[tuple[str, int, Any]] = [("", 0, value)]
    while stack:
        path, depth, node = stack.pop()
        if skip is not None and isinstance(node, skip):
            continue
        if isinstance(node, str):
            if unstorable_text(node):
                return path or "value", "unstorable_text"
        elif isinstance(node, float):
            if not math.isfinite(node):
                return path or "value", "non_finite_number"
        elif isinstance(node, int) and not isinstance(node, bool):
            if not -_DOUBLE_MAX <= node <= _DOUBLE_MAX:  # 309 digits or more: JSON-LD cannot expand it
                return path or "value", "number_out_of_range"
        elif isinstance(node, dict | list | tuple) and depth >= MAX_DEPTH:
            return path or "value", "too_deep"
        elif isinstance(node, dict):
            for key, item in reversed(list(node.items())):
                where = f"{path}.{_segment(key)}" if path else _segment(key)
                if isinstance(key, str) and unstorable_text(key):
                    return where, "unstorable_text"
                stack.append((where, depth + 1, item))
        elif isinstance(node, list | tuple):
            stack.extend((f"{path}[{i}]", depth + 1, item) for i, item in reversed(list(enumerate(node))))
    return None


_MESSAGES = {
    "unstorable_text": "{where} holds a NUL character or a lone surrogate, which cannot be stored",
    "non_finite_number": "{where} is not a finite number (NaN and Infinity are not JSON)",
    "number_out_of_range": "{where} is a number no IEEE 754 double holds (I-JSON): JSON-LD cannot read it",
    "too_deep": "{where} is nested deeper than " + str(MAX_DEPTH) + " levels",
}


def in_utc_range(value: dt.datetime | None) -> dt.datetime | None:
    """``value``, when it has a time zone and is also a time in UTC (9999-12-31T23:00:00-12:00 is not:
    it would overflow where it is stored or compared); unchanged, zone included."""
    if value is not None and value.tzinfo is not None:
        try:
            value.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError("the time is out of range in UTC (years 1 to 9999)") from None
    return value


# A datetime in a query parameter: its zone is the service's to require; its range in UTC is checked here.
QueryDatetime = Annotated[dt.datetime, AfterValidator(in_utc_range)]


class StorableModel(BaseModel):
    """A request body whose values (nested models aside: they check their own) can all be stored: the
    base of every request model whose values are stored (these, and the VC-API's in app/vcapi)."""

    @model_validator(mode="after")
    def _storable(self) -> Self:
        found = first_unstorable({**self.__dict__, **(self.model_extra or {})}, skip=BaseModel)
        if found is not None:
            where, kind = found
            raise PydanticCustomError(kind, _MESSAGES[kind], {"where": where})
        return self


class _Strict(StorableModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class AddressIn(_Strict):
    """OB 3.0 Address; ``addressCountryCode`` is ISO 3166-1 alpha-2."""

    addressCountryCode: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    addressCountry: str | None = None
    addressRegion: str | None = None
    addressLocality: str | None = None
    streetAddress: str | None = None
    postOfficeBoxNumber: str | None = None
    postalCode: str | None = None


class OtherIdentifier(_Strict):
    """OB 3.0 IdentifierEntry: an accreditation reference, a registry id, a LinkedIn organizationId…"""

    identifier: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    identifierType: str

    @field_validator("identifierType")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value in _IDENTIFIER_TYPES or value.startswith("ext:"):
            return value
        raise ValueError("identifierType must be an OB 3.0 IdentifierTypeEnum value or start with 'ext:'")


def _check_image(value: str | None) -> str | None:
    if value is None:
        return None
    if value.startswith(("https://", "http://")) and len(value) <= 2000:
        return value
    if value.startswith(("data:image/png;base64,", "data:image/svg+xml;", "data:image/jpeg;base64,")):
        if len(value) > 512_000:
            raise ValueError("the logo data URI is larger than 500 KB")
        return value
    raise ValueError("image must be an http(s) URL or a PNG, SVG or JPEG data URI")


class TenantCreate(_Strict):
    slug: Slug
    name: Text
    url: HttpUrl
    email: Email
    address: AddressIn
    description: Annotated[str, StringConstraints(max_length=4000)] | None = None
    image: str | None = None
    otherIdentifier: list[OtherIdentifier] = Field(default_factory=list, max_length=20)
    did_method: Literal["web", "key"] = "web"
    # Credentials also carry a suspension entry. Fixed at creation: issued credentials keep their entries.
    suspension_enabled: bool = False

    _image = field_validator("image")(classmethod(lambda cls, v: _check_image(v)))


class TenantUpdate(_Strict):
    """Fields to change; ``name``, ``url`` and ``email`` given as null are left as they are. The address
    is required of every issuer (``TenantCreate``): it may be replaced, not removed (null is a 422)."""

    name: Text | None = None
    url: HttpUrl | None = None
    email: Email | None = None
    address: AddressIn | SkipJsonSchema[None] = None
    description: Annotated[str, StringConstraints(max_length=4000)] | None = None
    image: str | None = None
    otherIdentifier: list[OtherIdentifier] | None = Field(default=None, max_length=20)

    _image = field_validator("image")(classmethod(lambda cls, v: _check_image(v)))

    @field_validator("address", mode="before")
    @classmethod
    def _address_not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("an issuer's address can be replaced, not removed")
        return value


class TenantOut(BaseModel):
    id: uuid.UUID
    slug: str
    did: str | None
    did_method: str
    suspension_enabled: bool
    name: str
    url: str
    email: str
    address: dict[str, Any]
    description: str | None
    image: str | None
    otherIdentifier: list[dict[str, Any]]
    profile: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


class TokenCreate(_Strict):
    scopes: list[Scope] = Field(min_length=1)
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] = "api token"
    expires_at: dt.datetime | None = Field(
        default=None, description="When the token stops working (with a time zone; later than now)."
    )

    @field_validator("expires_at")
    @classmethod
    def _aware_utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("datetimes need a time zone (e.g. 2026-01-31T00:00:00Z)")
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError("the time is out of range in UTC") from None


class TokenOut(BaseModel):
    id: uuid.UUID
    name: str
    scopes: list[str]
    prefix: str = Field(
        description="At most the first 6 characters of the token (none for a token under 32 characters)."
    )
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    expires_at: dt.datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The bearer token. Shown once; only its hash is stored.")


class KeyCreate(_Strict):
    type: Literal["Ed25519", "P-256", "P-384"] = "Ed25519"


class KeyRotate(_Strict):
    type: Literal["Ed25519", "P-256", "P-384"] = "Ed25519"


class KeyOut(BaseModel):
    id: uuid.UUID
    type: str
    state: str
    verification_method: str
    publicKeyMultibase: str | None
    publicKeyJwk: dict[str, Any]
    created_at: dt.datetime
    rotated_at: dt.datetime | None
    retired_at: dt.datetime | None
    x5c: list[str] | None = None


class CertificateIn(_Strict):
    """An institution's certificate chain for a P-256 key: PEM, leaf first, ending with its root."""

    pem: Annotated[str, StringConstraints(min_length=50, max_length=200_000)]


class AuditEventOut(BaseModel):
    id: int
    tenant: str | None
    actor_token_id: uuid.UUID | None
    action: str
    target_type: str
    target_id: str | None
    details: dict[str, Any]
    request_id: str | None
    created_at: dt.datetime


ProfileName = Literal["ob3-minimal", "eu-microcredential", "jp-mc-framework"]


class AchievementTemplateIn(StorableModel):
    """A course template: an OB 3.0 Achievement (with an optional ``mcDescriptor``) and claimed profiles.

    The achievement may be given under ``achievement`` or as the top-level fields themselves.
    """

    model_config = ConfigDict(extra="allow")

    achievement: dict[str, Any] | None = None
    profiles: list[ProfileName] = Field(default_factory=list)
    catalogue: bool = False  # list it in the issuer's public catalogue

    def achievement_body(self) -> dict[str, Any]:
        if self.achievement is not None:
            return dict(self.achievement)
        return dict(self.model_extra or {})


class AchievementTemplateOut(BaseModel):
    id: uuid.UUID
    version: int
    profiles: list[str]
    achievement: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    archived_at: dt.datetime | None
    catalogue: bool = False


class RecipientIn(_Strict):
    """The learner: a DID (``id``), or an email / student number stored only as a salted hash."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", max_length=500)] | None = (
        None
    )
    email: Email | None = None
    identifier: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None
    identifier_type: str = "sisSourcedId"
    given_name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    family_name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None

    @field_validator("identifier_type")
    @classmethod
    def _known_identifier_type(cls, value: str) -> str:
        if value in _IDENTIFIER_TYPES or value.startswith("ext:"):
            return value
        raise ValueError("identifier_type must be an OB 3.0 IdentifierTypeEnum value or start with 'ext:'")

    @model_validator(mode="after")
    def _one_identity(self) -> RecipientIn:
        if not (self.id or self.email or self.identifier):
            raise ValueError("recipient needs one of: id, email, identifier")
        return self


CredentialFormat = Literal[
    "ldp_vc",
    "ldp_vc:eddsa-rdfc-2022",
    "ldp_vc:ecdsa-rdfc-2019",
    "jwt_vc_json",
    "dc+sd-jwt",
    "dc+sd-jwt:micro-credential",
]


class OfferIn(_Strict):
    """A credential offer for the learner's wallet (OpenID4VCI): which formats, and whether the
    learner must type a one-time transaction code."""

    formats: list[str] = Field(default_factory=lambda: ["ldp_vc", "jwt_vc_json"], min_length=1, max_length=5)
    tx_code: bool = True


class CredentialIssueIn(_Strict):
    achievement_id: uuid.UUID | None = None
    achievement: dict[str, Any] | None = None
    recipient: RecipientIn
    result: list[dict[str, Any]] | None = Field(default=None, max_length=50)
    evidence: list[dict[str, Any]] | None = Field(default=None, max_length=50)
    activity_start_date: dt.datetime | None = None
    activity_end_date: dt.datetime | None = None
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    awarded_date: dt.datetime | None = None
    credits_earned: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    narrative: Annotated[str, StringConstraints(max_length=4000)] | None = None
    term: Annotated[str, StringConstraints(max_length=200)] | None = None
    formats: list[CredentialFormat] = Field(default=["ldp_vc"], min_length=1)
    offer: OfferIn | None = None  # also make a wallet offer, in the same transaction

    @field_validator("valid_from", "valid_until", "awarded_date", "activity_start_date", "activity_end_date")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("datetimes need a time zone (e.g. 2026-01-31T00:00:00Z)")
        return in_utc_range(value)

    @model_validator(mode="after")
    def _one_achievement(self) -> CredentialIssueIn:
        if (self.achievement_id is None) == (self.achievement is None):
            raise ValueError("give exactly one of achievement_id and achievement")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be later than valid_from")
        return self


class CredentialOut(BaseModel):
    id: str
    credential_id: uuid.UUID
    template_id: uuid.UUID | None
    template_version: int | None
    recipient: str
    status: str
    issued_at: dt.datetime
    valid_from: dt.datetime
    valid_until: dt.datetime | None
    formats: list[str]
    credentials: dict[str, Any]
    offer: dict[str, Any] | None = None


class StatusChangeIn(_Strict):
    """A status change: revoke (final), suspend or reinstate, with a reason code and an optional note."""

    action: Literal["revoke", "suspend", "reinstate"]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class StatusOut(BaseModel):
    id: str
    credential_id: uuid.UUID
    status: Literal["active", "revoked", "suspended"]
    reason: str | None
    status_list_credentials: list[str]


class PresentationRequestIn(_Strict):
    """An OpenID4VP presentation request (the tenant acting as verifier): what to ask the wallet for as a
    DCQL query (OpenID4VP 1.0 §6: ``credentials`` with ``format`` ``dc+sd-jwt`` and ``meta.vct_values``,
    or ``ldp_vc`` and ``meta.type_values``, their ``claims``, and ``credential_sets``), the issuers
    trusted (their identifiers; empty: any issuer whose signature verifies against the trust anchors),
    the purpose shown to the employer, how the wallet answers and how long the request stays open."""

    dcql_query: dict[str, Any]
    purpose: Annotated[str, StringConstraints(max_length=500)] | None = None
    trusted_issuers: list[Annotated[str, StringConstraints(min_length=1, max_length=2000)]] = Field(
        default_factory=list, max_length=32
    )
    response_mode: Literal["direct_post.jwt", "direct_post"] = "direct_post.jwt"
    client_id_prefix: Literal["x509_hash", "x509_san_dns"] = "x509_hash"
    flow: Literal["cross_device", "same_device"] = "cross_device"
    expires_in: int = Field(default=600, ge=60, le=3600)
