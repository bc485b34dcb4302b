"""A tiny authoritative DNS server on 127.0.0.1 (UDP), answering from records set by a test.

No network is needed: the `dns-records --check` tests point their resolver here.
"""

from __future__ import annotations

import socket
import threading

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone


class LocalDnsServer:
    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self._records: dict[tuple[dns.name.Name, int], dns.rrset.RRset] = {}
        self._lock = threading.Lock()
        self._running = False
        self.failing = False  # answer SERVFAIL to everything, as a broken DNS does
        self._thread = threading.Thread(target=self._serve, name="local-dns", daemon=True)

    @property
    def address(self) -> str:
        host, port = self._socket.getsockname()
        return f"{host}:{port}"

    def start(self) -> None:
        self._running = True
        self._thread.start()

    def stop(self) -> None:
        self._running = False
        self._thread.join()
        self._socket.close()

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
        self.failing = False

    def add(self, name: str, rdtype: str, *values: str, ttl: int = 300) -> None:
        """Add records in presentation form, e.g. add("d.test", "TXT", '"v=spf1 -all"')."""
        rrset = dns.rrset.from_text(dns.name.from_text(name), ttl, "IN", rdtype, *values)
        self._put(rrset)

    def load_zone_text(self, text: str) -> None:
        """Serve every record of zone-file text with absolute names (comments allowed)."""
        zone = dns.zone.from_text(text, origin=dns.name.root, relativize=False, check_origin=False)
        for name, ttl, rdata in zone.iterate_rdatas():
            rrset = dns.rrset.from_rdata(name, ttl, rdata)
            self._put(rrset)

    def _put(self, rrset: dns.rrset.RRset) -> None:
        with self._lock:
            existing = self._records.get((rrset.name, rrset.rdtype))
            if existing is None:
                self._records[(rrset.name, rrset.rdtype)] = rrset
            else:
                for rdata in rrset:
                    existing.add(rdata)

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if self.failing:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response
        question = query.question[0]
        with self._lock:
            found = self._records.get((question.name, question.rdtype))
            name_exists = any(name == question.name for name, _ in self._records)
        if found is not None:
            response.answer.append(found)
        elif not name_exists:
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response

    def _serve(self) -> None:
        while self._running:
            try:
                data, peer = self._socket.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(data)
            self._socket.sendto(self._answer(query).to_wire(max_size=65535), peer)
