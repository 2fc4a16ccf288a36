"""Webhooks over the API on SQLite and PostgreSQL: endpoints (secret shown once, admin scope, tenant
isolation), events written with their change and delivered to a loopback receiver, each delivery checked
with the Standard Webhooks reference implementation (the ``standardwebhooks`` package, not our code);
retries after 500s, the delivery log, redelivery, the test event and secret rotation."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from app.state import app_state
from app.tenants import service as tenants
from app.testing import SyncClient
from app.webhooks import repository
from app.webhooks import service as webhooks
from schemas.problems import problem_type
from tests.app.helpers import create_template, issue
from tests.app.webhooks.conftest import webhook_app
from tests.app.webhooks.receiver import Received, receiver
from tests.conftest import ADMIN, bearer, make_tenant

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
EVENTS = ["credential.issued", "credential.revoked", "credential.suspended", "credential.reinstated"]


def register(
    client: SyncClient, slug: str, token: str, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    r = client.post(
        f"/v1/issuers/{slug}/webhooks",
        json={"url": url, "events": events or EVENTS, "description": "LMS"},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def verified(secret: str, request: Received) -> dict[str, Any]:
    """The payload, once the reference implementation accepts the request's signature."""
    payload = Webhook(secret).verify(request.body, request.headers)
    assert isinstance(payload, dict)
    return payload


def wait_deliveries(
    client: SyncClient, slug: str, token: str, hook: str, *, settled: int
) -> list[dict[str, Any]]:
    """The delivery log once ``settled`` deliveries are no longer pending."""
    deadline = time.monotonic() + 20
    while True:
        r = client.get(f"/v1/issuers/{slug}/webhooks/{hook}/deliveries", headers=bearer(token))
        assert r.status_code == 200, r.text
        log: list[dict[str, Any]] = r.json()
        if sum(d["status"] != "pending" for d in log) >= settled:
            return log
        assert time.monotonic() < deadline, log
        time.sleep(0.05)


