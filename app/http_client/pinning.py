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
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias

import httpcore
import httpx

from app.http_client.addresses import IPAddress, blocked_by, ip_literal
from app.http_client.errors import FetchError

__all__ = ["PinnedTransport", "Resolver", "checked_addresses"]

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


class _PinnedBackend(httpcore.NetworkBackend):
    def __init__(self, resolve: Resolver) -> None:
        self._resolve = resolve
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
        *first, last = checked_addresses(host, port, self._resolve)
        for address in first:  # like socket.create_connection: the next address when one does not answer
            try:
                return self._sockets.connect_tcp(address, port, timeout, local_address, options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue
        return self._sockets.connect_tcp(last, port, timeout, local_address, options)

    def sleep(self, seconds: float) -> None:
        self._sockets.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport (certificate checks, limits, HTTP/1.1) whose connections go to checked addresses."""

    def __init__(self, resolve: Resolver) -> None:
        ssl_context = httpx.create_ssl_context()
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
        super().__init__(verify=ssl_context, limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PinnedBackend(resolve),
        )
