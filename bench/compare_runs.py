"""The runs of bench/compare.py, each a subprocess bounded by the time left, its output kept.

The peer runs through its own `run_peer.sh`; the hub is a fresh `python -m hub serve` of
bench/fanout_hub.py loaded by the same client, `wsbench.py --adapter hub`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from fanout_hub import REPO, BenchError, HubProcess, bounded, free_port

PEER_VENV_DEFAULT = "/tmp/taskflow-peer-venv"  # run_peer.sh's own default
HUB_START_S = 60.0
STOP_GRACE_S = 15.0  # SIGTERM, then SIGKILL of the process group
TAIL_LINES = 4


@dataclass(frozen=True)
class Peer:
    """The peer's directory (run_peer.sh, wsbench.py) and the virtual environment they use."""

    root: Path
    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def wsbench(self) -> Path:
        return self.root / "wsbench.py"


def find_peer(option: str | None) -> Peer:
    """--peer-dir, else $PEER_DIR, else ../shared/peers next to the repository."""
    root = Path(option or os.environ.get("PEER_DIR") or REPO.parent / "shared" / "peers")
    missing = [
        n for n in ("run_peer.sh", "wsbench.py", "requirements.txt") if not (root / n).is_file()
    ]
    if missing:
        raise BenchError(
            f"no peer in {root} ({', '.join(missing)} missing): point --peer-dir or PEER_DIR "
            "at the directory holding run_peer.sh and wsbench.py"
        )
    return Peer(root.resolve(), Path(os.environ.get("PEER_VENV") or PEER_VENV_DEFAULT))


async def ensure_peer_venv(peer: Peer, deadline: Deadline) -> None:
    """Create the peer's virtual environment the way run_peer.sh does, when it is missing."""
    if (peer.venv / "bin" / "daphne").exists():
        return
    print(f"creating the peer's virtual environment in {peer.venv} (once) ...", file=sys.stderr)
    python = os.environ.get("PYTHON3", "python3")
    await run_checked([python, "-m", "venv", str(peer.venv)], deadline.left(), "venv")
    pip = [
        str(peer.venv / "bin" / "pip"),
        "install",
        "-q",
        "-r",
        str(peer.root / "requirements.txt"),
    ]
    await run_checked(pip, deadline.left(), "pip install")


class Deadline:
    """The time left for the whole comparison; every subprocess gets at most that."""

    def __init__(self, seconds: float) -> None:
        self.start = time.monotonic()
        self.end = self.start + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def elapsed(self) -> float:
        return round(time.monotonic() - self.start, 1)


async def run_checked(cmd: list[str], seconds: float, what: str) -> None:
    proc = await start(cmd, None, asyncio.subprocess.DEVNULL, asyncio.subprocess.PIPE)
    _, err = await wait(proc, seconds, what)
    if proc.returncode:
        raise BenchError(f"{what} failed ({proc.returncode}): {tail(err)}")


async def start(
    cmd: list[str], env: dict[str, str] | None, stdout: int, stderr: int
) -> asyncio.subprocess.Process:
    # A session of its own: on timeout we end the process group we started, nothing else.
    return await asyncio.create_subprocess_exec(
        *cmd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
    )


async def wait(proc: asyncio.subprocess.Process, seconds: float, what: str) -> tuple[bytes, bytes]:
    """Its (stdout, stderr); past `seconds` it is stopped (SIGTERM, then SIGKILL to its group)."""
    talk = asyncio.ensure_future(proc.communicate())
    try:
        out, err = await asyncio.wait_for(asyncio.shield(talk), max(seconds, 1.0))
    except (TimeoutError, asyncio.CancelledError) as exc:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.shield(talk), STOP_GRACE_S)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await talk
        if isinstance(exc, asyncio.CancelledError):
            raise
        raise BenchError(f"{what} was stopped after {seconds:.0f} s (out of time)") from None
    return out, err


def tail(err: bytes) -> str:
    lines = err.decode(errors="replace").strip().splitlines()
    return "\n  ".join(lines[-TAIL_LINES:])


