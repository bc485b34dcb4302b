"""Scan the working tree and the whole git history for secrets (checklist C17).

    python tools/secret_scan.py [--repo DIR] [--no-history]

The tree is every tracked or untracked-but-not-ignored file as it is on disk; the
history is every blob reachable from any ref, each distinct blob read once. Findings
print as `path:line: kind (where)`, never with the secret itself, then a count.
Exit status: 0 clean, 1 findings, 2 usage error or git failure.

A known false positive is allowed by detect-secrets' inline comment on its line,
`pragma: allowlist secret`, or `pragma: allowlist nextline secret` alone on the line
above. Test code cannot allowlist anything: tests generate their keys at run time.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.filters.allowlist import is_line_allowlisted
from detect_secrets.filters.heuristic import is_lock_file, is_non_text_file
from detect_secrets.plugins.base import BasePlugin
from detect_secrets.util.code_snippet import get_code_snippet

DISABLED_PLUGINS = frozenset(
    {
        # Here they flag only the fake passwords and short keys tests feed the app, or
        # addresses that are public by nature.
        "KeywordDetector",
        "Base64HighEntropyString",
        "HexHighEntropyString",
        "IPPublicDetector",
        # Keyword-guessing patterns for services this project does not use; they are
        # the slowest plugins by far and the loosest.
        "ArtifactoryDetector",
        "CloudantDetector",
        "IbmCloudIamDetector",
        "IbmCosHmacDetector",
        "SoftlayerDetector",
        # It flags a PEM header line on its own (a test asserting a file's first line,
        # say). PEM_BLOCK below finds private keys by their base64 body instead.
        "PrivateKeyDetector",
    }
)
PRIVATE_KEY = "Private Key"
# Precise formats the detect-secrets plugins miss.
EXTRA_LINE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Stripe Webhook Secret", re.compile(r"\bwhsec_[A-Za-z0-9+/=]{24,}")),
    ("GitHub Token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{60,}")),
    (
        "AWS Secret Access Key",
        re.compile(
            r"(?i)aws.{0,20}?secret.{0,20}?[=:]\s*"
            r"['\"]?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
        ),
    ),
)
# A PEM block with a body: real line breaks or `\n` escapes, quoted or not.
PEM_BLOCK = re.compile(
    r"-----BEGIN (?P<label>[A-Z0-9 ]*)PRIVATE KEY(?: BLOCK)?-----"
    r"(?P<body>.{0,65536}?)"
    r"-----END (?P=label)PRIVATE KEY(?: BLOCK)?-----",
    re.DOTALL,
)
PEM_HEADER_LINE = re.compile(r"^[A-Za-z-]+: .*$", re.MULTILINE)
PEM_NOISE = re.compile(r"\\[nr]|[\s\"',+]")
BASE64_BODY = re.compile(r"[A-Za-z0-9+/=]{64,}")
TEST_PATH_PARTS = frozenset({"tests", "test", "fixtures", "testdata"})
SNIFF_BYTES = 8000
WORKING_TREE = "working tree"


class GitError(Exception):
    pass


@dataclass(frozen=True)
class Hit:
    line: int
    kind: str
    secret: str


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    kind: str
    where: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind} ({self.where})"


@dataclass(frozen=True)
class LineRule:
    """One detector: its kind, how it reads one line, and a quick test for many lines."""

    kind: str
    find: Callable[[str], Iterable[str]]
    # The rule's patterns with ^ and $ made line-wise: a pattern that matches one line
    # of a batch of lines matches the batch, so a batch they all miss is clean.
    gate: tuple[re.Pattern[str], ...] | None

    @classmethod
    def of(
        cls, kind: str, find: Callable[[str], Iterable[str]], patterns: Iterable[re.Pattern[str]]
    ) -> LineRule:
        gate = tuple(re.compile(p.pattern, p.flags | re.MULTILINE) for p in patterns)
        return cls(kind, find, gate or None)

    def may_match_a_line_of(self, batch: str) -> bool:
        return self.gate is None or any(pattern.search(batch) for pattern in self.gate)


class Detector:
    """The detect-secrets plugins plus our own patterns, memoized per distinct line.

    History holds many versions of each file sharing most of their lines, so only the
    lines not seen before are scanned, together, and only by the rules that hit them.
    """

    def __init__(self) -> None:
        self._rules = [*_plugin_rules(), *_extra_rules()]
        self._seen: dict[str, tuple[tuple[str, str], ...]] = {}

    def scan_text(self, path: str, text: str) -> set[Hit]:
        lines = [line.rstrip() for line in text.split("\n")]
        self._learn(lines)
        hits = {
            Hit(number, kind, secret)
            for number, line in enumerate(lines, start=1)
            for kind, secret in self._seen[line]
        }
        hits.update(_pem_blocks(text))
        return {kept for hit in hits if (kept := _allowlist_checked(hit, path, lines))}

    def _learn(self, lines: list[str]) -> None:
        found: dict[str, list[tuple[str, str]]] = {
            line: [] for line in lines if line not in self._seen
        }
        batch = "\n".join(found)
        for rule in self._rules:
            if found and rule.may_match_a_line_of(batch):
                for line, secrets in found.items():
                    secrets.extend((rule.kind, secret) for secret in rule.find(line))
        self._seen.update((line, tuple(secrets)) for line, secrets in found.items())


def _plugin_rules() -> Iterator[LineRule]:
    # Only analyze_string is used: it matches, and never asks a provider to verify.
    plugin_classes: Iterable[type[BasePlugin]] = get_mapping_from_secret_type_to_class().values()
    for plugin_class in plugin_classes:
        if plugin_class.__name__ not in DISABLED_PLUGINS:
            plugin = plugin_class()
            patterns = getattr(plugin, "denylist", ())
            yield LineRule.of(plugin.secret_type, plugin.analyze_string, patterns)


def _extra_rules() -> Iterator[LineRule]:
    for kind, pattern in EXTRA_LINE_PATTERNS:
        yield LineRule.of(kind, partial(_matched_values, pattern), [pattern])


def _matched_values(pattern: re.Pattern[str], line: str) -> Iterator[str]:
    for match in pattern.finditer(line):
        yield match.group(match.lastindex or 0)


def _pem_blocks(text: str) -> Iterator[Hit]:
    for match in PEM_BLOCK.finditer(text):
        body = PEM_NOISE.sub("", PEM_HEADER_LINE.sub("", match["body"]))
        if BASE64_BODY.fullmatch(body):
            yield Hit(text.count("\n", 0, match.start()) + 1, PRIVATE_KEY, body)


def _allowlist_checked(hit: Hit, path: str, lines: list[str]) -> Hit | None:
    line = lines[hit.line - 1].rstrip()
    if not is_line_allowlisted(path, line, get_code_snippet(lines, hit.line)):
        return hit
    if _is_test_path(path):
        return Hit(hit.line, f"{hit.kind}, allowlist refused in test code", hit.secret)
    return None


def _is_test_path(path: str) -> bool:
    posix = PurePosixPath(path)
    return bool(TEST_PATH_PARTS.intersection(posix.parts[:-1])) or posix.name.startswith(
        ("test_", "conftest")
    )


def _is_skipped_path(path: str) -> bool:
    return is_lock_file(path) or is_non_text_file(path)


def _decoded_text(data: bytes) -> str | None:
    if b"\0" in data[:SNIFF_BYTES]:
        return None
    return data.decode("utf-8", errors="replace")


class Git:
    def __init__(self, repo: Path) -> None:
        executable = shutil.which("git")
        if executable is None:
            raise GitError("git is not on the PATH")
        self._command = [executable, "-C", str(repo)]

    def run(self, *args: str, stdin: bytes | None = None) -> bytes:
        completed = subprocess.run(  # noqa: S603
            [*self._command, *args], input=stdin, capture_output=True, check=False
        )
        if completed.returncode != 0:
            message = completed.stderr.decode(errors="replace").strip()
            raise GitError(f"git {args[0]}: {message}")
        return completed.stdout


def top_level(start: Path) -> Path:
    if not start.is_dir():
        raise GitError(f"not a directory: {start}")
    return Path(Git(start).run("rev-parse", "--show-toplevel").decode().strip())


def scan_tree(repo: Path, git: Git, detector: Detector) -> tuple[set[Finding], int]:
    listed = git.run("ls-files", "-z", "--cached", "--others", "--exclude-standard")
    findings: set[Finding] = set()
    scanned = 0
    for path in sorted(set(listed.decode().split("\0")) - {""}):
        file = repo / path
        if _is_skipped_path(path) or file.is_symlink() or not file.is_file():
            continue
        text = _decoded_text(file.read_bytes())
        if text is None:
            continue
        scanned += 1
        findings.update(
            Finding(path, hit.line, hit.kind, WORKING_TREE)
            for hit in detector.scan_text(path, text)
        )
    return findings, scanned


def reachable_blobs(git: Git) -> dict[str, str]:
    """Every blob reachable from any ref, by object id, with the first path git saw it at."""
    listing = git.run("rev-list", "--objects", "--all", "--filter=object:type=blob")
    blobs: dict[str, str] = {}
    for entry in listing.decode(errors="replace").splitlines():
        object_id, _, path = entry.partition(" ")
        if path and not _is_skipped_path(path):
            blobs[object_id] = path
    return blobs


def read_blobs(git: Git, object_ids: Iterable[str]) -> Iterator[tuple[str, bytes]]:
    request = "".join(f"{object_id}\n" for object_id in object_ids).encode()
    if not request:
        return
    output = git.run("cat-file", "--batch", stdin=request)
    position = 0
    while position < len(output):
        header_end = output.index(b"\n", position)
        object_id, object_type, *rest = output[position:header_end].decode().split(" ")
        position = header_end + 1
        if object_type == "missing":
            continue
        size = int(rest[0])
        yield object_id, output[position : position + size]
        position += size + 1


def scan_history(git: Git, detector: Detector) -> tuple[set[Finding], int]:
    if git.run("rev-parse", "--is-shallow-repository").strip() == b"true":
        print("secret scan: warning: shallow clone, older history not scanned", file=sys.stderr)
    blobs = reachable_blobs(git)
    # The same secret in many versions of a file is one finding, at its first commit.
    sightings: dict[tuple[str, str, str], list[tuple[str, int]]] = defaultdict(list)
    scanned = 0
    for object_id, data in read_blobs(git, blobs):
        text = _decoded_text(data)
        if text is None:
            continue
        scanned += 1
        path = blobs[object_id]
        for hit in detector.scan_text(path, text):
            sightings[(path, hit.kind, hit.secret)].append((object_id, hit.line))
    if not sightings:
        return set(), scanned
    introduced = introducing_commits(git, {oid for seen in sightings.values() for oid, _ in seen})
    findings = {
        _first_sighting(path, kind, seen, introduced) for (path, kind, _), seen in sightings.items()
    }
    return findings, scanned


def _first_sighting(
    path: str, kind: str, seen: list[tuple[str, int]], introduced: dict[str, tuple[int, str]]
) -> Finding:
    unknown = (sys.maxsize, "")
    object_id, line = min(seen, key=lambda sighting: introduced.get(sighting[0], unknown))
    _, commit = introduced.get(object_id, unknown)
    # Only a blob that a tag points at directly is in no commit.
    where = f"commit {commit}" if commit else f"blob {object_id[:7]}"
    return Finding(path, line, kind, where)


def introducing_commits(git: Git, object_ids: set[str]) -> dict[str, tuple[int, str]]:
    """For each blob, the first commit, parents before children, whose diff adds it.

    Returns the commit's position in that order and its short id.
    """
    log = git.run(
        "log", "--all", "--topo-order", "--reverse", "--root", "-m", "--raw",
        "--no-renames", "--no-abbrev", "--format=commit %H",
    )  # fmt: skip
    introduced: dict[str, tuple[int, str]] = {}
    commit = ""
    for order, entry in enumerate(log.decode(errors="replace").splitlines()):
        if entry.startswith("commit "):
            commit = entry.removeprefix("commit ")
        elif entry.startswith(":"):
            new_object_id = entry.split("\t", 1)[0].split(" ")[3]
            if new_object_id in object_ids and new_object_id not in introduced:
                introduced[new_object_id] = (order, commit)
    short = _short_commit_ids(git, {commit for _, commit in introduced.values()})
    return {blob: (order, short[commit]) for blob, (order, commit) in introduced.items()}


def _short_commit_ids(git: Git, commits: set[str]) -> dict[str, str]:
    if not commits:
        return {}
    listing = git.run("log", "--no-walk", "--format=%H %h", *sorted(commits))
    return dict(line.split(" ") for line in listing.decode().splitlines())


def _parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Scan the tree and git history for secrets.")
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="default: the cwd's repo")
    parser.add_argument("--no-history", action="store_true", help="scan the working tree only")
    return parser.parse_args(argv)


def _summary(count: int, files: int, blobs: int | None) -> str:
    history = "history not scanned" if blobs is None else f"{blobs} history blobs"
    noun = "finding" if count == 1 else "findings"
    return f"secret scan: {count} {noun} ({files} tree files, {history})"


def main(argv: list[str] | None = None) -> int:
    arguments = _parse_arguments(sys.argv[1:] if argv is None else argv)
    detector = Detector()
    try:
        repo = top_level(arguments.repo)
        git = Git(repo)
        findings, files = scan_tree(repo, git, detector)
        blobs = None
        if not arguments.no_history:
            history_findings, blobs = scan_history(git, detector)
            findings |= history_findings
    except (GitError, OSError) as error:
        print(f"secret scan: {error}", file=sys.stderr)
        return 2
    for finding in sorted(findings):
        print(finding)
    print(_summary(len(findings), files, blobs))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