def test_register_shows_the_secret_once_and_needs_the_admin_scope(wh_client: SyncClient) -> None:
    slug, token = make_tenant(wh_client)
    hook = register(wh_client, slug, token, "https://lms.example.org/hooks")
    assert hook["secret"].startswith("whsec_")
    assert hook["events"] == EVENTS and hook["enabled"] is True
    listed = wh_client.get(f"/v1/issuers/{slug}/webhooks", headers=bearer(token)).json()
    assert [h["id"] for h in listed] == [hook["id"]]
    assert "secret" not in listed[0]
    one = wh_client.get(f"/v1/issuers/{slug}/webhooks/{hook['id']}", headers=bearer(token)).json()
    assert "secret" not in one and one["url"] == "https://lms.example.org/hooks"

    r = wh_client.patch(
        f"/v1/issuers/{slug}/webhooks/{hook['id']}",
        json={"events": ["credential.revoked"], "enabled": False},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    assert r.json()["events"] == ["credential.revoked"] and r.json()["enabled"] is False

    _, other_admin = make_tenant(wh_client)
    r = wh_client.get(f"/v1/issuers/{slug}/webhooks/{hook['id']}", headers=bearer(other_admin))
    assert r.status_code == 404  # another tenant's issuer is as unknown as a missing one

    issue_slug, issue_token = make_tenant(wh_client, scopes=["issue", "read"])
    r = wh_client.post(
        f"/v1/issuers/{issue_slug}/webhooks",
        json={"url": "https://lms.example.org/hooks", "events": EVENTS},
        headers=bearer(issue_token),
    )
    assert r.status_code == 403
    assert r.json()["type"] == problem_type("insufficient-scope")

    assert (
        wh_client.delete(f"/v1/issuers/{slug}/webhooks/{hook['id']}", headers=bearer(token)).status_code
        == 204
    )
    r = wh_client.get(f"/v1/issuers/{slug}/webhooks/{hook['id']}", headers=bearer(token))
    assert r.status_code == 404 and r.json()["type"] == problem_type("not-found")
    actions = [e["action"] for e in wh_client.get(f"/v1/issuers/{slug}/audit", headers=ADMIN).json()]
    assert {"webhook.create", "webhook.update", "webhook.delete"} <= set(actions)


@pytest.mark.parametrize(
    "body",
    [
        {"url": "https://lms.example.org/h", "events": ["credential.exploded"]},
        {"url": "https://lms.example.org/h", "events": []},
        {"url": "ftp://lms.example.org/h", "events": ["credential.issued"]},
        {"url": "https://lms.example.org/h", "events": ["credential.issued"], "secret": "mine"},
    ],
)
def test_bad_registrations_are_validation_problems(wh_client: SyncClient, body: dict[str, Any]) -> None:
    slug, token = make_tenant(wh_client)
    r = wh_client.post(f"/v1/issuers/{slug}/webhooks", json=body, headers=bearer(token))
    assert r.status_code == 422
    assert r.json()["type"] == problem_type("validation-error")


def test_plain_http_and_private_addresses_are_refused_without_the_private_setting(backend_url: str) -> None:
    client = webhook_app(backend_url, http_allow_private=False, webhook_dispatcher=False)
    try:
        slug, token = make_tenant(client)
        for url, kind in [
            ("http://lms.example.org/hooks", "insecure-webhook-url"),
            ("https://127.0.0.1:8443/hooks", "private-webhook-url"),
            ("https://[::ffff:10.0.0.1]/hooks", "private-webhook-url"),
            ("https://xn--/hooks", "invalid-webhook-url"),  # IDNA refuses the host: no delivery could be made
            ("https://[::1/hooks", "invalid-webhook-url"),  # an unclosed IPv6 literal: was a 500
            (
                "https://user:pw@lms.example.org/hooks",
                "invalid-webhook-url",
            ),  # userinfo: the client refuses it
        ]:
            r = client.post(
                f"/v1/issuers/{slug}/webhooks", json={"url": url, "events": EVENTS}, headers=bearer(token)
            )
            assert r.status_code == 422, url
            assert r.json()["type"] == problem_type(kind)
    finally:
        client.close()


def test_issue_and_revoke_are_delivered_signed_per_standard_webhooks(wh_client: SyncClient) -> None:
    slug, token = make_tenant(wh_client)
    with receiver() as rx:
        hook = register(wh_client, slug, token, rx.url)
        revoked_only = register(wh_client, slug, token, rx.url + "/revocations", ["credential.revoked"])
        credential = issue(wh_client, slug, token, create_template(wh_client, slug, token))
        r = wh_client.post(
            f"/v1/issuers/{slug}/credentials/{credential['credential_id']}/status",
            json={"action": "revoke", "reason": "issued_in_error"},
            headers=bearer(token),
        )
        assert r.status_code == 200, r.text
        requests = rx.wait_for(3)
    by_path: dict[str, list[Received]] = {}
    for request in requests:
        by_path.setdefault(request.path, []).append(request)
    issued, revoked = sorted(
        (verified(hook["secret"], q) for q in by_path["/hook"]),
        key=lambda p: p["type"] != "credential.issued",
    )
    assert issued["type"] == "credential.issued"
    for q in requests:
        sent = {name.lower(): value for name, value in q.headers.items()}
        assert sent["user-agent"] == "Shomei-Webhooks/0.1" and sent["content-type"] == "application/json"
    assert issued["data"]["credential_id"] == credential["credential_id"]
    assert issued["data"]["id"] == credential["id"] and issued["data"]["issuer"] == slug
    assert revoked["type"] == "credential.revoked" and revoked["data"]["reason"] == "issued_in_error"
    (only,) = by_path["/hook/revocations"]  # subscribed to revocations only: no credential.issued
    assert verified(revoked_only["secret"], only)["type"] == "credential.revoked"
    with pytest.raises(WebhookVerificationError):
        Webhook(hook["secret"]).verify(only.body, only.headers)  # another endpoint's secret
    tampered = dict(by_path["/hook"][0].headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(hook["secret"]).verify(by_path["/hook"][0].body + b" ", tampered)

    log = wait_deliveries(wh_client, slug, token, hook["id"], settled=2)
    assert {d["event_type"] for d in log} == {"credential.issued", "credential.revoked"}
    for delivery in log:
        assert delivery["status"] == "succeeded" and delivery["attempts"] == 1
        assert delivery["last_status_code"] == 200 and delivery["last_latency_ms"] >= 0
        assert [a["status_code"] for a in delivery["log"]] == [200]


def test_a_failed_change_writes_no_event(wh_client: SyncClient) -> None:
    slug, token = make_tenant(wh_client)
    with receiver() as rx:
        hook = register(wh_client, slug, token, rx.url)
        r = wh_client.post(
            f"/v1/issuers/{slug}/credentials",
            json={"achievement_id": str(uuid.uuid4()), "recipient": {"email": "learner@example.org"}},
            headers=bearer(token),
        )
        assert r.status_code == 404
        wh_client.post(f"/v1/issuers/{slug}/webhooks/{hook['id']}/test", headers=bearer(token))
        rx.wait_for(1)
        time.sleep(0.3)
        assert [json.loads(q.body)["type"] for q in rx.received] == ["webhook.test"]


def test_retries_after_500s_with_the_same_message(wh_client: SyncClient) -> None:
    slug, token = make_tenant(wh_client)
    with receiver(500, 503) as rx:
        hook = register(wh_client, slug, token, rx.url)
        issue(wh_client, slug, token, create_template(wh_client, slug, token))
        requests = rx.wait_for(3)
    assert [q.answered for q in requests] == [500, 503, 200]
    assert len({q.headers["webhook-id"] for q in requests}) == 1
    for q in requests:
        assert verified(hook["secret"], q)["type"] == "credential.issued"
    (delivery,) = wait_deliveries(wh_client, slug, token, hook["id"], settled=1)
    assert delivery["status"] == "succeeded" and delivery["attempts"] == 3
    assert [a["status_code"] for a in delivery["log"]] == [500, 503, 200]
    assert all(a["latency_ms"] >= 0 for a in delivery["log"])


def test_test_event_redelivery_and_secret_rotation(wh_client: SyncClient) -> None:
    slug, token = make_tenant(wh_client)
    with receiver() as rx:
        hook = register(wh_client, slug, token, rx.url)
        r = wh_client.post(f"/v1/issuers/{slug}/webhooks/{hook['id']}/test", headers=bearer(token))
        assert r.status_code == 202, r.text
        test_delivery = r.json()
        (first,) = rx.wait_for(1)
        assert verified(hook["secret"], first)["type"] == "webhook.test"

        r = wh_client.post(f"/v1/issuers/{slug}/webhooks/{hook['id']}/rotate-secret", headers=bearer(token))
        assert r.status_code == 200, r.text
        new_secret = r.json()["secret"]
        assert new_secret != hook["secret"] and new_secret.startswith("whsec_")

        wait_deliveries(wh_client, slug, token, hook["id"], settled=1)
        r = wh_client.post(
            f"/v1/issuers/{slug}/webhooks/{hook['id']}/deliveries/{test_delivery['id']}/redeliver",
            headers=bearer(token),
        )
        assert r.status_code == 202, r.text
        assert r.json()["status"] == "pending"
        _, again = rx.wait_for(2)
    assert again.headers["webhook-id"] == first.headers["webhook-id"] and again.body == first.body
    # Signed with the new secret and, during the grace period, with the previous one too.
    assert len(again.headers["webhook-signature"].split(" ")) == 2
    assert verified(new_secret, again) == verified(hook["secret"], again)
    (delivery,) = wait_deliveries(wh_client, slug, token, hook["id"], settled=1)
    assert delivery["attempts"] == 2 and len(delivery["log"]) == 2
    r = wh_client.post(
        f"/v1/issuers/{slug}/webhooks/{hook['id']}/deliveries/{uuid.uuid4()}/redeliver", headers=bearer(token)
    )
    assert r.status_code == 404 and r.json()["type"] == problem_type("not-found")


def test_a_paused_endpoint_gets_its_events_when_enabled_again(wh_client: SyncClient) -> None:
    slug, token = make_tenant(wh_client)
    with receiver() as rx:
        hook = register(wh_client, slug, token, rx.url)
        template = create_template(wh_client, slug, token)
        issue(wh_client, slug, token, template)
        rx.wait_for(1)
        path = f"/v1/issuers/{slug}/webhooks/{hook['id']}"
        assert wh_client.patch(path, json={"enabled": False}, headers=bearer(token)).status_code == 200
        issue(wh_client, slug, token, template)  # not subscribed while paused: no event for it
        time.sleep(0.3)
        assert len(rx.received) == 1
        assert wh_client.patch(path, json={"enabled": True}, headers=bearer(token)).status_code == 200
        issue(wh_client, slug, token, template)
        rx.wait_for(2)
        time.sleep(0.2)
        assert len(rx.received) == 2


def test_no_change_without_its_event(wh_client: SyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the outbox row cannot be written, the issuance it reports is not stored either."""
    slug, token = make_tenant(wh_client)
    register(wh_client, slug, token, "https://lms.example.org/hooks")
    template = create_template(wh_client, slug, token)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the outbox is unavailable")

    monkeypatch.setattr(repository, "add_event", broken)
    body = {"achievement_id": template, "recipient": {"email": "learner@example.org"}}
    r = wh_client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=bearer(token))
    assert r.status_code == 500 and r.json()["type"] == problem_type("internal-error")
    monkeypatch.undo()
    listed = wh_client.get(f"/v1/issuers/{slug}/credentials", headers=bearer(token)).json()
    assert listed["items"] == []


def test_410_gone_fails_the_delivery_and_pauses_the_endpoint(wh_client: SyncClient) -> None:
    slug, token = make_tenant(wh_client)
    with receiver(410) as rx:
        hook = register(wh_client, slug, token, rx.url)
        issue(wh_client, slug, token, create_template(wh_client, slug, token))
        rx.wait_for(1)
        (delivery,) = wait_deliveries(wh_client, slug, token, hook["id"], settled=1)
    assert delivery["status"] == "failed" and delivery["attempts"] == 1
    assert [a["status_code"] for a in delivery["log"]] == [410]
    r = wh_client.get(f"/v1/issuers/{slug}/webhooks/{hook['id']}", headers=bearer(token))
    assert r.json()["enabled"] is False


def test_job_events_are_emitted_by_the_callers_transaction(wh_client: SyncClient) -> None:
    """``emit`` as bulk jobs call it: in their own transaction, delivered once it commits; an unknown
    event name is a programming error, refused before anything is written."""
    slug, token = make_tenant(wh_client)
    state = app_state(wh_client.app)
    with receiver() as rx:
        hook = register(wh_client, slug, token, rx.url, ["job.completed", "job.failed"])
        with state.sessionmaker.begin() as session:
            tenant = tenants.get_by_slug(session, slug)
            data = {"issuer": slug, "job_id": "job-1", "total": 3, "done": 3, "failed": 0}
            assert webhooks.emit(session, tenant, "job.completed", data, now=state.clock.now()) == 1
            assert webhooks.emit(session, tenant, "credential.issued", {}, now=state.clock.now()) == 0
            with pytest.raises(ValueError, match="unknown webhook event"):
                webhooks.emit(session, tenant, "job.exploded", {}, now=state.clock.now())
        (request,) = rx.wait_for(1)
    payload = verified(hook["secret"], request)
    assert payload["type"] == "job.completed" and payload["data"]["job_id"] == "job-1"


def test_suspend_reinstate_and_offer_redeemed_events(wh_client: SyncClient) -> None:
    slug, token = make_tenant(wh_client, suspension_enabled=True)
    with receiver() as rx:
        hook = register(wh_client, slug, token, rx.url, [*EVENTS, "offer.redeemed"])
        credential = issue(wh_client, slug, token, create_template(wh_client, slug, token))
        path = f"/v1/issuers/{slug}/credentials/{credential['credential_id']}/status"
        for action in ("suspend", "reinstate"):
            body = {"action": action, "reason": "under_review"}
            r = wh_client.post(path, json=body, headers=bearer(token))
            assert r.status_code == 200, r.text
        r = wh_client.post(
            f"/v1/issuers/{slug}/credentials/{credential['credential_id']}/offers",
            json={"formats": ["ldp_vc"], "tx_code": False},
            headers=bearer(token),
        )
        assert r.status_code == 201, r.text
        offer = r.json()
        document = wh_client.get(urlsplit(offer["credential_offer_uri"]).path).json()
        code = document["grants"][PRE_AUTH]["pre-authorized_code"]
        issuer_path = urlsplit(document["credential_issuer"]).path
        r = wh_client.post(
            f"{issuer_path}/oid4vci/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": code}
        )
        assert r.status_code == 200, r.text
        requests = rx.wait_for(4)
    payloads = [verified(hook["secret"], q) for q in requests]
    assert sorted(p["type"] for p in payloads) == sorted(
        ["credential.issued", "credential.suspended", "credential.reinstated", "offer.redeemed"]
    )
    redeemed = next(p for p in payloads if p["type"] == "offer.redeemed")
    assert redeemed["data"] == {
        "issuer": slug,
        "offer_id": offer["id"],
        "credential_id": credential["credential_id"],
    }
