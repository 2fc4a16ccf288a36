"""The one guarded outbound HTTP client (did:web documents, status lists, credential URLs).

Guards: connect/read timeouts, a response size cap, at most 3 redirects (each re-checked), https only
unless private addresses are allowed, and no loopback/private/link-local/reserved destinations unless
settings allow them (tests and local development).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

__all__ = ["FetchError", "FetchResult", "GuardedClient"]

MAX_REDIRECTS = 3


class FetchError(Exception):
    """A fetch failed or was refused; ``code`` names why (for problem types and check results)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str]


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


class GuardedClient:
    def __init__(
        self,
        *,
        timeout: float,
        max_bytes: int,
        allow_private: bool,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            follow_redirects=False,
            transport=transport,
            headers={"User-Agent": "Shomei-verifier/0.1"},
        )

    def close(self) -> None:
        self._client.close()

    def _check_destination(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http"):
            raise FetchError("unsupported-scheme", f"only https URLs can be fetched, not {parts.scheme!r}")
        if parts.scheme == "http" and not self.allow_private:
            raise FetchError("insecure-url", "plain http is refused; use https")
        host = parts.hostname
        if not host:
            raise FetchError("invalid-url", "the URL has no host")
        if self.allow_private:
            return
        try:
            infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
        except OSError as exc:
            raise FetchError("dns-failure", f"cannot resolve {host}") from exc
        for info in infos:
            if not _is_public(str(info[4][0])):
                raise FetchError("private-address", f"{host} resolves to a private or local address")

    def get(self, url: str, *, accept: str = "application/json") -> FetchResult:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            self._check_destination(current)
            try:
                with self._client.stream("GET", current, headers={"Accept": accept}) as response:
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError("bad-redirect", "redirect without a Location")
                        current = urljoin(current, location)
                        continue
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > self.max_bytes:
                        raise FetchError("too-large", f"the response is larger than {self.max_bytes} bytes")
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > self.max_bytes:
                            raise FetchError(
                                "too-large", f"the response is larger than {self.max_bytes} bytes"
                            )
                        chunks.append(chunk)
                    return FetchResult(
                        url=current,
                        status=response.status_code,
                        content_type=response.headers.get("content-type", "").split(";")[0].strip().lower(),
                        body=b"".join(chunks),
                        headers=dict(response.headers),
                    )
            except httpx.TimeoutException as exc:
                raise FetchError("timeout", f"{urlsplit(current).hostname} did not answer in time") from exc
            except httpx.HTTPError as exc:
                raise FetchError("network-error", f"could not fetch {current}: {type(exc).__name__}") from exc
        raise FetchError("too-many-redirects", f"more than {MAX_REDIRECTS} redirects")
