"""What one argon2id verify costs on this machine, at the configured and other costs.

    uv run python -m benchmarks.argon2_cost [--rounds 21]

Prints the median verify time per parameter set and the verifies per second one
process can do with `PASSWORD_HASH_CONCURRENCY` workers (the login ceiling per process).
Medians, because these machines are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher

from app.core.settings import Settings

CANDIDATES = [
    ("OWASP minimum (m=19 MiB, t=2, p=1)", 19_456, 2, 1),
    ("OWASP alternative (m=12 MiB, t=3, p=1)", 12_288, 3, 1),
    ("OWASP alternative (m=46 MiB, t=1, p=1)", 47_104, 1, 1),
    ("argon2-cffi default (m=64 MiB, t=3, p=4)", 65_536, 3, 4),
]
SAMPLE_INPUT = "correct horse battery staple"


def median_verify_ms(hasher: PasswordHasher, rounds: int) -> float:
    stored = hasher.hash(SAMPLE_INPUT)
    durations = []
    for _ in range(rounds):
        started = time.perf_counter()
        hasher.verify(stored, SAMPLE_INPUT)
        durations.append(time.perf_counter() - started)
    return statistics.median(durations) * 1000


def verifies_per_second(hasher: PasswordHasher, workers: int, total: int) -> float:
    stored = hasher.hash(SAMPLE_INPUT)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        started = time.perf_counter()
        list(pool.map(lambda _: hasher.verify(stored, SAMPLE_INPUT), range(total)))
        return total / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args()
    settings = Settings()
    for label, memory, time_cost, parallelism in CANDIDATES:
        hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory, parallelism=parallelism)
        print(f"{label:45s} median verify {median_verify_ms(hasher, args.rounds):7.1f} ms")
    configured = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    workers = settings.password_hash_concurrency
    rate = verifies_per_second(configured, workers, total=max(args.rounds * workers, 20))
    print(f"configured costs, {workers} workers: {rate:.0f} verifies/s per process")


if __name__ == "__main__":
    main()
