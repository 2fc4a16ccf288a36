"""The SSRF guard of the outbound client (app/http_client): which addresses may be fetched from (the IANA
special-purpose registries, IPv4 embedded in IPv6), IP literals, the pinned connection (resolve once, connect
to the address that was checked, TLS and Host for the name) and the re-check on every redirect.

The connection tests run the real client, transport and TLS against a local HTTPS server: the resolver is a
stub (no DNS) and httpcore's socket layer is diverted to the local server after recording the address the
guard asked it to connect to, so "connected to 93.184.215.14" means the guard chose that address.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpcore
import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.http_client import FetchError, GuardedClient
from app.http_client.addresses import (
    IPV4_SPECIAL_PURPOSE,
    IPV6_SPECIAL_PURPOSE,
    JUDGED_BY_EMBEDDED_IPV4,
    blocked_by,
    embedded_ipv4,
    ip_literal,
)

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:4700:4700::1111"
CERTIFIED_NAMES = ("issuer.example", "rebind.example", "public.example", "internal.example", "localhost")

# (address, refused): each registry range from inside, and the boundary just outside where there is one.
ADDRESSES: list[tuple[str, bool]] = [
    # IPv4 Special-Purpose Address Registry
    ("0.0.0.0", True),  # noqa: S104 - an address to judge, not one to bind
    ("0.255.255.255", True),
    ("1.0.0.0", False),
    ("9.255.255.255", False),
    ("10.0.0.0", True),
    ("10.255.255.255", True),
    ("11.0.0.0", False),
    ("100.63.255.255", False),
    ("100.64.0.0", True),
    ("100.100.100.200", True),
    ("100.127.255.255", True),
    ("100.128.0.0", False),
    ("126.255.255.255", False),
    ("127.0.0.1", True),
    ("127.255.255.255", True),
    ("128.0.0.0", False),
    ("169.253.255.255", False),
    ("169.254.0.0", True),
    ("169.254.169.254", True),
    ("169.255.0.0", False),
    ("172.15.255.255", False),
    ("172.16.0.0", True),
    ("172.31.255.255", True),
    ("172.32.0.0", False),
    ("191.255.255.255", False),
    ("192.0.0.0", True),
    ("192.0.0.8", True),
    ("192.0.0.9", True),
    ("192.0.0.10", True),
    ("192.0.0.170", True),
    ("192.0.0.171", True),
    ("192.0.0.255", True),
    ("192.0.1.0", False),
    ("192.0.2.0", True),
    ("192.0.2.255", True),
    ("192.0.3.0", False),
    ("192.31.195.255", False),
    ("192.31.196.1", True),
    ("192.31.197.0", False),
    ("192.52.192.255", False),
    ("192.52.193.1", True),
    ("192.52.194.0", False),
    ("192.88.98.255", False),
    ("192.88.99.1", True),
    ("192.88.99.2", True),
    ("192.88.100.0", False),
    ("192.167.255.255", False),
    ("192.168.0.0", True),
    ("192.168.255.255", True),
    ("192.169.0.0", False),
    ("192.175.47.255", False),
    ("192.175.48.1", True),
    ("192.175.49.0", False),
    ("198.17.255.255", False),
    ("198.18.0.0", True),
    ("198.19.255.255", True),
    ("198.20.0.0", False),
    ("198.51.99.255", False),
    ("198.51.100.1", True),
    ("198.51.101.0", False),
    ("203.0.112.255", False),
    ("203.0.113.1", True),
    ("203.0.114.0", False),
    # multicast (IPv4 Multicast Address Space registry), reserved, limited broadcast
    ("223.255.255.255", False),
    ("224.0.0.0", True),
    ("239.255.255.255", True),
    ("240.0.0.0", True),
    ("255.255.255.254", True),
    ("255.255.255.255", True),
    ("8.8.8.8", False),
    (PUBLIC_V4, False),
    # IPv6 Special-Purpose Address Registry
    ("::", True),
    ("::1", True),
    ("::2", True),
    ("::ffff:0:0", True),
    ("::ffff:8.8.8.8", True),
    ("64:ff9b::8.8.8.8", False),
    ("64:ff9b::7f00:1", True),
    ("64:ff9b::a9fe:a9fe", True),
    ("64:ff9b::6464:64c8", True),
    ("64:ff9b::1:0:0", True),
    ("64:ff9b:1::", True),
    ("64:ff9b:1::808:808", True),
    ("64:ff9b:1:ffff:ffff:ffff:ffff:ffff", True),
    ("100::", True),
    ("100::ffff:ffff:ffff:ffff", True),
    ("100:0:0:1::1", True),
    ("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", True),
    ("2000::1", False),
    ("2001::", True),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", True),
    ("2001:1::1", True),
    ("2001:1::2", True),
    ("2001:1::3", True),
    ("2001:2::1", True),
    ("2001:3::1", True),
    ("2001:4:112::1", True),
    ("2001:10::1", True),
    ("2001:20::1", True),
    ("2001:30::1", True),
    ("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", True),
    ("2001:200::", False),
    ("2001:4860:4860::8888", False),
    ("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", False),
    ("2001:db8::1", True),
    ("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", True),
    ("2001:db9::", False),
    ("2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", False),
    ("2002::", True),
    ("2002:808:808::1", True),
    ("2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", True),
    ("2003::", False),
    ("2620:4f:7fff:ffff:ffff:ffff:ffff:ffff", False),
    ("2620:4f:8000::1", True),
    ("2620:4f:8001::", False),
    ("3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", False),
    ("3fff::", True),
    ("3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", True),
    ("3fff:1000::", False),
    ("4000::", True),
    ("5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", True),
    ("5f00::1", True),
    ("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", True),
    ("fc00::", True),
    ("fd12:3456::1", True),
    ("fe80::1", True),
    ("fe80::1%eth0", True),
    ("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", True),
    ("fec0::1", True),
    ("ff02::1", True),
    ("ff0e::1", True),
    (PUBLIC_V6, False),
]


@pytest.mark.parametrize(("address", "refused"), ADDRESSES, ids=[a for a, _ in ADDRESSES])
def test_special_purpose_addresses_are_refused(address: str, refused: bool) -> None:
    assert (blocked_by(ip_address(address)) is not None) is refused


REGISTRY_ROWS = [*IPV4_SPECIAL_PURPOSE, *IPV6_SPECIAL_PURPOSE]


@pytest.mark.parametrize(("block", "name", "reachable"), REGISTRY_ROWS, ids=[r[0] for r in REGISTRY_ROWS])
def test_every_registry_entry_is_refused_but_the_nat64_prefix(block: str, name: str, reachable: str) -> None:
    """Whatever the Globally Reachable column says (see app/http_client/addresses.py for the reasons)."""
    assert reachable in {"True", "False", "N/A", "terminated"}
    first, last = _ends(block)
    if block in JUDGED_BY_EMBEDDED_IPV4:
        assert blocked_by(first) is not None  # embeds 0.0.0.0
        assert blocked_by(ip_address(f"64:ff9b::{PUBLIC_V4}")) is None
    else:
        assert blocked_by(first) is not None
        assert blocked_by(last) is not None


def _ends(block: str) -> tuple[IPv4Address | IPv6Address, IPv4Address | IPv6Address]:
    network = ip_network(block)
    return network.network_address, network.broadcast_address


REFUSED_V4 = ["127.0.0.1", "10.0.0.1", "169.254.169.254", "100.100.100.200", "192.168.1.1", "0.0.0.0"]  # noqa: S104


def _forms(v4: str) -> dict[str, str]:
    """The IPv6 forms that carry ``v4``."""
    n = int(IPv4Address(v4))
    return {
        "mapped": str(IPv6Address((0xFFFF << 32) | n)),
        "compatible": str(IPv6Address(n)),
        "siit": str(IPv6Address((0xFFFF << 48) | n)),
        "nat64": str(IPv6Address((0x64FF9B << 96) | n)),
        "nat64-local": str(IPv6Address((0x64FF9B0001 << 80) | n)),
        "6to4": str(IPv6Address((0x2002 << 112) | (n << 80) | 1)),
        "teredo-client": str(
            IPv6Address((0x20010000 << 96) | (int(IPv4Address(PUBLIC_V4)) << 64) | (~n & 0xFFFFFFFF))
        ),
        "teredo-server": str(IPv6Address((0x20010000 << 96) | (n << 64) | 0xFFFFFFFF)),
    }


EMBEDDED = [(v4, form, v6) for v4 in REFUSED_V4 for form, v6 in _forms(v4).items()]


@pytest.mark.parametrize(("v4", "form", "v6"), EMBEDDED, ids=[f"{f}-{v4}" for v4, f, _ in EMBEDDED])
def test_an_ipv6_address_embedding_a_refused_ipv4_address_is_refused(v4: str, form: str, v6: str) -> None:
    address = ip_address(v6)
    assert isinstance(address, IPv6Address)
    assert blocked_by(ip_address(v4)) is not None
    assert blocked_by(address) is not None
    assert IPv4Address(v4) in [carried for _, carried in embedded_ipv4(address)], form


def test_only_the_nat64_form_of_a_public_ipv4_address_is_allowed() -> None:
    forms = _forms(PUBLIC_V4)
    allowed = {form for form, v6 in forms.items() if blocked_by(ip_address(v6)) is None}
    assert allowed == {"nat64"}
    reason = blocked_by(ip_address(_forms("127.0.0.1")["nat64"]))
    assert reason is not None
    assert "127.0.0.1" in reason


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0", "0.0.0.0"),  # noqa: S104
        ("::ffff:169.254.169.254", "::ffff:a9fe:a9fe"),
        ("[::1]", "::1"),
        ("issuer.example", None),
        ("1.2.3.4.5", None),
        ("08.0.0.1", None),
        ("4294967296", None),
        ("256.0.0.1", None),
    ],
)
def test_ip_literals_are_read_without_dns(host: str, address: str | None) -> None:
    literal = ip_literal(host)
    assert (None if literal is None else str(literal)) == address


# --- the client against a local HTTPS server --------------------------------------------------------------


@dataclass(frozen=True)
class Tls:
    ca: Path
    cert: Path
    key: Path


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A test CA and a server certificate for CERTIFIED_NAMES (nothing else)."""
    directory = tmp_path_factory.mktemp("tls")
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Shomei test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CERTIFIED_NAMES[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in CERTIFIED_NAMES]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = Tls(ca=directory / "ca.pem", cert=directory / "cert.pem", key=directory / "key.pem")
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return files


