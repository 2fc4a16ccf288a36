"""Real resources for the contract tests: an issuer with keys, tokens, templates, a credential and an offer, and
the values that fill an operation's path parameters with them (``path_values``), so that a refusal is never
merely "not found because the id is made up"."""

from __future__ import annotations

from dataclasses import dataclass

from app.testing import SyncClient
from tests.app.helpers import create_template, issue
from tests.conftest import ADMIN, bearer, make_tenant

__all__ = ["World", "make_world"]


@dataclass(frozen=True, slots=True)
class World:
    """One issuer's resources, made through the API."""

    slug: str
    token: str  # scopes issue, revoke, read, admin
    read_token: str  # scope read only
    template_id: str  # the template issuance uses
    spare_template_id: str  # a template a run may archive
    credential_id: str
    key_id: str  # a rotated-out Ed25519 key: published, so it can be retired once
    token_id: str  # a spare token a run may revoke
    offer_id: str
    webhook_id: str  # a webhook endpoint (its receiver refuses connections: deliveries fail, harmlessly)
    delivery_id: str  # its test event's delivery
    job_id: str  # a bulk issuance job of one row
    request_id: str  # an OpenID4VP presentation request the issuer made as a verifier
    pathway_id: str

    def path_values(self) -> dict[str, str]:
        """Each path parameter name of the API and the real value it takes here."""
        return {
            "slug": self.slug,
            "template_id": self.spare_template_id,
            "credential_id": self.credential_id,
            "key_id": self.key_id,
            "token_id": self.token_id,
            "offer_id": self.offer_id,
            "webhook_id": self.webhook_id,
            "delivery_id": self.delivery_id,
            "job_id": self.job_id,
            "request_id": self.request_id,
            "pathway_id": self.pathway_id,
            "sequence": "1",  # the issuer's first status list
            "purpose": "revocation",
            "name": "descriptor.json",  # one of our JSON Schemas
        }


def _created(client: SyncClient, path: str, body: dict[str, object], token: str) -> dict[str, object]:
    r = client.post(path, json=body, headers=bearer(token))
    assert r.status_code == 201, (path, r.status_code, r.text)
    return dict(r.json())


def make_world(client: SyncClient) -> World:
    """A new issuer with an Ed25519 key (rotated once: the old one stays published) and a P-256 key, tokens
    (all scopes, read only, a spare one), two templates, one credential (JSON-LD, VC-JWT and SD-JWT VC), a
    wallet offer for it, a webhook endpoint with one delivery, a bulk job and an OpenID4VP presentation
    request."""
    slug, token = make_tenant(client)
    first = client.get(f"/v1/issuers/{slug}/keys", headers=ADMIN).json()
    assert len(first) == 1, first
    _created(client, f"/v1/issuers/{slug}/keys/rotate", {"type": "Ed25519"}, token)
    _created(client, f"/v1/issuers/{slug}/keys", {"type": "P-256"}, token)
    read_token = _created(client, f"/v1/issuers/{slug}/tokens", {"scopes": ["read"]}, token)["token"]
    spare = _created(client, f"/v1/issuers/{slug}/tokens", {"scopes": ["read"], "name": "spare"}, token)
    template_id = create_template(client, slug, token)
    spare_template_id = create_template(client, slug, token)
    credential = issue(client, slug, token, template_id, formats=["ldp_vc", "jwt_vc_json", "dc+sd-jwt"])
    credential_id = str(credential["credential_id"])
    offer = _created(
        client,
        f"/v1/issuers/{slug}/credentials/{credential_id}/offers",
        {"formats": ["ldp_vc"], "tx_code": False},
        token,
    )
    webhook = _created(
        client,
        f"/v1/issuers/{slug}/webhooks",
        {"url": "http://127.0.0.1:9/hook", "events": ["job.failed"]},
        token,
    )
    r = client.post(f"/v1/issuers/{slug}/webhooks/{webhook['id']}/test", headers=bearer(token))
    job = client.post(
        f"/v1/issuers/{slug}/jobs",
        json={"rows": [{"email": "learner@example.org"}], "template_id": template_id},
        headers=bearer(token),
    )
    assert r.status_code == 202, r.text
    assert job.status_code == 202, job.text
    query = {
        "credentials": [
            {
                "id": "learning",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": ["urn:eu.europa.ec.eudi:learning:credential:1"]},
                "claims": [{"path": ["given_name"]}],
            }
        ]
    }
    presentation_request = _created(
        client, f"/v1/issuers/{slug}/presentation-requests", {"dcql_query": query}, token
    )
    pathway = _created(
        client,
        f"/v1/issuers/{slug}/pathways",
        {
            "name": "A pathway",
            "credits_required": 3,
            "groups": [{"id": "core", "min_count": 1, "achievements": [{"template_id": template_id}]}],
        },
        token,
    )
    return World(
        slug=slug,
        token=token,
        read_token=str(read_token),
        template_id=template_id,
        spare_template_id=spare_template_id,
        credential_id=credential_id,
        key_id=str(first[0]["id"]),
        token_id=str(spare["id"]),
        offer_id=str(offer["id"]),
        webhook_id=str(webhook["id"]),
        delivery_id=str(r.json()["id"]),
        job_id=str(job.json()["id"]),
        request_id=str(presentation_request["id"]),
        pathway_id=str(pathway["id"]),
    )
