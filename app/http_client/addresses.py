"""Which IP addresses the guarded client may connect to, and how a URL's host is read as an address.

The table is the IANA IPv4 Special-Purpose Address Registry and the IANA IPv6 Special-Purpose Address
Registry (https://www.iana.org/assignments/iana-ipv4-special-registry/ and .../iana-ipv6-special-registry/;
RFC 6890, updated by RFC 8190), transcribed entry by entry from their CSV exports as they stood on
2025-10-09 (the registries' "Last Updated" date; the newest entry is 100:0:0:1::/64, RFC 9780, allocated
2025-04). Each row keeps the registry's "Globally Reachable" value: True, False, N/A, or "terminated" for an
entry whose allocation ended.

Policy (what the column decides here):
- every entry of both registries is refused, whatever its Globally Reachable value, except 64:ff9b::/96. The
  entries marked True are anycast service addresses answered by the nearest instance, usually the local
  network's own router (PCP 192.0.0.9 and 2001:1::1, TURN 192.0.0.10 and 2001:1::2, DNS-SD SRP 2001:1::3),
  DNS sinks (AS112: 192.31.196.0/24, 192.175.48.0/24, 2001:4:112::/48, 2620:4f:8000::/48), multicast relays
  (AMT: 192.52.193.0/24, 2001:3::/32) or identifiers that are not locators (ORCHIDv2 2001:20::/28, DETs
  2001:30::/28). None of them serves a DID document, a status list or a credential, so refusing them costs
  nothing. N/A (Teredo 2001::/32, 6to4 2002::/16) are tunnels towards the IPv4 address they embed: refused
  whole.
- 64:ff9b::/96 (NAT64 well-known prefix, Globally Reachable True) is how an IPv6-only host behind
  DNS64/NAT64 reaches every public IPv4 address, so it is not refused as such: its addresses are judged by
  the IPv4 address they embed (64:ff9b::7f00:1 is 127.0.0.1 and refused; 64:ff9b::5db8:d70e is 93.184.215.14
  and allowed).
- beyond the registries: IPv4 multicast 224.0.0.0/4 (IPv4 Multicast Address Space registry, RFC 5771), IPv6
  multicast ff00::/8 and the deprecated site-local fec0::/10 (RFC 3879), and every IPv6 address outside
  2000::/3, the only Global Unicast space of the IPv6 Address Space registry (this covers the deprecated
  IPv4-compatible ::/96 and the SIIT ::ffff:0:0:0/96 forms).
- an IPv6 address that embeds an IPv4 address (IPv4-mapped, IPv4-compatible, SIIT, NAT64 well-known and
  local-use prefixes in the /96 layout, 6to4, Teredo server and client) is refused if the IPv6 address is,
  or if any IPv4 address it embeds is.
"""

from __future__ import annotations

import ipaddress
import re
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import TypeAlias

__all__ = [
    "IPV4_SPECIAL_PURPOSE",
    "IPV6_SPECIAL_PURPOSE",
    "JUDGED_BY_EMBEDDED_IPV4",
    "IPAddress",
    "blocked_by",
    "embedded_ipv4",
    "ip_literal",
]

IPAddress: TypeAlias = IPv4Address | IPv6Address

# (address block, name, Globally Reachable) exactly as the registry lists them.
IPV4_SPECIAL_PURPOSE: tuple[tuple[str, str, str], ...] = (
    ("0.0.0.0/8", '"This host on this network"', "False"),
    ("10.0.0.0/8", "Private-Use", "False"),
    ("100.64.0.0/10", "Shared Address Space", "False"),
    ("127.0.0.0/8", "Loopback", "False"),
    ("169.254.0.0/16", "Link Local", "False"),
    ("172.16.0.0/12", "Private-Use", "False"),
    ("192.0.0.0/24", "IETF Protocol Assignments", "False"),
    ("192.0.0.0/29", "IPv4 Service Continuity Prefix", "False"),
    ("192.0.0.8/32", "IPv4 dummy address", "False"),
    ("192.0.0.9/32", "Port Control Protocol Anycast", "True"),
    ("192.0.0.10/32", "Traversal Using Relays around NAT Anycast", "True"),
    ("192.0.0.170/32", "NAT64/DNS64 Discovery", "False"),
    ("192.0.0.171/32", "NAT64/DNS64 Discovery", "False"),
    ("192.0.2.0/24", "Documentation (TEST-NET-1)", "False"),
    ("192.31.196.0/24", "AS112-v4", "True"),
    ("192.52.193.0/24", "AMT", "True"),
    ("192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", "terminated"),
    ("192.88.99.2/32", "6a44-relay anycast address", "False"),
    ("192.168.0.0/16", "Private-Use", "False"),
    ("192.175.48.0/24", "Direct Delegation AS112 Service", "True"),
    ("198.18.0.0/15", "Benchmarking", "False"),
    ("198.51.100.0/24", "Documentation (TEST-NET-2)", "False"),
    ("203.0.113.0/24", "Documentation (TEST-NET-3)", "False"),
    ("240.0.0.0/4", "Reserved", "False"),
    ("255.255.255.255/32", "Limited Broadcast", "False"),
)

