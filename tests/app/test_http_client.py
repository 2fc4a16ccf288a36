"""The guarded outbound client: size caps, redirects, schemes and private addresses."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from app.http_client import FetchError, GuardedClient


def _client(
    handler: Callable[[httpx.Request], httpx.Response], *, allow_private: bool = True, max_bytes: int = 1000
) -> GuardedClient:
    return GuardedClient(
        timeout=2, max_bytes=max_bytes, allow_private=allow_private, transport=httpx.MockTransport(handler)
    )


def test_fetches_and_reports_content_type() -> None:
    c = _client(
        lambda req: httpx.Response(200, json={"ok": True}, headers={"content-type": "application/json; x=1"})
    )
    result = c.get("https://issuer.example/did.json")
    assert result.status == 200
    assert result.content_type == "application/json"
    assert result.body == b'{"ok":true}'


@pytest.mark.parametrize("status", [404, 410, 500, 304, 199])
def test_an_answer_other_than_2xx_is_a_fetch_error(status: int) -> None:
    """Found by an outside fuzzing round: a status list answering 404 was read as a document (the error
    page), cached, and reported as "not a credential"; BSL §3.2 tells STATUS_RETRIEVAL_ERROR apart."""
    with pytest.raises(FetchError) as err:
        _client(lambda req: httpx.Response(status, json={"id": "x"})).get("https://a.example/list")
    assert err.value.code == "http-error"
    assert _client(lambda req: httpx.Response(203, json={})).get("https://a.example/").status == 203


def test_size_cap_declared_and_streamed() -> None:
    big = b"x" * 2000
    with pytest.raises(FetchError) as err:
        _client(lambda req: httpx.Response(200, content=big)).get("https://a.example/")
    assert err.value.code == "too-large"

    def chunked(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=iter([b"x" * 600, b"y" * 600]))

    with pytest.raises(FetchError) as err:
        _client(chunked).get("https://a.example/")
    assert err.value.code == "too-large"


def test_redirects_are_limited() -> None:
    def loop(req: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "/again"})

    with pytest.raises(FetchError) as err:
        _client(loop).get("https://a.example/start")
    assert err.value.code == "too-many-redirects"

    def once(req: httpx.Request) -> httpx.Response:
        if req.url.path == "/old":
            return httpx.Response(301, headers={"location": "https://a.example/new"})
        return httpx.Response(200, text="here")

    assert _client(once).get("https://a.example/old").url == "https://a.example/new"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://127.0.0.1/x", "insecure-url"),
        ("https://127.0.0.1/x", "private-address"),
        ("https://10.1.2.3/x", "private-address"),
        ("https://[::1]/x", "private-address"),
        ("https://169.254.169.254/latest/meta-data", "private-address"),
        ("ftp://a.example/x", "unsupported-scheme"),
        ("file:///etc/passwd", "unsupported-scheme"),
    ],
)
def test_private_and_odd_destinations_are_refused(url: str, code: str) -> None:
    calls: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(req)
        return httpx.Response(200)

    with pytest.raises(FetchError) as err:
        _client(handler, allow_private=False).get(url)
    assert err.value.code == code
    assert calls == []


def test_redirect_to_a_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "https://127.0.0.1/admin"})

    c = GuardedClient(timeout=2, max_bytes=100, allow_private=False, transport=httpx.MockTransport(handler))
    monkeypatch.setattr(c, "_check_destination", _public_only(c._check_destination))
    with pytest.raises(FetchError) as err:
        c.get("https://public.example/x")
    assert err.value.code == "private-address"


def _public_only(check: Callable[[str], None]) -> Callable[[str], None]:
    """Treat the host name public.example as public without DNS, keep the real check for IPs."""

    def wrapped(url: str) -> None:
        if "public.example" in url:
            return
        check(url)

    return wrapped


def test_timeouts_become_fetch_errors() -> None:
    def slow(req: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=req)

    with pytest.raises(FetchError) as err:
        _client(slow).get("https://a.example/")
    assert err.value.code == "timeout"


@pytest.mark.parametrize("allow_private", [True, False])
@pytest.mark.parametrize("url", ["https://xn--/x", "https://xn--a/x"])
def test_a_host_idna_refuses_is_a_fetch_error(url: str, allow_private: bool) -> None:
    """httpx raises idna's own error (a UnicodeError, not an httpx one) for such a host: it escaped as a 500
    from every route that fetches a URL it was given (/v1/verify by url, the badge image of a template)."""
    with pytest.raises(FetchError) as err:
        _client(lambda req: httpx.Response(200), allow_private=allow_private).get(url)
    assert err.value.code in ("invalid-url", "dns-failure")


@pytest.mark.parametrize("allow_private", [True, False])
@pytest.mark.parametrize(
    "url",
    [
        "https://victim.example@evil.example/.well-known/did.json",
        "https://victim.example:secret@evil.example/x",
        "https://@evil.example/x",
        "http://victim.example@127.0.0.1:8000/x",
    ],
)
def test_a_url_with_userinfo_is_refused(url: str, allow_private: bool) -> None:
    """RFC 9110 §4.2.4: userinfo in an http(s) URI from an untrusted source is to be treated as an error (it
    obscures the authority: the request goes to the host after the "@"); nothing is sent, also not in tests
    and development (allow_private), nor after a redirect to such a URL."""
    calls: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(req)
        if req.url.path == "/moved":
            return httpx.Response(302, headers={"location": url})
        return httpx.Response(200, json={})

    with pytest.raises(FetchError) as err:
        _client(handler, allow_private=allow_private).get(url)
    assert err.value.code == "invalid-url" and calls == []
    with pytest.raises(FetchError) as err:
        _client(handler).get("https://a.example/moved")
    assert err.value.code == "invalid-url" and len(calls) == 1


@pytest.mark.parametrize("allow_private", [True, False])
@pytest.mark.parametrize("location", ["//[zz", "https://[zz/"])
def test_a_redirect_to_an_unparsable_url_is_a_fetch_error(location: str, allow_private: bool) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": location})

    client = GuardedClient(
        timeout=2,
        max_bytes=1000,
        allow_private=allow_private,
        transport=httpx.MockTransport(handler),
        resolve=lambda host, port: [(2, 1, 6, "", ("93.184.215.14", port))],
    )
    with pytest.raises(FetchError) as err:
        client.get("https://a.example/")
    assert err.value.code == "bad-redirect"
