"""What a tenant publishes as an OpenID4VCI credential issuer and OAuth authorization server: the
credential configurations it offers (and which issuance format each maps to), the Credential Issuer
Metadata (plain or signed), the Authorization Server Metadata and the JWT VC Issuer Metadata.

Each tenant is a credential issuer at ``{base}/issuers/{slug}`` and its own authorization server.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app import urls
from app.db.models import Tenant
from app.keys import service as keys
from app.keys import x5c
from app.keystore import KeyCustody
from app.settings import Settings
from issuer.build import OB_CONTEXT, VC_V2
from issuer.sd_jwt_vc import (
    LEARNING_CREDENTIAL_CLAIMS,
    LEARNING_CREDENTIAL_VCT,
    MICRO_CREDENTIAL_CLAIMS,
    ClaimSpec,
    micro_credential_vct,
)
from issuer.wallet.dpop import DPOP_ALGORITHMS
from proofs.keys import KeyAlgorithm
from proofs.vc_jwt import sign_jws

__all__ = [
    "AUTHORIZATION_CODE_GRANT",
    "CONFIGURATIONS",
    "FORMAT_CONFIGURATION",
    "PRE_AUTH_GRANT",
    "PROOF_SIGNING_ALGS",
    "authorization_server_metadata",
    "issuer_metadata",
    "jwt_vc_issuer_metadata",
    "signed_issuer_metadata",
]

PRE_AUTH_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


AUTHORIZATION_CODE_GRANT = "authorization_code"


SIGNED_METADATA_TTL = dt.timedelta(days=1)


def _claims_metadata(claims: tuple[ClaimSpec, ...]) -> list[dict[str, Any]]:
    """``credential_metadata.claims`` (OpenID4VCI 1.0 Appendix B.2): every claim the type issues, with
    ``mandatory`` and its English ``display`` name."""
    return [
        {
            "path": [claim.name],
            "mandatory": claim.mandatory,
            "display": [{"name": claim.label, "locale": "en"}],
        }
        for claim in claims
    ]


# The key proof algorithms every configuration advertises (proof_signing_alg_values_supported) and accepts.
PROOF_SIGNING_ALGS = ("ES256", "EdDSA")


@dataclass(frozen=True, slots=True)
class Configuration:
    """A credential configuration (OpenID4VCI §12.2.4) and the issuance format that makes it."""

    id: str
    format: str  # OpenID4VCI format identifier
    issue_format: str  # our issuance format
    name: str

    @property
    def binding_methods(self) -> tuple[str, ...]:
        """``cryptographic_binding_methods_supported``: SD-JWT VCs bind to a ``jwk`` (``cnf``, HAIP),
        the W3C formats to the holder's ``did:jwk`` (``credentialSubject.id``). A key proof may name
        the key as ``jwk`` for either, and as a ``did:jwk`` ``kid`` where ``did:jwk`` is listed."""
        return ("jwk",) if self.format == "dc+sd-jwt" else ("did:jwk",)

    def metadata(self, public_base_url: str, *, key_attestations: bool = False) -> dict[str, Any]:
        jwt_proofs: dict[str, Any] = {"proof_signing_alg_values_supported": list(PROOF_SIGNING_ALGS)}
        if key_attestations:  # OpenID4VCI 1.0 §12.2.4: present = every proof needs a key attestation
            jwt_proofs["key_attestations_required"] = {}
        proof_types = {"jwt": jwt_proofs}
        base: dict[str, Any] = {
            "format": self.format,
            "scope": self.id,
            "cryptographic_binding_methods_supported": list(self.binding_methods),
            "proof_types_supported": proof_types,
            "credential_metadata": {"display": [{"name": self.name, "locale": "en"}]},
        }
        credential_type = {"type": ["VerifiableCredential", "OpenBadgeCredential"]}
        if self.format == "dc+sd-jwt":
            base["credential_signing_alg_values_supported"] = ["ES256"]
            if self.issue_format == "dc+sd-jwt":
                base["vct"] = LEARNING_CREDENTIAL_VCT
                base["credential_metadata"]["claims"] = _claims_metadata(LEARNING_CREDENTIAL_CLAIMS)
            else:  # Shomei's own type: its Type Metadata is served at the vct URL
                base["vct"] = micro_credential_vct(public_base_url)
                base["credential_metadata"]["claims"] = _claims_metadata(MICRO_CREDENTIAL_CLAIMS)
            return base
        if self.format == "ldp_vc":
            base["credential_signing_alg_values_supported"] = ["eddsa-rdfc-2022"]
            base["credential_definition"] = {"@context": [VC_V2, OB_CONTEXT], **credential_type}
        else:
            base["credential_signing_alg_values_supported"] = ["ES256"]
            base["credential_definition"] = credential_type
        return base


CONFIGURATIONS: dict[str, Configuration] = {
    c.id: c
    for c in (
        Configuration("ob3_ldp_vc", "ldp_vc", "ldp_vc", "Open Badge 3.0 (Data Integrity)"),
        Configuration("ob3_jwt_vc_json", "jwt_vc_json", "jwt_vc_json", "Open Badge 3.0 (VC-JWT)"),
        Configuration(
            "eudi_learning_credential_dc_sd_jwt",
            "dc+sd-jwt",
            "dc+sd-jwt",
            "EU Learning Credential (SD-JWT VC)",
        ),
        Configuration(
            "shomei_micro_credential_dc_sd_jwt",
            "dc+sd-jwt",
            "dc+sd-jwt:micro-credential",
            "Micro-credential with all descriptors (SD-JWT VC)",
        ),
    )
}


# The formats an institution may offer (our issuance formats) → the configuration a wallet asks for.
FORMAT_CONFIGURATION = {
    "ldp_vc": "ob3_ldp_vc",
    "ldp_vc:eddsa-rdfc-2022": "ob3_ldp_vc",
    "jwt_vc_json": "ob3_jwt_vc_json",
    "dc+sd-jwt": "eudi_learning_credential_dc_sd_jwt",
    "dc+sd-jwt:micro-credential": "shomei_micro_credential_dc_sd_jwt",
}


def issuer_metadata(settings: Settings, tenant: Tenant) -> dict[str, Any]:
    """Credential Issuer Metadata (OpenID4VCI §12.2)."""
    display: dict[str, Any] = {"name": tenant.name, "locale": "en"}
    if tenant.image:
        display["logo"] = {"uri": tenant.image, "alt_text": f"{tenant.name} logo"}
    return {
        "credential_issuer": urls.issuer_identifier(settings, tenant),
        "credential_endpoint": urls.issuer_endpoint_url(settings, tenant, "credential"),
        "nonce_endpoint": urls.issuer_endpoint_url(settings, tenant, "nonce"),
        "notification_endpoint": urls.issuer_endpoint_url(settings, tenant, "notification"),
        "batch_credential_issuance": {"batch_size": 4},
        "display": [display],
        "credential_configurations_supported": {
            cid: c.metadata(settings.public_base_url, key_attestations=settings.require_wallet_attestations)
            for cid, c in CONFIGURATIONS.items()
        },
    }


def signed_issuer_metadata(
    session: Session,
    settings: Settings,
    custody: KeyCustody,
    ca: x5c.CertificateAuthority,
    tenant: Tenant,
    *,
    now: dt.datetime,
) -> str | None:
    """Signed Credential Issuer Metadata (OpenID4VCI 1.0 §12.2.3), for ``Accept: application/jwt``: a
    JWT (``typ`` ``openidvci-issuer-metadata+jwt``) whose payload is the metadata with ``sub`` = the
    Credential Issuer Identifier and ``iat``/``exp``, signed ES256 by the tenant's key with its ``x5c``
    chain (HAIP). None when the tenant has no active P-256 key (the metadata is then answered as
    JSON)."""
    if keys.active_key(session, tenant, KeyAlgorithm.P256) is None:
        return None
    metadata = issuer_metadata(settings, tenant)
    issued = int(now.timestamp())
    payload = {
        **metadata,
        "sub": metadata["credential_issuer"],
        "iss": metadata["credential_issuer"],
        "iat": issued,
        "exp": issued + int(SIGNED_METADATA_TTL.total_seconds()),
    }
    signer, chain = x5c.x5c_signer(session, settings, custody, ca, tenant)
    header = {"alg": "ES256", "typ": "openidvci-issuer-metadata+jwt", "x5c": chain}
    return sign_jws(header, payload, key=signer)


def authorization_server_metadata(settings: Settings, tenant: Tenant) -> dict[str, Any]:
    """OAuth 2.0 Authorization Server Metadata (RFC 8414): the pre-authorized code flow and, as HAIP 1.0
    requires next to it, the authorization code flow with PAR (RFC 9126, required), PKCE S256 only
    (RFC 7636) and public clients; the authorization response carries ``iss`` (RFC 9207)."""
    return {
        "issuer": urls.issuer_identifier(settings, tenant),
        "authorization_endpoint": urls.issuer_endpoint_url(settings, tenant, "authorize"),
        "pushed_authorization_request_endpoint": urls.issuer_endpoint_url(settings, tenant, "par"),
        "require_pushed_authorization_requests": True,
        "token_endpoint": urls.issuer_endpoint_url(settings, tenant, "token"),
        "grant_types_supported": [AUTHORIZATION_CODE_GRANT, PRE_AUTH_GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": (
            ["attest_jwt_client_auth"]
            if settings.require_wallet_attestations
            else ["attest_jwt_client_auth", "none"]
        ),
        "authorization_response_iss_parameter_supported": True,
        "authorization_details_types_supported": ["openid_credential"],
        "scopes_supported": list(CONFIGURATIONS),
        "dpop_signing_alg_values_supported": list(DPOP_ALGORITHMS),
    }


def jwt_vc_issuer_metadata(session: Session, settings: Settings, tenant: Tenant) -> dict[str, Any]:
    """JWT VC Issuer Metadata (SD-JWT VC §5): the P-256 keys that sign the tenant's SD-JWT VCs."""
    p256 = [k for k in keys.published_jwks(session, settings, tenant)["keys"] if k.get("crv") == "P-256"]
    return {"issuer": urls.issuer_identifier(settings, tenant), "jwks": {"keys": p256}}
