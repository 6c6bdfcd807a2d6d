"""The SSRF guard: webhook URLs must lead to the public internet, checked twice.

At registration the URL itself is checked (scheme, literal addresses and their
odd spellings, local names); at every connection the host is resolved and
refused if *any* of its addresses is not public, and the connection goes to
that vetted address (see :mod:`arplatform.webhooks.transport`), so a DNS answer
that changes in between (rebinding) cannot lead inside. The operator's
allow-list (``ARP_WEBHOOK_ALLOWED_NETWORKS``) is the only exception.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import idna

from arplatform.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: ``host, port -> addresses``; injectable so tests need no DNS.
Resolver = Callable[[str, int], Awaitable[list[str]]]

FORBIDDEN_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # RFC 1918
        "100.64.0.0/10",  # CGNAT
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",  # RFC 1918
        "192.0.0.0/24",  # IETF protocol assignments
        "192.168.0.0/16",  # RFC 1918
        "198.18.0.0/15",  # benchmarking
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
        # IPv6 forms that embed an IPv4 address would reach any IPv4 address; refused
        # as a whole rather than decoded (Python 3.11's is_global lets several through).
        "::/96",  # unspecified, loopback, IPv4-compatible (::127.0.0.1)
        "::ffff:0:0/96",  # IPv4-mapped
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b::/96",  # NAT64
        "64:ff9b:1::/48",  # NAT64, local use
        "2002::/16",  # 6to4
        "fc00::/7",  # ULA
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated, still routed by some stacks)
        "ff00::/8",  # multicast
    )
)
LOCAL_NAMES = re.compile(r"(^|\.)(localhost|local|internal|localdomain)\.?$", re.IGNORECASE)
#: A last label that is a number (``2130706433``, ``0x7f.1``, ``127.1``): WHATWG URL
#: parsers and ``inet_aton`` read such hosts as IPv4 addresses in odd spellings.
NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class UnsafeUrl(ValueError):
    """The URL may not be called: it could reach a network that is not the public internet."""


@dataclass(frozen=True, slots=True)
class Policy:
    """What the operator allows beyond public https addresses."""

    allowed_networks: tuple[IPNetwork, ...] = ()
    allow_http: bool = False

    @staticmethod
    def from_cidrs(*cidrs: str) -> tuple[IPNetwork, ...]:
        return tuple(ipaddress.ip_network(cidr) for cidr in cidrs)

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            allowed_networks=cls.from_cidrs(*settings.webhook_allowed_networks),
            allow_http=settings.webhook_allow_http,
        )

    def allows(self, address: IPAddress) -> bool:
        return any(address in network for network in self.allowed_networks)


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str
    port: int


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` lies outside every network a webhook must not reach."""
    if any(address in network for network in FORBIDDEN_NETWORKS):
        return False
    return address.is_global


def check_address(address: IPAddress, policy: Policy) -> None:
    if not is_public(address) and not policy.allows(address):
        raise UnsafeUrl(f"{address} is not a public address")


def _literal(host: str) -> IPAddress | None:
    """The address a host names literally; odd spellings are refused, not decoded."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if NUMERIC_LABEL.match(host.rstrip(".").rsplit(".", 1)[-1]):
        raise UnsafeUrl(f"{host!r} is an IP address in an unusual spelling")
    return None


def check_url(url: str, policy: Policy) -> Target:
    """Refuse a URL that cannot be public before any name is resolved (registration, sending)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"not a valid URL: {exc}") from None
    schemes = ("https", "http") if policy.allow_http else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeUrl(f"the URL must use {' or '.join(schemes)}")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("the URL must not carry credentials")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("the URL has no host")
    address = _literal(host)
    if address is not None:
        check_address(address, policy)
    elif LOCAL_NAMES.search(host) or "." not in host.rstrip("."):
        raise UnsafeUrl(f"{host!r} is a local name")
    else:
        _check_name(host)
    try:
        httpx.URL(url)  # what the client will parse when sending
    except httpx.InvalidURL as exc:
        raise UnsafeUrl(f"not a valid URL: {exc}") from None
    return Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80))


def _check_name(host: str) -> None:
    """A host name the client can encode: no empty or over-long labels, valid IDNA."""
    labels = host.rstrip(".").split(".")
    if len(host) > 253 or any(not 0 < len(label) <= 63 for label in labels):
        raise UnsafeUrl(f"{host!r} is not a valid host name")
    if host.isascii() and not any(label.startswith("xn--") for label in labels):
        return  # the client sends it as it is (an ``_`` is no IDNA but works in DNS)
    try:
        idna.encode(host.rstrip("."), uts46=True)
    except UnicodeError as exc:  # idna.IDNAError is one
        raise UnsafeUrl(f"{host!r} is not a valid host name: {exc}") from None


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return [str(info[4][0]) for info in infos]


async def vetted_addresses(
    host: str, port: int, policy: Policy, resolver: Resolver
) -> list[IPAddress]:
    """``host``'s addresses, refused as a whole when any of them is not public."""
    literal = _literal(host)
    found = [literal] if literal is not None else await _resolve(host, port, resolver)
    if not found:
        raise UnsafeUrl(f"{host!r} has no address")
    for address in found:
        check_address(address, policy)
    return found


async def _resolve(host: str, port: int, resolver: Resolver) -> list[IPAddress]:
    try:
        answers = await resolver(host, port)
    except OSError as exc:
        raise ConnectionError(f"{host!r} does not resolve: {exc}") from None
    # A scoped answer (``fe80::1%eth0``) keeps its scope out of the address.
    return [ipaddress.ip_address(answer.split("%", 1)[0]) for answer in answers]
