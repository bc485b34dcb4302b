"""HTTP requests to the target, honouring `--resolve` and `--ca-bundle`; no redirects followed."""

from __future__ import annotations

import ssl
from urllib.parse import urlsplit, urlunsplit

import httpx

from app.launch_audit.model import Target

USER_AGENT = "roundtable-launch-audit/1"


def tls_context(target: Target) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=target.ca_bundle)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class Client:
    def __init__(self, target: Target, *, verify: bool = True) -> None:
        self.target = target
        self._http = httpx.Client(
            verify=tls_context(target) if verify else False,
            timeout=target.timeout,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        self._http.close()

    def connect_address(self, host: str, port: int) -> tuple[str, int]:
        return self.target.resolve.get((host.lower(), port), (host, port))

    def request(
        self, method: str, url: str, headers: dict[str, str] | None = None, **kwargs: object
    ) -> httpx.Response:
        """`method url`, sent to the `--resolve` address when one is given for its host."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address, connect_port = self.connect_address(host, port)
        sent = dict(headers or {})
        extensions: dict[str, object] = {}
        if (address, connect_port) != (host, port):
            sent.setdefault("Host", parts.netloc)
            if parts.scheme == "https":
                extensions["sni_hostname"] = host
            url = urlunsplit(parts._replace(netloc=f"{address}:{connect_port}"))
        return self._http.request(
            method,
            url,
            headers=sent,
            extensions=extensions,
            **kwargs,  # type: ignore[arg-type]
        )

    def get(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.request("GET", url, headers=headers)


def describe_error(exc: Exception) -> str:
    """One line for an unreachable target, never a traceback."""
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]
