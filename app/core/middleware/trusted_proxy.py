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

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.cloudflare import shipped_ranges

CLOUDFLARE = "cloudflare"
Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

_FORWARDED_FOR = b"x-forwarded-for"
_FORWARDED_PROTO = b"x-forwarded-proto"
_CF_CONNECTING_IP = b"cf-connecting-ip"
_SCHEMES = {"http": {"http": "http", "https": "https"}, "websocket": {"http": "ws", "https": "wss"}}
_PEER_CACHE_SIZE = 1024


def parse_address(text: str) -> Address | None:
    """An IP address as proxies write them (a port or brackets allowed); None if it is none."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class TrustedProxies:
    networks: tuple[Network, ...]
    cloudflare: tuple[Network, ...]

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
        return cls(tuple(networks), cloudflare)

    def trusts(self, address: Address) -> bool:
        return any(address in network for network in self.networks)

    def is_cloudflare(self, address: Address) -> bool:
        return any(address in network for network in self.cloudflare)


class TrustedProxyMiddleware:
    def __init__(self, app: ASGIApp, *, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies
        self._peer_is_trusted: dict[str, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.proxies.networks and scope["type"] in _SCHEMES:
            peer = scope.get("client")
            if peer and self._trusted_peer(peer[0]):
                self._apply_forwarding(scope, peer[0])
        await self.app(scope, receive, send)

    def _trusted_peer(self, host: str) -> bool:
        known = self._peer_is_trusted.get(host)
        if known is None:
            address = parse_address(host)
            known = address is not None and self.proxies.trusts(address)
            if len(self._peer_is_trusted) >= _PEER_CACHE_SIZE:
                self._peer_is_trusted.clear()
            self._peer_is_trusted[host] = known
        return known

    def _apply_forwarding(self, scope: Scope, peer: str) -> None:
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
        if connecting_ip is not None and self._from_cloudflare(peer):
            client = parse_address(connecting_ip.decode("latin-1"))
        if client is None and forwarded_for:
            client = self._client_from_forwarded_for(b",".join(forwarded_for).decode("latin-1"))
        if client is not None:
            scope["client"] = (str(client), 0)
        if proto is not None:
            self._apply_scheme(scope, proto.decode("latin-1"))

    def _from_cloudflare(self, peer: str) -> bool:
        address = parse_address(peer)
        return address is not None and self.proxies.is_cloudflare(address)

    def _client_from_forwarded_for(self, header: str) -> Address | None:
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
