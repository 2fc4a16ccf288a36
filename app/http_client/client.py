"""GuardedClient, the one outbound HTTP client (DID documents, status lists, credential URLs); FetchResult.

Guards: no userinfo in a URL (RFC 9110 §4.2.4), one time limit for a whole fetch, redirects included
(``pinning.deadline``), a response size cap, at most 3 redirects (each re-checked), https only unless
private addresses are allowed, and no special-purpose destination (``addresses``: loopback, private,
link-local, carrier-grade NAT, documentation, multicast, reserved..., also when embedded in an IPv6
address) unless settings allow private addresses (tests and local development: then no address is
checked, only the time limit kept). A host name is resolved once, by
the transport (``pinning``), which connects to an address it checked.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urljoin, urlsplit

import httpx

from app.http_client.addresses import blocked_by, ip_literal
from app.http_client.decoding import ACCEPT_ENCODING, BoundedDecoder
from app.http_client.errors import FetchError
from app.http_client.pinning import PinnedTransport, Resolver, checked_addresses, deadline

__all__ = ["FetchResult", "GuardedClient", "is_valid_url"]

MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})  # as httpx.Response.is_redirect


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str]


def is_valid_url(url: str) -> bool:
    """Whether the client can make a request of ``url`` at all (its host encodes under IDNA: ``https://xn--/``
    does not; it has no userinfo, which the client refuses), as checked when a URL is stored to be fetched
    later (a webhook's)."""
    try:
        if "@" in urlsplit(url).netloc:
            return False
        host = httpx.URL(url).host  # the host is decoded (IDNA) when read
    except (httpx.InvalidURL, UnicodeError):
        return False
    return bool(host)


class GuardedClient:
    """Fetches a URL within the guards above; ``resolve`` (default ``socket.getaddrinfo``) is injectable.

    Without ``transport`` (production) a name is resolved and checked by the pinned transport when it
    connects. A caller's ``transport`` (tests) cannot be pinned: the name is then resolved and checked before
    each request.
    """

    def __init__(
        self,
        *,
        timeout: float,
        max_bytes: int,
        allow_private: bool,
        transport: httpx.BaseTransport | None = None,
        resolve: Resolver = socket.getaddrinfo,
    ) -> None:
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.allow_private = allow_private
        self._resolve = resolve
        self._pinned = transport is None and not allow_private
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            follow_redirects=False,
            transport=transport or PinnedTransport(resolve, check=not allow_private),
            headers={"User-Agent": "Shomei-verifier/0.1", "Accept-Encoding": ACCEPT_ENCODING},
        )

    def close(self) -> None:
        self._client.close()

    def _check_destination(self, url: str) -> None:
        parts = _split(url)
        if "@" in parts.netloc:  # RFC 9110 §4.2.4: userinfo obscures the authority; it is an error here
            raise FetchError("invalid-url", "the URL has userinfo before its host")
        if parts.scheme not in ("https", "http"):
            raise FetchError("unsupported-scheme", f"only https URLs can be fetched, not {parts.scheme!r}")
        if parts.scheme == "http" and not self.allow_private:
            raise FetchError("insecure-url", "plain http is refused; use https")
        host = parts.hostname
        if not host:
            raise FetchError("invalid-url", "the URL has no host")
        port = _port(parts)
        if self.allow_private or (self._pinned and ip_literal(host) is None):
            return  # the pinned transport resolves the name once, checks every address and connects to one
        checked_addresses(host, port, self._resolve)

    def _check_redirect_address(self, url: str) -> None:
        """A redirect to a special-purpose IP literal is refused as such, before its scheme is judged."""
        host = _split(url).hostname
        literal = None if self.allow_private or not host else ip_literal(host)
        if literal is not None and blocked_by(literal) is not None:
            raise FetchError("private-address", f"{host} resolves to a private or local address")

    def get(self, url: str, *, accept: str = "application/json") -> FetchResult:
        """The document at ``url``, redirects followed within the guards; an answer other than 2xx is a
        FetchError (``http-error``): an error page is not the document asked for (BSL §3.2 tells a list
        that cannot be retrieved, STATUS_RETRIEVAL_ERROR, from one that does not verify)."""
        with deadline(self.timeout):  # the whole fetch, redirects included, not each socket operation
            return self._follow(url, accept)

    def _follow(self, url: str, accept: str) -> FetchResult:
        current = url
        for hop in range(MAX_REDIRECTS + 1):
            if hop:
                self._check_redirect_address(current)
            self._check_destination(current)
            result = self._send("GET", current, headers={"Accept": accept})
            location = result.headers.get("location") if result.status in _REDIRECTS else None
            if location is None:
                if not 200 <= result.status < 300:  # a 404 page is not the document asked for
                    raise FetchError(
                        "http-error",
                        f"{_split(current).hostname} answered HTTP {result.status}",
                        status=result.status,
                    )
                return result
            if not location:
                raise FetchError("bad-redirect", "redirect without a Location")
            try:
                current = urljoin(current, location)
            except ValueError:  # e.g. an unclosed IPv6 literal: "//[zz"
                raise FetchError("bad-redirect", "the redirect's Location is not a valid URL") from None
        raise FetchError("too-many-redirects", f"more than {MAX_REDIRECTS} redirects")

    def post(self, url: str, *, content: bytes, headers: dict[str, str]) -> FetchResult:
        """POST ``content`` within the same guards; a redirect is returned as it is, never followed
        (a webhook receiver answers itself: Standard Webhooks treats a 3xx as a failed delivery)."""
        self._check_destination(url)
        with deadline(self.timeout):
            return self._send("POST", url, headers=headers, content=content)

    def _send(
        self, method: str, url: str, *, headers: dict[str, str], content: bytes | None = None
    ) -> FetchResult:
        try:
            with self._client.stream(method, url, headers=headers, content=content) as response:
                if response.is_redirect:
                    return FetchResult(url, response.status_code, "", b"", dict(response.headers))
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise FetchError("too-large", f"the response is larger than {self.max_bytes} bytes")
                # decoded here, within the cap (httpx would decode whole chunks first: a gzip bomb)
                if response.is_stream_consumed:  # read already by a caller's in-memory transport (tests)
                    decoder, raws = BoundedDecoder("", self.max_bytes), iter([response.content])
                else:
                    coding = response.headers.get("content-encoding", "")
                    decoder, raws = BoundedDecoder(coding, self.max_bytes), response.iter_raw()
                chunks = [decoder.feed(raw) for raw in raws]
                chunks.append(decoder.flush())
                return FetchResult(
                    url=url,
                    status=response.status_code,
                    content_type=response.headers.get("content-type", "").split(";")[0].strip().lower(),
                    body=b"".join(chunks),
                    headers=dict(response.headers),
                )
        except (httpx.InvalidURL, UnicodeError) as exc:  # UnicodeError: a host IDNA refuses ("xn--")
            raise FetchError("invalid-url", "the URL is not valid") from exc
        except httpx.TimeoutException as exc:
            raise FetchError("timeout", f"{urlsplit(url).hostname} did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise FetchError("network-error", f"could not fetch {url}: {type(exc).__name__}") from exc


def _split(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError as exc:
        raise FetchError("invalid-url", "the URL is not valid") from exc


def _port(parts: SplitResult) -> int:
    try:
        port = parts.port
    except ValueError as exc:
        raise FetchError("invalid-url", "the URL has an invalid port") from exc
    return port or (443 if parts.scheme == "https" else 80)
