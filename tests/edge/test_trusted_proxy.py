"""C21: client IP and scheme come from forwarding headers only when a trusted proxy sent them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.settings import load_settings
from tests.edge.conftest import STRANGER, EdgeApps, json_lines

pytestmark = pytest.mark.checklist("C21")

WHOAMI = "/api/v1/edge-test/whoami"
LOAD_BALANCER = ("10.0.0.2", 51000)
CLOUDFLARE_EDGE = ("173.245.48.5", 52000)
SPOOFED = {
    "X-Forwarded-For": "198.51.100.66",
    "X-Forwarded-Proto": "https",
    "CF-Connecting-IP": "198.51.100.77",
}


async def whoami(
    edge: EdgeApps, peer: tuple[str, int], headers: dict[str, str], **settings: object
) -> dict[str, str]:
    app = await edge.build(**settings)
    client = await edge.client(app, peer=peer)
    response = await client.get(WHOAMI, headers=headers)
    assert response.status_code == 200
    result: dict[str, str] = response.json()
    return result


async def test_without_trusted_proxies_forwarding_headers_change_nothing(edge: EdgeApps) -> None:
    seen = await whoami(edge, STRANGER, SPOOFED)
    assert seen == {"client": STRANGER[0], "scheme": "http"}


async def test_a_spoofed_header_from_an_untrusted_peer_changes_nothing(edge: EdgeApps) -> None:
    seen = await whoami(edge, STRANGER, SPOOFED, trusted_proxies="10.0.0.0/8,cloudflare")
    assert seen == {"client": STRANGER[0], "scheme": "http"}


async def test_behind_a_trusted_proxy_the_client_is_the_right_most_untrusted_address(
    edge: EdgeApps,
) -> None:
    forwarded = {"X-Forwarded-For": "6.6.6.6, 198.51.100.7, 10.0.0.3"}
    seen = await whoami(edge, LOAD_BALANCER, forwarded, trusted_proxies="10.0.0.0/8")
    assert seen["client"] == "198.51.100.7"


async def test_when_every_forwarded_address_is_trusted_the_left_most_is_the_client(
    edge: EdgeApps,
) -> None:
    forwarded = {"X-Forwarded-For": "10.0.0.9, 10.0.0.3"}
    seen = await whoami(edge, LOAD_BALANCER, forwarded, trusted_proxies="10.0.0.0/8")
    assert seen["client"] == "10.0.0.9"


async def test_garbage_in_forwarded_for_stops_at_the_nearest_trusted_hop(edge: EdgeApps) -> None:
    forwarded = {"X-Forwarded-For": "not-an-ip, 10.0.0.3"}
    seen = await whoami(edge, LOAD_BALANCER, forwarded, trusted_proxies="10.0.0.0/8")
    assert seen["client"] == "10.0.0.3"


async def test_several_forwarded_for_headers_are_read_as_one_list(edge: EdgeApps) -> None:
    app = await edge.build(trusted_proxies="10.0.0.0/8")
    client = await edge.client(app, peer=LOAD_BALANCER)
    headers = [("X-Forwarded-For", "198.51.100.7"), ("X-Forwarded-For", "10.0.0.3")]
    response = await client.get(WHOAMI, headers=headers)
    assert response.json()["client"] == "198.51.100.7"


async def test_forwarded_proto_from_a_trusted_proxy_sets_the_scheme(edge: EdgeApps) -> None:
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    seen = await whoami(edge, LOAD_BALANCER, headers, trusted_proxies="10.0.0.0/8")
    assert seen == {"client": "198.51.100.7", "scheme": "https"}


async def test_an_unknown_forwarded_proto_is_ignored(edge: EdgeApps) -> None:
    seen = await whoami(
        edge, LOAD_BALANCER, {"X-Forwarded-Proto": "gopher"}, trusted_proxies="10.0.0.0/8"
    )
    assert seen["scheme"] == "http"


async def test_cf_connecting_ip_is_believed_from_a_cloudflare_peer(edge: EdgeApps) -> None:
    headers = {"CF-Connecting-IP": "198.51.100.7", "X-Forwarded-Proto": "https"}
    seen = await whoami(edge, CLOUDFLARE_EDGE, headers, trusted_proxies="cloudflare")
    assert seen == {"client": "198.51.100.7", "scheme": "https"}


async def test_cf_connecting_ip_from_a_trusted_non_cloudflare_peer_is_ignored(
    edge: EdgeApps,
) -> None:
    headers = {"CF-Connecting-IP": "6.6.6.6", "X-Forwarded-For": "198.51.100.7, 173.245.48.5"}
    seen = await whoami(edge, LOAD_BALANCER, headers, trusted_proxies="cloudflare,10.0.0.0/8")
    assert seen["client"] == "198.51.100.7"


async def test_an_ipv4_mapped_ipv6_peer_is_matched_as_ipv4(edge: EdgeApps) -> None:
    peer = ("::ffff:10.0.0.2", 51000)
    seen = await whoami(
        edge, peer, {"X-Forwarded-For": "198.51.100.7"}, trusted_proxies="10.0.0.0/8"
    )
    assert seen["client"] == "198.51.100.7"


async def test_an_ipv6_client_behind_a_proxy_is_kept(edge: EdgeApps) -> None:
    headers = {"X-Forwarded-For": "[2001:db8::7]:443"}
    seen = await whoami(edge, LOAD_BALANCER, headers, trusted_proxies="10.0.0.0/8")
    assert seen["client"] == "2001:db8::7"


@pytest.mark.checklist("C22")
async def test_the_access_log_names_the_real_client(
    edge: EdgeApps, capsys: pytest.CaptureFixture[str]
) -> None:
    await whoami(
        edge, LOAD_BALANCER, {"X-Forwarded-For": "198.51.100.7"}, trusted_proxies="10.0.0.0/8"
    )
    access = [line for line in json_lines(capsys.readouterr().out) if line["event"] == "request"]
    assert [line["client_ip"] for line in access] == ["198.51.100.7"]


def test_a_trusted_proxies_entry_that_is_no_cidr_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="TRUSTED_PROXIES"):
        load_settings(environment="test", trusted_proxies="10.0.0.0/8,proxy.internal")
