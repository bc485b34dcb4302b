"""The secret scan CI runs over the tree and the history (C17).

Every secret here is made at run time, by a key generator or by joining pieces, so
this file holds nothing secret-looking: the scan runs over it too.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import string
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

pytestmark = pytest.mark.checklist("C17")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCANNER = PROJECT_ROOT / "tools" / "secret_scan.py"
GIT = shutil.which("git") or "git"
# Scratch repos and their scans must not depend on the machine's git configuration.
ISOLATED_GIT = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
GIT_ENV = {
    **os.environ,
    **ISOLATED_GIT,
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@roundtable.test",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@roundtable.test",
}


def _load_scanner() -> ModuleType:
    # tools/ is not a package; loading the script by path keeps mypy's module names apart.
    spec = importlib.util.spec_from_file_location("secret_scan", SCANNER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


scanner = _load_scanner()


@dataclass(frozen=True)
class ScanResult:
    exit_code: int
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


Scan = Callable[..., ScanResult]


@pytest.fixture
def scan(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Scan:
    """The scanner's main, in process: a subprocess per test would triple the time."""
    for name, value in ISOLATED_GIT.items():
        monkeypatch.setenv(name, value)

    def run(*args: str) -> ScanResult:
        try:
            exit_code: int = scanner.main(list(args))
        except SystemExit as usage_error:
            exit_code = int(usage_error.code or 0)
        return ScanResult(exit_code, capsys.readouterr().out.splitlines())

    return run


def git(repo: Path, *args: str) -> str:
    completed = subprocess.run(
        [GIT, "-C", str(repo), *args], env=GIT_ENV, capture_output=True, text=True, check=True
    )
    return completed.stdout.strip()


def commit(repo: Path, message: str, files: dict[str, str]) -> str:
    for name, content in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", message)
    return git(repo, "rev-parse", "--short", "HEAD")


def delete_and_commit(repo: Path, name: str) -> None:
    git(repo, "rm", "--quiet", name)
    git(repo, "commit", "--quiet", "--message", f"remove {name}")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "--quiet", "--initial-branch", "main")
    commit(
        tmp_path,
        "start",
        {
            ".gitignore": ".env\n",
            "README.md": "# Scratch\n\nSet `SECRET_KEY` in the environment.\n",
            "app/settings.py": 'import os\n\nSECRET_KEY = os.environ["SECRET_KEY"]\n',
        },
    )
    return tmp_path


def random_text(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def rsa_private_key_pem(encryption: serialization.KeySerializationEncryption | None = None) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        encryption or serialization.NoEncryption(),
    ).decode()


def pem_body_line(pem: str) -> str:
    return pem.splitlines()[1]


def aws_key_pair() -> tuple[str, str]:
    key_id = "AK" + "IA" + random_text(string.ascii_uppercase + "234567", 16)
    secret = random_text(string.ascii_letters + string.digits + "/+", 40)
    return key_id, secret


def stripe_live_secret() -> str:
    return "sk" + "_live_" + random_text(string.ascii_letters + string.digits, 32)


def stripe_webhook_secret() -> str:
    return "wh" + "sec_" + random_text(string.ascii_letters + string.digits, 32)


def finding_lines(result: ScanResult) -> list[str]:
    return result.lines[:-1]


def test_a_clean_repo_passes(repo: Path, scan: Scan) -> None:
    result = scan("--repo", str(repo))
    assert result.exit_code == 0
    assert result.lines == [result.lines[-1]]
    assert result.lines[-1].startswith("secret scan: 0 findings")


def test_an_ignored_local_env_file_is_not_scanned(repo: Path, scan: Scan) -> None:
    (repo / ".env").write_text(f"STRIPE_SECRET_KEY={stripe_live_secret()}\n")
    assert scan("--repo", str(repo)).exit_code == 0


