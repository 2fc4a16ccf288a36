"""Resolve once, check every address, connect to a checked one: the transport of the guarded client.

httpx connects through httpcore, whose connection pool hands each new connection's host name to a network
backend's ``connect_tcp``. ``PinnedTransport`` is httpx's own ``HTTPTransport`` with that pool rebuilt
around ``_PinnedBackend``: the backend resolves the name once (``resolve``, by default
``socket.getaddrinfo``), refuses the connection unless every address is public (``addresses.blocked_by``),
and opens the socket to one of the addresses it checked. The URL keeps the name, so the Host header, the TLS
SNI and the certificate check are for the name. There is no second resolution between the check and the
connect, hence no DNS-rebinding window. A pooled connection is reused only for the same scheme, host and
port, and it is connected to an address checked when it was opened. Proxies from the environment are not
used by this transport (a proxy would resolve the name itself).

The backend also keeps every fetch within its whole time (``deadline``): httpx's timeouts are per socket
operation, so a server that sends one byte a second never trips a 5-second read timeout and held a fetch
(and a worker thread) for as long as it liked. Each connect, TLS handshake, read and write here is given
at most the time left before the deadline, and none once it has passed (a timeout).
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeAlias

import httpcore
import httpx

from app.http_client.addresses import IPAddress, blocked_by, ip_literal
from app.http_client.errors import FetchError

__all__ = ["PinnedTransport", "Resolver", "checked_addresses", "deadline"]

# socket.getaddrinfo, or a stand-in with its first two parameters and its result shape.
Resolver: TypeAlias = Callable[[str, int], Sequence[tuple[Any, Any, Any, Any, tuple[Any, ...]]]]


def checked_addresses(host: str, port: int, resolve: Resolver) -> list[str]:
    """The addresses ``host`` names (an IP literal as is, a name resolved once), all public, or FetchError."""
    literal = ip_literal(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            infos = resolve(host, port)
            addresses = []
            for info in infos:
                address = ipaddress.ip_address(str(info[4][0]))
                if address not in addresses:
                    addresses.append(address)
        except (OSError, UnicodeError, ValueError, IndexError) as exc:
            raise FetchError("dns-failure", f"cannot resolve {host}") from exc
        if not addresses:
            raise FetchError("dns-failure", f"cannot resolve {host}")
    if any(blocked_by(address) is not None for address in addresses):
        raise FetchError("private-address", f"{host} resolves to a private or local address")
    return [str(address) for address in addresses]


_DEADLINE: ContextVar[float | None] = ContextVar("shomei_fetch_deadline", default=None)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Within the block, network operations of the pinned transport end ``seconds`` from now at the latest
    (an enclosing, earlier deadline stands)."""
    end = time.monotonic() + seconds
    current = _DEADLINE.get()
    token = _DEADLINE.set(end if current is None else min(current, end))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _time_left(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` cut to the time left before the deadline; ``error`` once the deadline has passed."""
    end = _DEADLINE.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise error("the fetch took longer than its time allows")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation ends by the deadline of the fetch that uses it."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        left = _time_left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    def __init__(self, resolve: Resolver, *, check: bool = True) -> None:
        self._resolve = resolve
        self._check = check
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        options = None if socket_options is None else list(socket_options)
        if not self._check:  # private addresses allowed (tests, development): only the deadline is kept
            left = _time_left(timeout, httpcore.ConnectTimeout)
            return _DeadlineStream(self._sockets.connect_tcp(host, port, left, local_address, options))
        *first, last = checked_addresses(host, port, self._resolve)
        for address in first:  # like socket.create_connection: the next address when one does not answer
            try:
                left = _time_left(timeout, httpcore.ConnectTimeout)
                stream = self._sockets.connect_tcp(address, port, left, local_address, options)
                return _DeadlineStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue
        left = _time_left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._sockets.connect_tcp(last, port, left, local_address, options))

    def sleep(self, seconds: float) -> None:
        self._sockets.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport (certificate checks, limits, HTTP/1.1) whose connections go to checked addresses
    (``check=False``: to any address, as resolved, when private addresses are allowed), each within the
    deadline of its fetch."""

    def __init__(self, resolve: Resolver, *, check: bool = True) -> None:
        ssl_context = httpx.create_ssl_context()
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
        super().__init__(verify=ssl_context, limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PinnedBackend(resolve, check=check),
        )