IPV6_SPECIAL_PURPOSE: tuple[tuple[str, str, str], ...] = (
    ("::1/128", "Loopback Address", "False"),
    ("::/128", "Unspecified Address", "False"),
    ("::ffff:0:0/96", "IPv4-mapped Address", "False"),
    ("64:ff9b::/96", "IPv4-IPv6 Translat.", "True"),
    ("64:ff9b:1::/48", "IPv4-IPv6 Translat.", "False"),
    ("100::/64", "Discard-Only Address Block", "False"),
    ("100:0:0:1::/64", "Dummy IPv6 Prefix", "False"),
    ("2001::/23", "IETF Protocol Assignments", "False"),
    ("2001::/32", "TEREDO", "N/A"),
    ("2001:1::1/128", "Port Control Protocol Anycast", "True"),
    ("2001:1::2/128", "Traversal Using Relays around NAT Anycast", "True"),
    ("2001:1::3/128", "DNS-SD Service Registration Protocol Anycast", "True"),
    ("2001:2::/48", "Benchmarking", "False"),
    ("2001:3::/32", "AMT", "True"),
    ("2001:4:112::/48", "AS112-v6", "True"),
    ("2001:10::/28", "Deprecated (previously ORCHID)", "terminated"),
    ("2001:20::/28", "ORCHIDv2", "True"),
    ("2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix", "True"),
    ("2001:db8::/32", "Documentation", "False"),
    ("2002::/16", "6to4", "N/A"),
    ("2620:4f:8000::/48", "Direct Delegation AS112 Service", "True"),
    ("3fff::/20", "Documentation", "False"),
    ("5f00::/16", "Segment Routing (SRv6) SIDs", "False"),
    ("fc00::/7", "Unique-Local", "False"),
    ("fe80::/10", "Link-Local Unicast", "False"),
)

# Registry entries not refused as such; their addresses are judged by the IPv4 address they carry.
JUDGED_BY_EMBEDDED_IPV4 = frozenset({"64:ff9b::/96"})

_BEYOND_REGISTRY_V4 = (("224.0.0.0/4", "Multicast"),)
_BEYOND_REGISTRY_V6 = (("ff00::/8", "Multicast"), ("fec0::/10", "Site-Local (deprecated)"))
_GLOBAL_UNICAST = IPv6Network("2000::/3")
_NAT64_WELL_KNOWN = IPv6Network("64:ff9b::/96")
_NAT64_LOCAL_USE = IPv6Network("64:ff9b:1::/48")


_REFUSED_V4: tuple[tuple[IPv4Network, str], ...] = tuple(
    sorted(
        [(IPv4Network(block), name) for block, name, _ in IPV4_SPECIAL_PURPOSE]
        + [(IPv4Network(block), name) for block, name in _BEYOND_REGISTRY_V4],
        key=lambda row: row[0].prefixlen,
        reverse=True,
    )
)
_REFUSED_V6: tuple[tuple[IPv6Network, str], ...] = tuple(
    sorted(
        [
            (IPv6Network(block), name)
            for block, name, _ in IPV6_SPECIAL_PURPOSE
            if block not in JUDGED_BY_EMBEDDED_IPV4
        ]
        + [(IPv6Network(block), name) for block, name in _BEYOND_REGISTRY_V6],
        key=lambda row: row[0].prefixlen,
        reverse=True,
    )
)


def embedded_ipv4(ip: IPv6Address) -> list[tuple[str, IPv4Address]]:
    """The IPv4 addresses an IPv6 address carries, each with the name of the form that carries it."""
    value = int(ip)
    low32 = IPv4Address(value & 0xFFFFFFFF)
    found: list[tuple[str, IPv4Address]] = []
    if ip.ipv4_mapped is not None:
        found.append(("IPv4-mapped", ip.ipv4_mapped))
    if value >> 32 == 0:
        found.append(("IPv4-compatible", low32))
    if value >> 32 == 0xFFFF0000:
        found.append(("IPv4-translated (SIIT)", low32))
    if ip in _NAT64_WELL_KNOWN or ip in _NAT64_LOCAL_USE:
        found.append(("NAT64", low32))
    if ip.sixtofour is not None:
        found.append(("6to4", ip.sixtofour))
    if ip.teredo is not None:
        server, client = ip.teredo
        found += [("Teredo server", server), ("Teredo client", client)]
    return found


def _refused_v4(ip: IPv4Address) -> str | None:
    for network, name in _REFUSED_V4:
        if ip in network:
            return f"{network} {name}"
    return None


def blocked_by(ip: IPAddress) -> str | None:
    """Why ``ip`` may not be fetched from (the registry entry or rule that refuses it), or None if it may."""
    if isinstance(ip, IPv4Address):
        return _refused_v4(ip)
    for network, name in _REFUSED_V6:
        if ip in network:
            return f"{network} {name}"
    if ip not in _GLOBAL_UNICAST and ip not in _NAT64_WELL_KNOWN:
        return "outside 2000::/3 (not Global Unicast)"
    for form, carried in embedded_ipv4(ip):
        reason = _refused_v4(carried)
        if reason is not None:
            return f"{form} {carried}: {reason}"
    return None


_HEX = re.compile(r"0x[0-9a-f]*")
_OCTAL = re.compile(r"0[0-7]+")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


def _legacy_ipv4(host: str) -> IPv4Address | None:
    """The numeric IPv4 forms inet_aton (so getaddrinfo) accepts: 2130706433, 0x7f.1, 0177.0.0.1, 127.1."""
    parts = host.lower().removesuffix(".").split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        if _HEX.fullmatch(part):
            numbers.append(int(part[2:] or "0", 16))
        elif _OCTAL.fullmatch(part):
            numbers.append(int(part, 8))
        elif _DECIMAL.fullmatch(part):
            numbers.append(int(part))
        else:
            return None
    *leading, last = numbers
    if any(number > 0xFF for number in leading) or last >= 1 << (8 * (4 - len(leading))):
        return None
    value = last
    for index, number in enumerate(leading):
        value |= number << (24 - 8 * index)
    return IPv4Address(value)


def ip_literal(host: str) -> IPAddress | None:
    """The address a URL host names without DNS (IPv4, IPv6 with or without brackets, numeric IPv4 forms)."""
    candidate = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return _legacy_ipv4(candidate)
