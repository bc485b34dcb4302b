"""The real client address and scheme, from forwarding headers of trusted proxies only.

The connecting peer is the one address nobody can forge. Only when it lies in
`TRUSTED_PROXIES` (CIDRs, and/or the word `cloudflare` for Cloudflare's published
ranges) are its headers believed:

- `CF-Connecting-IP`, when the peer itself is a Cloudflare address;
- otherwise `X-Forwarded-For`, read from the right: the first address that is not
  itself a trusted proxy is the client (everything left of it was written by the client
  and proves nothing);
- `X-Forwarded-Proto` (its right-most value, set by the nearest proxy) as the scheme.

`scope["client"]` and `scope["scheme"]` are rewritten in place, so the access log of
the outer request-context middleware, the HTTPS redirect and the rate-limit keys all
see the real client. Headers from any other peer change nothing.

Behind Cloudflare and a load balancer of your own, list both:
`TRUSTED_PROXIES=cloudflare,10.0.0.0/8`.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, ip_network

from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.cloudflare import shipped_ranges

CLOUDFLARE = "cloudflare"
Network = IPv4Network | IPv6Network
# (IP version, network address, mask) as integers: membership without ipaddress objects.
_Range = tuple[int, int, int]

_FORWARDED_FOR = b"x-forwarded-for"
_FORWARDED_PROTO = b"x-forwarded-proto"
_CF_CONNECTING_IP = b"cf-connecting-ip"
_SCHEMES = {"http": {"http": "http", "https": "https"}, "websocket": {"http": "ws", "https": "wss"}}
_PEER_CACHE_SIZE = 1024
_IPV4_MAPPED = bytes(10) + b"\xff\xff"


def parse_address(text: str) -> str | None:
    """The canonical text of an IP address as proxies write it (a port or brackets
    allowed; an IPv4-mapped IPv6 address as IPv4), or None when it is none.

    `socket.inet_pton` rather than `ipaddress`: this runs on every proxied request.
    """
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        if ":" not in text:
            socket.inet_pton(socket.AF_INET, text)
            return text
        packed = socket.inet_pton(socket.AF_INET6, text)
    except (OSError, ValueError):
        return None
    if packed.startswith(_IPV4_MAPPED):
        return socket.inet_ntop(socket.AF_INET, packed[12:])
    return socket.inet_ntop(socket.AF_INET6, packed)


def _version_and_value(address: str) -> tuple[int, int]:
    """For an address `parse_address` returned."""
    if ":" in address:
        return 6, int.from_bytes(socket.inet_pton(socket.AF_INET6, address), "big")
    return 4, int.from_bytes(socket.inet_pton(socket.AF_INET, address), "big")


def _ranges(networks: Iterable[Network]) -> tuple[_Range, ...]:
    return tuple(
        (network.version, int(network.network_address), int(network.netmask))
        for network in networks
    )


def _within(ranges: tuple[_Range, ...], address: str) -> bool:
    version, value = _version_and_value(address)
    return any(version == net_version and value & mask == net for net_version, net, mask in ranges)


class TrustedProxies:
    def __init__(self, networks: Iterable[Network], cloudflare: Iterable[Network] = ()) -> None:
        self.networks = tuple(networks)
        self.cloudflare = tuple(cloudflare)
        self._trusted = _ranges(self.networks)
        self._cloudflare = _ranges(self.cloudflare)

    @classmethod
    def parse(cls, entries: Iterable[str]) -> TrustedProxies:
        """From `TRUSTED_PROXIES` entries; raises ValueError on anything but CIDRs/`cloudflare`."""
        networks: list[Network] = []
        cloudflare: tuple[Network, ...] = ()
        for entry in entries:
            if entry.strip().lower() == CLOUDFLARE:
                cloudflare = shipped_ranges().networks
                networks.extend(cloudflare)
            else:
                try:
                    networks.append(ip_network(entry.strip(), strict=False))
                except ValueError as exc:
                    raise ValueError(f"TRUSTED_PROXIES: {entry!r} is not a CIDR") from exc
        return cls(networks, cloudflare)

    def trusts(self, address: str) -> bool:
        """Whether `address` (as `parse_address` returns it) is a trusted proxy."""
        return _within(self._trusted, address)

    def is_cloudflare(self, address: str) -> bool:
        return _within(self._cloudflare, address)


class TrustedProxyMiddleware:
    def __init__(self, app: ASGIApp, *, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies
        self._peers: dict[str, tuple[bool, bool]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.proxies.networks and scope["type"] in _SCHEMES:
            peer = scope.get("client")
            if peer:
                trusted, cloudflare = self._peer_kind(peer[0])
                if trusted:
                    self._apply_forwarding(scope, from_cloudflare=cloudflare)
        await self.app(scope, receive, send)

    def _peer_kind(self, host: str) -> tuple[bool, bool]:
        """(trusted proxy, Cloudflare edge) for a peer; remembered, as peers are few."""
        known = self._peers.get(host)
        if known is None:
            address = parse_address(host)
            known = (
                (self.proxies.trusts(address), self.proxies.is_cloudflare(address))
                if address is not None
                else (False, False)
            )
            if len(self._peers) >= _PEER_CACHE_SIZE:
                self._peers.clear()
            self._peers[host] = known
        return known

    def _apply_forwarding(self, scope: Scope, *, from_cloudflare: bool) -> None:
        forwarded_for: list[bytes] = []
        proto = connecting_ip = None
        for name, value in scope["headers"]:
            if name == _FORWARDED_FOR:
                forwarded_for.append(value)
            elif name == _FORWARDED_PROTO:
                proto = value
            elif name == _CF_CONNECTING_IP:
                connecting_ip = value
        client = None
        if connecting_ip is not None and from_cloudflare:
            client = parse_address(connecting_ip.decode("latin-1"))
        if client is None and forwarded_for:
            client = self._client_from_forwarded_for(b",".join(forwarded_for).decode("latin-1"))
        if client is not None:
            scope["client"] = (client, 0)
        if proto is not None:
            self._apply_scheme(scope, proto.decode("latin-1"))

    def _client_from_forwarded_for(self, header: str) -> str | None:
        """The right-most address that is not a trusted proxy; the left-most hop if all are."""
        furthest_trusted = None
        for entry in reversed(header.split(",")):
            address = parse_address(entry)
            if address is None:
                break  # written by the client: the last trusted hop is all we know
            if not self.proxies.trusts(address):
                return address
            furthest_trusted = address
        return furthest_trusted

    @staticmethod
    def _apply_scheme(scope: Scope, header: str) -> None:
        scheme = _SCHEMES[scope["type"]].get(header.rpartition(",")[2].strip().lower())
        if scheme is not None:
            scope["scheme"] = scheme