async def run_json(
    cmd: list[str], seconds: float, what: str, save: Path, env: dict[str, str] | None = None
) -> Any:
    """Run a benchmark that prints its JSON last on stdout; keep stdout, stderr and the JSON."""
    t0 = time.monotonic()
    proc = await start(cmd, env, asyncio.subprocess.PIPE, asyncio.subprocess.PIPE)
    out, err = await wait(proc, seconds, what)
    save.with_suffix(".log").write_bytes(err + b"\n--- stdout ---\n" + out)
    lines = [line for line in out.splitlines() if line.startswith((b"{", b"["))]
    if proc.returncode and err.rstrip().endswith(b"TimeoutError"):
        raise BenchError(f"{what} gave up after {time.monotonic() - t0:.0f} s (out of time)")
    if proc.returncode or not lines:
        raise BenchError(f"{what} failed (exit {proc.returncode}): {tail(err or out)}")
    result = orjson.loads(lines[-1])
    keep(save, result)
    return result


def keep(save: Path, result: Any) -> None:
    save.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))


async def peer_run(
    peer: Peer, mode: str, load: list[str], seconds: float, save: Path
) -> dict[str, Any]:
    """One run_peer.sh run: a fresh Daphne (and redis-server in redis mode) under load."""
    env = {**os.environ, "PEER_VENV": str(peer.venv)}
    cmd = ["bash", str(peer.root / "run_peer.sh"), mode, *load]
    result: dict[str, Any] = await run_json(cmd, seconds, f"the peer ({mode})", save, env)
    return result


async def hub_run(
    peer: Peer, load: list[str], seconds: float, save: Path, settings: dict[str, str]
) -> dict[str, Any]:
    """A fresh hub (SQLite in a temporary directory, `settings` added to its environment),
    loaded by wsbench.py --adapter hub."""
    t0 = time.monotonic()
    with save.with_suffix(".hub.log").open("wb") as log:
        hub = HubProcess(log, settings)
        try:
            await bounded("starting the hub", min(HUB_START_S, seconds), hub.start())
            cmd = [
                str(peer.python),
                str(peer.wsbench),
                "--adapter=hub",
                f"--port={hub.port}",
                f"--admin-user={hub.credentials.get('username', 'admin')}",
                f"--admin-password={hub.credentials['password']}",
                f"--server-pid={hub.pid}",
                "--label=hub",
                f"--max-seconds={max(seconds - (time.monotonic() - t0) - 5, 10):.0f}",
                *load,
            ]
            left = seconds - (time.monotonic() - t0)
            result: dict[str, Any] = await run_json(cmd, left, "the hub run", save)
            if not hub.alive():
                raise BenchError(hub.died("exited during the run"))
        finally:
            status = await hub.stop()
    result["hub_log"] = hub.log_summary(status)
    keep(save, result)
    return result


async def floor_run(peer: Peer, load: list[str], seconds: float, save: Path) -> dict[str, Any]:
    """The client against the peer directory's mock_hub.py, a server that does almost no work
    per delivery: the latency that the client and this machine leave to any server."""
    port = free_port()
    cmd = [str(peer.python), str(peer.root / "mock_hub.py"), str(port)]
    server = await start(cmd, None, asyncio.subprocess.DEVNULL, asyncio.subprocess.DEVNULL)
    try:
        await bounded("starting mock_hub.py", 20, _listening(port, server))
        cmd = [
            str(peer.python),
            str(peer.wsbench),
            "--adapter=hub",
            f"--port={port}",
            "--admin-password=mock",
            f"--server-pid={server.pid}",
            "--label=floor",
            *load,
        ]
        result: dict[str, Any] = await run_json(cmd, seconds, "the client floor run", save)
        return result
    finally:
        if server.returncode is None:
            server.terminate()
            await server.wait()


async def _listening(port: int, server: asyncio.subprocess.Process) -> None:
    while server.returncode is None:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise BenchError(f"mock_hub.py exited with status {server.returncode}")


async def hold_run(sockets: int, users: int, seconds: float, save: Path) -> dict[str, Any]:
    """bench/fanout.py holding `sockets` idle sockets on one hub, then one light phase."""
    cmd = [
        sys.executable,
        str(REPO / "bench" / "fanout.py"),
        f"--subscribers={sockets}",
        f"--users={users}",
        "--rate=5",
        "--warmup=1",
        "--duration=3",
        "--drain=5",
        "--settle=2",
        "--json",
        f"--hub-log={save.with_suffix('.hub.log')}",
    ]
    result: dict[str, Any] = await run_json(cmd, seconds, f"the {sockets}-socket hold", save)
    return result


async def storage_run(extra: list[str], seconds: float, save: Path) -> list[dict[str, Any]]:
    """bench/storage.py --quick --json: one result per database backend."""
    cmd = [sys.executable, str(REPO / "bench" / "storage.py"), "--quick", "--json", *extra]
    results: list[dict[str, Any]] = await run_json(cmd, seconds, "the storage benchmark", save)
    return results
