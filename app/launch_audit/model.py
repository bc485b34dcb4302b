"""A check's row, and the context every check reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 (a status, not a password)
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"


@dataclass(frozen=True)
class Row:
    id: str
    title: str
    status: Status
    evidence: str
    fix: str = ""
    roundtable_only: bool = False

    @property
    def heading(self) -> str:
        """The title, marked when the check relies on Roundtable's own routes."""
        return f"{self.title} (Roundtable)" if self.roundtable_only else self.title

    def as_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "title": self.heading,
            "status": self.status.value,
            "evidence": self.evidence,
            "fix": self.fix if self.status in (Status.FAIL, Status.WARN) else "",
        }


@dataclass(frozen=True)
class Target:
    url: str
    timeout: float = 10.0
    ca_bundle: str | None = None
    resolve: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 443

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def https(self, path: str) -> str:
        return self.url.rstrip("/") + path

    def http(self, path: str = "/") -> str:
        return f"http://{self.host}{path}"


def parse_resolve(values: list[str]) -> dict[tuple[str, int], tuple[str, int]]:
    """`HOST:PORT:ADDRESS` (connect to ADDRESS:PORT) or `HOST:PORT:ADDRESS:PORT2`."""
    table: dict[tuple[str, int], tuple[str, int]] = {}
    for value in values:
        parts = value.split(":")
        ports = parts[1::2]  # PORT, and PORT2 when given
        if len(parts) not in (3, 4) or not all(parts) or not all(p.isdigit() for p in ports):
            raise ValueError(f"--resolve {value!r}: expected HOST:PORT:ADDRESS[:PORT2]")
        host, port, address = parts[0].lower(), int(parts[1]), parts[2]
        table[(host, port)] = (address, int(parts[3]) if len(parts) == 4 else port)
    return table
