#!/usr/bin/env python3
"""Login timing: does a failed login take as long for an unknown username as for an existing
one? A hub on SQLite in a temporary directory, with the default argon2 cost (unless
HUB_PASSWORD_HASH_* says otherwise) and the login limit lifted, gets --n wrong-password
logins for an existing account and --n for unknown usernames, interleaved, over loopback
HTTP. It prints p50/p99/mean per kind in milliseconds, and the ratio of the medians.

  .venv/bin/python bench/login_timing.py
  .venv/bin/python bench/login_timing.py --n 200
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.app import create_app
from hub.appkeys import DATABASE, PASSWORDS
from hub.db.migrate import upgrade_to_head
from hub.services.users import create_user
from hub.settings import Settings

USERNAME = "alice"
PASSWORD = "the right password"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def timed_login(client: TestClient[web.Request, web.Application], username: str) -> float:
    """Milliseconds for one wrong-password login (which must be refused with 401)."""
    started = time.perf_counter()
    async with client.post(
        "/api/v1/auth/login", json={"username": username, "password": "a wrong password"}
    ) as response:
        await response.read()
        assert response.status == 401, response.status
    return (time.perf_counter() - started) * 1000


async def measure(n: int, data_dir: Path) -> dict[str, list[float]]:
    settings = Settings(
        data_dir=data_dir,
        secret_key="bench-secret-key",
        login_failures_per_minute=1_000_000,
        _env_file=None,
    )
    await upgrade_to_head(settings.database_url)
    app = create_app(settings)
    samples: dict[str, list[float]] = {"existing user": [], "unknown user": []}
    async with TestClient(TestServer(app)) as client:
        async with app[DATABASE].write() as session:
            await create_user(session, app[PASSWORDS], USERNAME, PASSWORD)
        await timed_login(client, USERNAME)  # warm-up: connections, statement caches
        await timed_login(client, "warm-up-nobody")
        for i in range(n):
            samples["existing user"].append(await timed_login(client, USERNAME))
            samples["unknown user"].append(await timed_login(client, f"nobody{i}"))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="logins of each kind (default 50)")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="taskflow-login-bench-") as tmp:
        samples = asyncio.run(measure(args.n, Path(tmp)))
    print(f"{'wrong password for':<20}{'n':>5}{'p50 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for kind, values in samples.items():
        print(
            f"{kind:<20}{len(values):>5}{percentile(values, 0.5):>10.1f}"
            f"{percentile(values, 0.99):>10.1f}{statistics.fmean(values):>10.1f}"
        )
    existing, unknown = (percentile(values, 0.5) for values in samples.values())
    print(f"p50 unknown / existing: {unknown / existing:.2f}")


if __name__ == "__main__":
    main()