def test_planted_secrets_fail_naming_the_file_but_not_the_secret(repo: Path, scan: Scan) -> None:
    pem = rsa_private_key_pem()
    encrypted_pem = rsa_private_key_pem(serialization.BestAvailableEncryption(b"passphrase"))
    key_id, aws_secret = aws_key_pair()
    stripe_secret, webhook_secret = stripe_live_secret(), stripe_webhook_secret()
    planted = {
        "deploy/dkim.pem": pem,
        "deploy/backup.pem": encrypted_pem,
        "deploy/aws.env": f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={aws_secret}\n",
        "app/billing.py": f'API_KEY = "{stripe_secret}"\nWEBHOOK = "{webhook_secret}"\n',
    }
    for name, content in planted.items():  # untracked, not ignored: still scanned
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(content)

    result = scan("--repo", str(repo), "--no-history")

    assert result.exit_code == 1
    assert finding_lines(result) == [
        "app/billing.py:1: Stripe Access Key (working tree)",
        "app/billing.py:2: Stripe Webhook Secret (working tree)",
        "deploy/aws.env:1: AWS Access Key (working tree)",
        "deploy/aws.env:2: AWS Secret Access Key (working tree)",
        "deploy/backup.pem:1: Private Key (working tree)",
        "deploy/dkim.pem:1: Private Key (working tree)",
    ]
    assert result.lines[-1].startswith("secret scan: 6 findings")
    revealing = [pem_body_line(pem), pem_body_line(encrypted_pem), key_id, aws_secret]
    for value in [*revealing, stripe_secret, webhook_secret]:
        assert value not in result.text


def test_a_deleted_key_still_fails_through_history(repo: Path, scan: Scan) -> None:
    first = commit(repo, "add a key", {"deploy/key.pem": rsa_private_key_pem()})
    commit(repo, "edit it", {"deploy/key.pem": "# moved\n" + (repo / "deploy/key.pem").read_text()})
    delete_and_commit(repo, "deploy/key.pem")

    result = scan("--repo", str(repo))

    assert result.exit_code == 1
    # One finding for the secret, at the commit that brought it in, not one per version.
    assert finding_lines(result) == [f"deploy/key.pem:1: Private Key (commit {first})"]


def test_no_history_ignores_a_deleted_key(repo: Path, scan: Scan) -> None:
    commit(repo, "add a key", {"deploy/key.pem": rsa_private_key_pem()})
    delete_and_commit(repo, "deploy/key.pem")
    assert scan("--repo", str(repo), "--no-history").exit_code == 0


def test_a_scan_from_a_subdirectory_finds_the_repo_around_it(
    repo: Path, scan: Scan, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(repo, "add a key", {"deploy/aws.env": "AWS_ACCESS_KEY_ID=" + aws_key_pair()[0]})
    monkeypatch.chdir(repo / "app")
    result = scan()
    assert result.exit_code == 1
    assert finding_lines(result)[0].startswith("deploy/aws.env:1: AWS Access Key (commit ")


def test_a_pem_header_line_without_a_key_body_is_not_a_finding(repo: Path, scan: Scan) -> None:
    header = "-----BEGIN RSA " + "PRIVATE KEY-----"
    check = f'assert first.startswith(b"{header}")\n'
    commit(repo, "a test that checks a file's first line", {"tests/test_keys.py": check})
    assert scan("--repo", str(repo)).exit_code == 0


def test_an_allowlisted_false_positive_passes(repo: Path, scan: Scan) -> None:
    example_url = "postgresql://app" + ":example@db.internal/app"
    pragma = "  # pragma: allowlist " + "secret"
    commit(repo, "document the url", {"app/example.py": f'URL = "{example_url}"{pragma}\n'})
    assert scan("--repo", str(repo)).exit_code == 0

    commit(repo, "drop the pragma", {"app/example.py": f'URL = "{example_url}"\n'})
    result = scan("--repo", str(repo), "--no-history")
    assert finding_lines(result) == ["app/example.py:1: Basic Auth Credentials (working tree)"]


def test_test_code_cannot_allowlist_a_secret(repo: Path, scan: Scan) -> None:
    pragma = "  # pragma: allowlist " + "secret"
    fixture = f'KEY = "{stripe_live_secret()}"{pragma}\n'
    commit(repo, "a fixture", {"tests/test_billing.py": fixture})

    result = scan("--repo", str(repo), "--no-history")

    assert result.exit_code == 1
    assert finding_lines(result) == [
        "tests/test_billing.py:1: Stripe Access Key, allowlist refused in test code (working tree)"
    ]


def test_usage_errors_exit_2(tmp_path: Path, scan: Scan) -> None:
    assert scan("--no-such-option").exit_code == 2
    assert scan("--repo", str(tmp_path)).exit_code == 2


def test_the_project_repository_passes_as_ci_runs_it() -> None:
    completed = subprocess.run(
        [sys.executable, "tools/secret_scan.py"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.splitlines()[-1].startswith("secret scan: 0 findings")
