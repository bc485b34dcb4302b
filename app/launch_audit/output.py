"""The scorecard as text (a terminal table), markdown, or json."""

from __future__ import annotations

import json
from collections import Counter

from app.launch_audit.model import Row, Status

MARK = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.WARN: "WARN", Status.SKIP: "SKIP"}


def summary(rows: list[Row]) -> dict[str, int]:
    counts = Counter(row.status for row in rows)
    return {status.value: counts.get(status, 0) for status in Status}


def as_json(url: str, started_at: str, rows: list[Row]) -> str:
    document = {
        "url": url,
        "started_at": started_at,
        "checks": [row.as_json() for row in rows],
        "summary": summary(rows),
    }
    return json.dumps(document, indent=2)


def as_text(url: str, started_at: str, rows: list[Row]) -> str:
    width = max((len(row.id) for row in rows), default=2)
    lines = [f"Launch audit of {url} ({started_at})", ""]
    for row in rows:
        lines.append(f"{MARK[row.status]}  {row.id:<{width}}  {row.heading}")
        lines.append(f"      {'':<{width}}  {row.evidence}")
        if row.status in (Status.FAIL, Status.WARN) and row.fix:
            lines.append(f"      {'':<{width}}  fix: {row.fix}")
    counts = summary(rows)
    lines += ["", " ".join(f"{name} {count}" for name, count in counts.items())]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(url: str, started_at: str, rows: list[Row]) -> str:
    lines = [
        f"# Launch audit of {url}",
        "",
        f"Started {started_at}.",
        "",
        "| status | check | evidence | fix |",
        "|---|---|---|---|",
    ]
    for row in rows:
        fix = row.fix if row.status in (Status.FAIL, Status.WARN) else ""
        cells = (MARK[row.status], f"`{row.id}` {row.heading}", row.evidence, fix)
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    counts = summary(rows)
    lines += ["", ", ".join(f"{count} {name}" for name, count in counts.items())]
    return "\n".join(lines)


RENDERERS = {"text": as_text, "markdown": as_markdown, "json": as_json}