def _key_usage(
    *, digital_signature: bool = False, key_cert_sign: bool = False, crl_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass
class Server:
    """What the local HTTPS server saw: the TLS server names (SNI) and the Host headers, in order."""

    port: int = 0
    sni: list[str | None] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)


@pytest.fixture
def server(tls: Tls) -> Iterator[Server]:
    """HTTPS on 127.0.0.1: ``/?to=URL`` answers 302 to URL, anything else 200 with the Host header seen."""
    seen = Server()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host = self.headers.get("Host", "")
            seen.hosts.append(host)
            target = parse_qs(urlsplit(self.path).query).get("to")
            if target:
                self.send_response(302)
                self.send_header("Location", target[0])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = json.dumps({"host": host, "path": self.path}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    def record_sni(connection: ssl.SSLObject, name: str | None, context: ssl.SSLContext) -> None:
        seen.sni.append(name)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.cert, tls.key)
    context.sni_callback = record_sni
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    seen.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@dataclass
class Network:
    """Every connection httpcore opens lands on the local server; ``asked`` is where it was asked to go."""

    asked: list[tuple[str, int]] = field(default_factory=list)
    unreachable: set[str] = field(default_factory=set)


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch, server: Server) -> Network:
    net = Network()
    real = httpcore.SyncBackend.connect_tcp

    def connect_tcp(
        self: httpcore.SyncBackend,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        net.asked.append((host, port))
        if host in net.unreachable:
            raise httpcore.ConnectError(f"{host} does not answer")
        return real(self, "127.0.0.1", server.port, timeout, local_address, socket_options)

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect_tcp)
    return net


