"""The tables of the OpenAPI document (:mod:`app.openapi`): what it cannot derive from a route's signature.

- ``RAISED``: statuses decided below a route, read from the services it calls (their problem types named);
- ``OAUTH_ERRORS``: the OpenID4VCI endpoints' protocol errors (``{error, error_description}``);
- ``MEDIA``: the media types of routes that answer a ``Response`` of their own;
- ``ALSO_SUCCEEDS``: a success status a route sets on its response (an idempotent replay);
- ``BODIES``: the request bodies of routes that read theirs themselves;
- the ``Problem`` and ``OAuthError`` schemas, the bearer scheme, and what each problem status means.

Every table is keyed by the endpoint function's name; :mod:`app.openapi` refuses a name no route has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ALSO_SUCCEEDS",
    "BODIES",
    "MEANING",
    "MEDIA",
    "OAUTH_ERRORS",
    "OAUTH_ERROR_SCHEMA",
    "PROBLEM_SCHEMA",
    "RAISED",
    "SECURITY_SCHEME_DOC",
]

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem. Tests and clients rely on `type`; the other members explain it.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "What went wrong, as a URI."},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The path of the request."},
        "errors": {
            "description": "Each field or check that failed (validation errors: loc, msg, type; a course "
            "template's checks: pointer, the field in the request body, path, message, and the profile "
            "rule).",
            "anyOf": [{"type": "array", "items": {"type": "object"}}, {"type": "string"}],
        },
        "required_scope": {"type": "string", "description": "The scope the token lacks (a 403)."},
        "allowed": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": True,
}

OAUTH_ERROR_SCHEMA: dict[str, Any] = {
    "title": "OAuthError",
    "description": "An OAuth 2.0 error (RFC 6749 §5.2; OpenID4VCI §8.3.1.2).",
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    "additionalProperties": True,
}

SECURITY_SCHEME_DOC: dict[str, Any] = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API token: a tenant's (scopes issue, revoke, read, admin) or a service admin's.",
}

# What each status means when a route answers it as a problem (the problem's type names the case).
MEANING: Mapping[int, str] = {
    400: "The request is malformed (malformed-json, or the type the problem names).",
    401: "A valid bearer token is required (unauthorized, invalid-token, token-expired).",
    403: "The token does not allow this action (insufficient-scope).",
    404: "Not found (not-found; another issuer's resource answers the same).",
    409: "The request conflicts with the current state (the problem's type names the conflict).",
    413: "The request body is too large (payload-too-large).",
    415: "The body's media type is not accepted (unsupported-media-type).",
    422: "The request is not valid (validation-error: errors lists each field; or the type named).",
    429: "Too many requests from this client address (rate-limited); Retry-After says when to retry.",
    500: "An unexpected error (internal-error); the log has it under the X-Request-Id, never the input.",
    503: "A service the request needs is unavailable (the type names it).",
}

# What a status change refuses, on our API and the VC-API alike (app/status/service.change_status).
_STATUS_CHANGE_CONFLICTS = (
    "no-status-entry, already-revoked, suspension-not-enabled, already-suspended, not-suspended"
)

# Statuses decided below the route, read from the services it calls (problem types named).
_TEMPLATE_CHECKS = (
    "invalid-achievement, invalid-descriptor, profile-requirements-not-met, undefined-term, unknown-context "
    "(errors: pointer to the field, message, and the profile rule)"
)
_RAISED_BELOW: Mapping[str, Mapping[int, str]] = {
    "create_achievement": {422: _TEMPLATE_CHECKS},
    "update_achievement": {422: _TEMPLATE_CHECKS},
    "create_issuer": {409: "slug-taken"},
    "revoke_token": {409: "token-already-revoked"},
    "create_key": {409: "active-key-exists, did-key-single-key"},
    "rotate_key": {409: "did-key-single-key"},
    "retire_key": {409: "key-active, key-already-retired"},
    "import_certificate": {409: "key-not-certifiable"},
    "readyz": {503: "database-unavailable"},
    "issue_credential": {
        409: "idempotency-key-reused, signing-key-missing, achievement-archived, "
        "status-allocation-contention, not-offerable, credential-not-copyable",
    },
    "list_credentials": {400: "invalid-query"},
    "change_status": {
        409: _STATUS_CHANGE_CONFLICTS,
    },
    "status_list_credential": {409: "signing-key-missing"},
    "vc_api_issue": {
        400: "tenant-required, invalid-credential, unsupported-format, issuer-mismatch",
        403: "insufficient-scope",
        409: "signing-key-missing, status-allocation-contention",
    },
    "vc_api_status": {
        400: "tenant-required, revocation-final, unsupported-purpose",
        403: "insufficient-scope",
        404: "credential-not-found",
        409: _STATUS_CHANGE_CONFLICTS,
    },
    "vc_api_verify": {400: "duplicate-member, or a credential that was not verified"},
    "vc_api_verify_presentation": {400: "malformed-request, malformed-presentation, invalid-options"},
    "verify": {
        400: "missing-file, duplicate-member, invalid-url, fetch-failed, invalid-badge-image, "
        "not-a-baked-badge, invalid-enveloped-credential, unreadable-credential",
        404: "credential-not-found (a URL of this service that names no credential)",
        415: "a body neither JSON nor multipart/form-data",
    },
    "create_offer": {
        409: "not-offerable, credential-not-copyable, signing-key-missing",
        422: "unsupported-format, sd-jwt-projection-failed",
    },
    "put_trust_list": {409: "trust-list-reserved"},
    "issuer_did_configuration": {409: "no-https-origin, no-signing-key"},
    "own_did_configuration": {404: "not-found (an http base URL publishes none)"},
    "offer_by_reference": {409: "offer-not-usable"},
    "offer_qr_svg": {409: "offer-not-usable"},
    "offer_qr_png": {409: "offer-not-usable"},
    "token": {400: "malformed-request (the form)"},
    "pushed_authorization_request": {400: "malformed-request (the form)"},
    "create_webhook": {422: "insecure-webhook-url, private-webhook-url, invalid-webhook-url"},
    "update_webhook": {422: "insecure-webhook-url, private-webhook-url, invalid-webhook-url"},
    "create_job": {
        400: "missing-file, invalid-upload, duplicate-member",
        404: "achievement-not-found (the job's template_id)",
        409: "idempotency-key-reused",
        413: "too-many-rows",
        415: "a body neither JSON nor multipart/form-data",
        422: "empty-job, invalid-mapping",
    },
    "cancel_job": {409: "job-finished"},
    "create_presentation_request": {
        409: "signing-key-missing, verifier-certificate-mismatch",
        422: "invalid-dcql-query",
    },
    "request_object_post": {400: "malformed-request (the form)"},
    "response_endpoint": {400: "malformed-request (the form)"},
    "create_pathway": {404: "achievement-not-found (a template_id the issuer does not have)"},
    "evaluate_pathway": {400: "duplicate-member"},
    "complete_pathway": {
        400: "duplicate-member",
        409: "pathway-incomplete (with the progress), clr-needs-embedded-proof, signing-key-missing, "
        "status-allocation-contention, idempotency-key-reused",
    },
}

# The public endpoints app/ratelimit limits per client address (429 rate-limited, with Retry-After).
_RATE_LIMITED = (
    "verify",
    "vc_api_verify",
    "vc_api_verify_presentation",
    "token",
    "pushed_authorization_request",
    "nonce",
    "offer_by_reference",
)
RAISED: Mapping[str, Mapping[int, str]] = {
    **_RAISED_BELOW,
    **{name: {**_RAISED_BELOW.get(name, {}), 429: "rate-limited"} for name in _RATE_LIMITED},
}

# The OpenID4VCI and OpenID4VP endpoints answer their protocol's errors as OAuth error bodies (JSON).
OAUTH_ERRORS: Mapping[str, tuple[int, ...]] = {
    "token": (400, 401),
    "pushed_authorization_request": (400, 401),
    "credential": (400, 401, 404, 413),
    "notification": (400, 401),
    # OpenID4VP: a request that is spent or expired, a response refused (with Shomei's `reason` beside)
    "request_object_get": (400,),
    "request_object_post": (400,),
    "response_endpoint": (400,),
}

_CREDENTIAL_TYPES = ("application/vc+ld+json", "application/vc+jwt", "application/dc+sd-jwt")

# Routes that answer a Response of their own: status -> the media types it may carry.
MEDIA: Mapping[str, Mapping[int, tuple[str, ...]]] = {
    "did_document": {200: ("application/did+json",)},
    "jwks": {200: ("application/jwk-set+json",)},
    "mc_context": {200: ("application/ld+json",)},
    "mc_schema": {200: ("application/schema+json",)},
    "get_credential": {200: _CREDENTIAL_TYPES},
    # A browser (Accept: text/html) asking for a mistyped or unknown credential gets a page (issue 18).
    "public_credential": {200: ("text/html", *_CREDENTIAL_TYPES), 404: ("text/html",), 422: ("text/html",)},
    "status_list_credential": {
        200: ("application/vc+ld+json", "application/vc+jwt", "application/statuslist+jwt"),
        304: (),
    },
    "credential_issuer_metadata": {200: ("application/json", "application/jwt")},
    "offer_qr_svg": {200: ("image/svg+xml",)},
    "offer_qr_png": {200: ("image/png",)},
    "vc_api_verify_presentation": {422: ("application/json",)},
    "job_results": {200: ("application/x-ndjson", "text/csv")},
    "request_object_get": {200: ("application/oauth-authz-req+jwt",)},
    "request_object_post": {200: ("application/oauth-authz-req+jwt",)},
    "request_qr_svg": {200: ("image/svg+xml",)},
}


# Success statuses a route sets on its response object, with the body of the status it declares.
ALSO_SUCCEEDS: Mapping[str, tuple[int, int, str]] = {
    "issue_credential": (
        200,
        201,
        "A replay of an Idempotency-Key: the first result (Idempotent-Replayed: true).",
    ),
}


_STRING: dict[str, Any] = {"type": "string"}


def _form(*names: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": dict.fromkeys(names, _STRING),
        "additionalProperties": _STRING,
    }


_FORM = "application/x-www-form-urlencoded"
# The bodies of routes that read their request themselves (FastAPI sees no body model): what they accept, so
# that the document, and the Schemathesis run with it, covers them too.
BODIES: Mapping[str, dict[str, Any]] = {
    "create_job": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "The rows (recipient and credential fields) and the job's options.",
                    "properties": {
                        "rows": {"type": "array", "items": {"type": "object"}},
                        "template_id": {"type": "string", "format": "uuid"},
                        "formats": {"type": "array", "items": _STRING},
                        "mapping": {"type": "object", "additionalProperties": _STRING},
                        "dry_run": {"type": "boolean"},
                        "offer": {
                            "type": "object",
                            "properties": {"formats": {"type": "array", "items": _STRING}},
                        },
                    },
                    "required": ["rows"],
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "description": "A CSV, JSON Lines or JSON file of rows, and the job's options.",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "template_id": _STRING,
                        "formats": _STRING,
                        "mapping": _STRING,
                        "dry_run": _STRING,
                        "offer_formats": _STRING,
                    },
                    "required": ["file"],
                }
            },
        },
    },
    "verify": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "Exactly one of credential (an object, or a JWT as text) and url.",
                    "properties": {
                        "credential": {"anyOf": [{"type": "object"}, {"type": "string"}]},
                        "url": {"type": "string", "maxLength": 2000},
                        "identity": {
                            "type": "object",
                            "properties": {
                                "value": {"type": "string", "minLength": 1, "maxLength": 500},
                                "type": {"type": "string", "maxLength": 100},
                            },
                            "required": ["value"],
                            "additionalProperties": False,
                        },
                    },
                    "additionalProperties": False,
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "description": "A credential file (JSON, JWT) or a baked PNG / SVG badge.",
                    "properties": {"file": {"type": "string", "format": "binary"}, "identity": _STRING},
                    "required": ["file"],
                }
            },
        },
    },
    "token": {
        "required": True,
        "content": {
            _FORM: {
                "schema": _form(
                    "grant_type", "pre-authorized_code", "tx_code", "code", "redirect_uri", "client_id"
                )
            }
        },
    },
    "pushed_authorization_request": {
        "required": True,
        "content": {
            _FORM: {
                "schema": _form(
                    "response_type",
                    "client_id",
                    "redirect_uri",
                    "code_challenge",
                    "code_challenge_method",
                    "issuer_state",
                    "authorization_details",
                    "scope",
                    "state",
                )
            }
        },
    },
    "credential": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "credential_configuration_id": _STRING,
                        "credential_identifier": _STRING,
                        "proofs": {
                            "type": "object",
                            "properties": {"jwt": {"type": "array", "items": _STRING}},
                        },
                    },
                }
            }
        },
    },
    "request_object_post": {
        "required": False,
        "content": {_FORM: {"schema": _form("wallet_metadata", "wallet_nonce")}},
    },
    "response_endpoint": {
        "required": True,
        "content": {_FORM: {"schema": _form("response", "vp_token", "state", "error", "error_description")}},
    },
    "notification": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "notification_id": _STRING,
                        "event": {
                            "enum": ["credential_accepted", "credential_failure", "credential_deleted"]
                        },
                        "event_description": _STRING,
                    },
                    "required": ["notification_id", "event"],
                }
            }
        },
    },
}
