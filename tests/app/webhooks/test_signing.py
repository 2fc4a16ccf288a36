"""Our Standard Webhooks signatures against the reference implementation (``standardwebhooks``), and the
guarded client's ``post`` (the dispatcher's only way out): same destination guards as ``get``, no redirect
followed, the size cap on the answer."""

from __future__ import annotations

import datetime as dt
import time

import httpx
import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from app.http_client import FetchError, GuardedClient
from app.webhooks.signing import headers, new_secret, secret_bytes, sign


def test_a_signed_message_verifies_with_the_reference_implementation() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and len(secret_bytes(secret)) == 32
    body = b'{"type":"credential.issued","timestamp":"2026-12-07T06:00:00Z","data":{"n":"\xc3\xa9"}}'
    now = dt.datetime.now(dt.UTC)
    signed = headers([secret], message_id="msg_1", now=now, body=body)
    assert signed["webhook-timestamp"] == str(int(now.timestamp()))
    assert Webhook(secret).verify(body, signed)["data"] == {"n": "é"}
    # The reference's own signature of the same message is ours.
    assert signed["webhook-signature"] == Webhook(secret).sign("msg_1", now, body)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, signed)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, {**signed, "webhook-id": "msg_2"})
    stale = dt.datetime.fromtimestamp(time.time() - 3600, dt.UTC)
    with pytest.raises(WebhookVerificationError):  # the reference refuses an old timestamp (replays)
        Webhook(secret).verify(body, headers([secret], message_id="msg_1", now=stale, body=body))


def test_during_a_rotation_both_secrets_verify() -> None:
    old, new = new_secret(), new_secret()
    body = b"{}"
    signed = headers([new, old], message_id="msg_r", now=dt.datetime.now(dt.UTC), body=body)
    assert len(signed["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, signed)
    Webhook(new).verify(body, signed)
    assert sign(new, message_id="m", timestamp=1, body=b"x") != sign(
        old, message_id="m", timestamp=1, body=b"x"
    )


def _client(handler: httpx.MockTransport, *, allow_private: bool) -> GuardedClient:
    return GuardedClient(timeout=2, max_bytes=100, allow_private=allow_private, transport=handler)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://hooks.example/x", "insecure-url"),
        ("https://127.0.0.1/x", "private-address"),
        ("https://169.254.169.254/latest/meta-data", "private-address"),
        ("https://[::ffff:10.0.0.1]/x", "private-address"),
        ("ftp://hooks.example/x", "unsupported-scheme"),
    ],
)
def test_post_refuses_what_get_refuses(url: str, code: str) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200)

    with pytest.raises(FetchError) as err:
        _client(httpx.MockTransport(handler), allow_private=False).post(url, content=b"{}", headers={})
    assert err.value.code == code and calls == []


def test_post_sends_the_body_and_follows_no_redirect() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/moved":
            return httpx.Response(307, headers={"location": "http://127.0.0.1/elsewhere"})
        return httpx.Response(204)

    client = _client(httpx.MockTransport(handler), allow_private=True)
    result = client.post("http://127.0.0.1/hook", content=b'{"a":1}', headers={"webhook-id": "msg_x"})
    assert result.status == 204 and seen[0].content == b'{"a":1}' and seen[0].headers["webhook-id"] == "msg_x"
    moved = client.post("http://127.0.0.1/moved", content=b"{}", headers={})
    assert moved.status == 307 and [r.url.path for r in seen] == ["/hook", "/moved"]

    big = _client(httpx.MockTransport(lambda r: httpx.Response(200, content=b"x" * 500)), allow_private=True)
    with pytest.raises(FetchError) as err:
        big.post("http://127.0.0.1/hook", content=b"{}", headers={})
    assert err.value.code == "too-large"