Answer = list[tuple[Any, Any, Any, Any, tuple[Any, ...]]]


class Resolver:
    """A getaddrinfo stand-in: ``answers[name]`` is the list of answers to successive queries (the last repeats)."""

    def __init__(self, answers: Mapping[str, Sequence[Sequence[str]]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> Answer:
        self.asked.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        queries = self.answers[host]
        addresses = queries[min(self.asked.count(host), len(queries)) - 1]
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]


@pytest.fixture
def guarded(monkeypatch: pytest.MonkeyPatch, tls: Tls) -> Iterator[Callable[..., GuardedClient]]:
    """Builds clients that trust the test CA (SSL_CERT_FILE, as httpx reads it) and closes them afterwards."""
    monkeypatch.setenv("SSL_CERT_FILE", str(tls.ca))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    made: list[GuardedClient] = []

    def make(resolve: Resolver, *, allow_private: bool = False) -> GuardedClient:
        client = GuardedClient(timeout=2, max_bytes=10_000, allow_private=allow_private, resolve=resolve)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def test_the_connection_goes_to_the_address_that_was_checked(
    guarded: Callable[..., GuardedClient], network: Network, server: Server
) -> None:
    """DNS rebinding: the name answers a public address, then 127.0.0.1; the guard resolves once per connection."""
    resolve = Resolver({"rebind.example": [[PUBLIC_V4], ["127.0.0.1"]]})
    client = guarded(resolve)

    result = client.get("https://rebind.example/did.json")

    assert result.status == 200
    assert json.loads(result.body) == {"host": "rebind.example", "path": "/did.json"}
    assert network.asked == [(PUBLIC_V4, 443)]
    assert resolve.asked == ["rebind.example"]
    assert server.sni == ["rebind.example"]  # TLS for the name, and the certificate was verified for it

    # The server closed that connection (HTTP/1.0): the next one resolves again, gets 127.0.0.1 and is refused.
    with pytest.raises(FetchError) as err:
        client.get("https://rebind.example/did.json")
    assert err.value.code == "private-address"
    assert resolve.asked == ["rebind.example", "rebind.example"]
    assert network.asked == [(PUBLIC_V4, 443)]


def test_every_resolved_address_must_be_public(
    guarded: Callable[..., GuardedClient], network: Network
) -> None:
    client = guarded(Resolver({"issuer.example": [[PUBLIC_V4, "10.0.0.1"]]}))
    with pytest.raises(FetchError) as err:
        client.get("https://issuer.example/did.json")
    assert err.value.code == "private-address"
    assert str(err.value) == "issuer.example resolves to a private or local address"
    assert network.asked == []


def test_the_next_checked_address_is_tried_when_one_does_not_answer(
    guarded: Callable[..., GuardedClient], network: Network
) -> None:
    network.unreachable.add(PUBLIC_V4)
    client = guarded(Resolver({"issuer.example": [[PUBLIC_V4, PUBLIC_V6]]}))
    assert client.get("https://issuer.example:8443/x").status == 200
    assert network.asked == [(PUBLIC_V4, 8443), (PUBLIC_V6, 8443)]


def test_the_certificate_is_checked_for_the_name(
    guarded: Callable[..., GuardedClient], network: Network, server: Server
) -> None:
    client = guarded(Resolver({"other.example": [[PUBLIC_V4]]}))
    with pytest.raises(FetchError) as err:
        client.get("https://other.example/x")
    assert err.value.code == "network-error"
    assert network.asked == [(PUBLIC_V4, 443)]
    assert server.sni == ["other.example"]
    assert server.hosts == []


@pytest.mark.parametrize("answer", [None, []], ids=["unknown-name", "no-address"])
def test_a_name_without_addresses_is_a_dns_failure(
    guarded: Callable[..., GuardedClient], network: Network, answer: list[str] | None
) -> None:
    client = guarded(Resolver({} if answer is None else {"issuer.example": [answer]}))
    with pytest.raises(FetchError) as err:
        client.get("https://issuer.example/x")
    assert err.value.code == "dns-failure"
    assert network.asked == []


LITERALS = [
    "https://[::ffff:169.254.169.254]/latest/meta-data",
    "https://[::ffff:a9fe:a9fe]/",
    "https://100.100.100.200/latest/meta-data",
    "https://2130706433/",
    "https://0x7f.1/",
    "https://0177.0.0.1/",
    "https://127.1/",
    "https://127.0.0.1./",
    "https://[::127.0.0.1]/",
    "https://[64:ff9b::a9fe:a9fe]/",
    "https://[2002:a9fe:a9fe::1]/",
    "https://[fe80::1%25eth0]/",
]


@pytest.mark.parametrize("url", LITERALS)
def test_ip_literals_in_urls_are_refused_without_dns(
    guarded: Callable[..., GuardedClient], network: Network, url: str
) -> None:
    resolve = Resolver({})
    with pytest.raises(FetchError) as err:
        guarded(resolve).get(url)
    assert err.value.code == "private-address"
    assert resolve.asked == []
    assert network.asked == []


@pytest.mark.parametrize("literal", [PUBLIC_V4, f"64:ff9b::{PUBLIC_V4}"])
def test_a_public_ip_literal_is_connected_to_as_is(
    guarded: Callable[..., GuardedClient], network: Network, literal: str
) -> None:
    resolve = Resolver({})
    host = f"[{literal}]" if ":" in literal else literal
    with pytest.raises(FetchError) as err:  # the test certificate names no address
        guarded(resolve).get(f"https://{host}/x")
    assert err.value.code == "network-error"
    assert resolve.asked == []
    assert network.asked == [(str(ip_address(literal)), 443)]


REDIRECTS = [
    "https://100.100.100.200/latest/meta-data",
    "http://100.100.100.200/latest/meta-data",
    "http://[::ffff:127.0.0.1]/",
    "https://[::ffff:127.0.0.1]/",
    "http://[64:ff9b::7f00:1]/",
    "https://[64:ff9b::7f00:1]/",
    "http://[2002:a00:1::1]/",
    "https://[2002:a00:1::1]/",
    "https://2130706433/",
    "https://internal.example/admin",
]


@pytest.mark.parametrize("target", REDIRECTS)
def test_a_redirect_to_a_special_purpose_address_is_refused(
    guarded: Callable[..., GuardedClient], network: Network, server: Server, target: str
) -> None:
    resolve = Resolver({"issuer.example": [[PUBLIC_V4]], "internal.example": [["100.100.100.200"]]})
    client = guarded(resolve)
    with pytest.raises(FetchError) as err:
        client.get(f"https://issuer.example/start?{httpx.QueryParams({'to': target})}")
    assert err.value.code == "private-address"
    assert network.asked == [(PUBLIC_V4, 443)]
    assert server.hosts == ["issuer.example"]


def test_a_redirect_to_a_public_name_is_followed_and_pinned_too(
    guarded: Callable[..., GuardedClient], network: Network, server: Server
) -> None:
    resolve = Resolver({"issuer.example": [[PUBLIC_V4]], "public.example": [[PUBLIC_V6], ["127.0.0.1"]]})
    client = guarded(resolve)
    result = client.get(
        f"https://issuer.example/start?{httpx.QueryParams({'to': 'https://public.example/doc'})}"
    )
    assert result.url == "https://public.example/doc"
    assert json.loads(result.body)["host"] == "public.example"
    assert network.asked == [(PUBLIC_V4, 443), (PUBLIC_V6, 443)]
    assert server.sni == ["issuer.example", "public.example"]


def test_a_callers_transport_is_not_pinned_but_names_are_still_checked() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200)

    resolve = Resolver({"issuer.example": [["10.0.0.7"]]})
    client = GuardedClient(
        timeout=2, max_bytes=100, allow_private=False, transport=httpx.MockTransport(handler), resolve=resolve
    )
    with pytest.raises(FetchError) as err:
        client.get("https://issuer.example/did.json")
    assert err.value.code == "private-address"
    assert resolve.asked == ["issuer.example"]
    assert calls == []


