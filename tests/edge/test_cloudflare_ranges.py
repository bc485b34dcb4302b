"""C21: Cloudflare's ranges ship as a dated file; `refresh-cloudflare-ips` rewrites it.

The refresh is tested against a local HTTP server on 127.0.0.1 (no network here).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_network
from pathlib import Path

import pytest

from app.__main__ import main
from app.core.cloudflare import DATA_FILE, read_ranges

pytestmark = pytest.mark.checklist("C21")

IPV4_LIST = "173.245.48.0/20\n103.21.244.0/22\n198.51.100.0/24\n"
IPV6_LIST = "2400:cb00::/32\n2606:4700::/32\n"


class PublishedLists(BaseHTTPRequestHandler):
    pages: dict[str, str] = {}

    def do_GET(self) -> None:
        body = self.pages.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def publisher() -> Iterator[str]:
    PublishedLists.pages = {"/ips-v4": IPV4_LIST, "/ips-v6": IPV6_LIST}
    server = ThreadingHTTPServer(("127.0.0.1", 0), PublishedLists)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    copy = tmp_path / "cloudflare_ips.json"
    copy.write_text(DATA_FILE.read_text())
    return copy


def refresh(data_file: Path, base: str, ipv4: str = "/ips-v4", ipv6: str = "/ips-v6") -> int:
    arguments = ["--output", str(data_file), "--ipv4-url", base + ipv4, "--ipv6-url", base + ipv6]
    return main(["refresh-cloudflare-ips", *arguments])


def test_the_shipped_file_is_dated_and_holds_both_families() -> None:
    ranges = read_ranges(DATA_FILE)
    date.fromisoformat(ranges.recorded)
    assert ip_network("173.245.48.0/20") in ranges.ipv4
    assert ip_network("2606:4700::/32") in ranges.ipv6


def test_refresh_writes_the_published_lists_and_reports_the_change(
    publisher: str, data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert refresh(data_file, publisher) == 0
    written = json.loads(data_file.read_text())
    assert written["ipv4"] == ["173.245.48.0/20", "103.21.244.0/22", "198.51.100.0/24"]
    assert written["ipv6"] == ["2400:cb00::/32", "2606:4700::/32"]
    assert written["source"] == [f"{publisher}/ips-v4", f"{publisher}/ips-v6"]
    date.fromisoformat(written["recorded"])
    output = capsys.readouterr().out
    assert "added: 198.51.100.0/24" in output
    assert "104.16.0.0/13" in output.split("removed:")[1]


def test_the_refreshed_file_is_what_the_app_reads(publisher: str, data_file: Path) -> None:
    refresh(data_file, publisher)
    assert ip_network("198.51.100.0/24") in read_ranges(data_file).ipv4


@pytest.mark.parametrize(
    "bad_list", ["173.245.48.0/20\n<html>blocked</html>\n", "2400:cb00::/32\n", "\n# nothing\n"]
)
def test_a_malformed_list_is_refused_and_the_file_kept(
    publisher: str, data_file: Path, bad_list: str
) -> None:
    before = data_file.read_text()
    PublishedLists.pages["/ips-v4"] = bad_list
    assert refresh(data_file, publisher) == 1
    assert data_file.read_text() == before


def test_a_failed_fetch_keeps_the_file(publisher: str, data_file: Path) -> None:
    before = data_file.read_text()
    assert refresh(data_file, publisher, ipv6="/missing") == 1
    assert data_file.read_text() == before


def test_only_http_urls_are_fetched(data_file: Path, tmp_path: Path) -> None:
    secret = tmp_path / "local.txt"
    secret.write_text("10.0.0.0/8\n")
    assert refresh(data_file, f"file://{tmp_path}", ipv4="/local.txt", ipv6="/local.txt") == 1