def test_allow_private_checks_nothing_and_connects_plainly(
    guarded: Callable[..., GuardedClient], server: Server
) -> None:
    resolve = Resolver({})
    client = guarded(resolve, allow_private=True)
    result = client.get(f"https://localhost:{server.port}/?{httpx.QueryParams({'to': '/next'})}")
    assert result.status == 200
    assert json.loads(result.body) == {"host": f"localhost:{server.port}", "path": "/next"}
    assert resolve.asked == []
    assert server.sni == ["localhost", "localhost"]


@pytest.mark.parametrize("allow_private", [False, True], ids=["guarded", "allow-private"])
@pytest.mark.parametrize(
    "url", ["https://[::1/", "https://issuer.example:99999/", "https://0177.0.0.1:99999/"]
)
def test_a_malformed_url_is_an_invalid_url(
    guarded: Callable[..., GuardedClient], url: str, allow_private: bool
) -> None:
    resolve = Resolver({"issuer.example": [[PUBLIC_V4]]})
    with pytest.raises(FetchError) as err:
        guarded(resolve, allow_private=allow_private).get(url)
    assert err.value.code == "invalid-url"
    assert resolve.asked == []


def test_a_url_httpx_refuses_is_an_invalid_url(guarded: Callable[..., GuardedClient]) -> None:
    """Guarded, 0177.0.0.1 is 127.0.0.1 and refused; allowed to go private, httpx rejects the octal form."""
    resolve = Resolver({})
    with pytest.raises(FetchError) as err:
        guarded(resolve).get("https://0177.0.0.1/")
    assert err.value.code == "private-address"
    with pytest.raises(FetchError) as err:
        guarded(resolve, allow_private=True).get("https://0177.0.0.1/")
    assert err.value.code == "invalid-url"
