"""The readable side of bench/compare.py: the goals of issue 5 against the figures measured.

The hub is quoted against the peer's best run (the demanding comparison) and by its own worst.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

CLIENT_BOUND_PCT = 90.0  # client CPU above this (of one core): the client may be the limit
LATENCY_RATIO_MAX = 0.1  # hub p99 <= 0.1 x the peer's
THROUGHPUT_RATIO_MIN = 10.0  # hub deliveries/s >= 10 x the peer's
RSS_PER_SOCKET_KIB_MAX = 20.0
STORAGE_MSGS_PER_S_MIN = 20_000.0  # SQLite, group commit
GOAL_CLIENT_IDS = "uuid7"  # what the web UI sends (bench/storage.py --client-ids)
HISTORY_P99_MS_MAX = 5.0

Run = dict[str, Any]  # one wsbench.py result, as it printed it (plus hub_log for the hub)


@dataclass
class Row:
    figure: str
    peer: str
    hub: str
    ratio: str
    goal: str
    met: str


def delivered_pct(run: Run) -> float | None:
    ratio = run.get("delivery_ratio")
    return None if ratio is None else ratio * 100


def p99(run: Run) -> float | None:
    lat = run.get("latency_ms")
    return None if not lat else float(lat["p99"])


def rss_kib(run: Run) -> float | None:
    server = run.get("server")
    return None if not server else float(server["rss_per_conn_kb"])


def pick(
    runs: Iterable[Run], figure: Callable[[Run], float | None], best: bool, low: bool
) -> float | None:
    """The best (or worst) value of a figure over runs; `low` says lower is better."""
    values = [v for v in map(figure, runs) if v is not None]
    if not values:
        return None
    return min(values) if best == low else max(values)


def num(value: float | None, digits: int = 1, unit: str = "") -> str:
    return "-" if value is None else f"{value:,.{digits}f}{unit}"


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "NO")


def ratio_row(
    figure: str,
    peer: list[Run],
    hub: list[Run],
    value: Callable[[Run], float | None],
    *,
    low: bool,
    goal: float,
    unit: str = "",
    digits: int = 1,
) -> Row:
    """Hub / peer with the goal on the ratio: at most `goal` when lower is better, else at least."""
    best, worst = pick(peer, value, True, low), pick(hub, value, False, low)
    ratio = worst / best if best and worst is not None else None
    ok = None if ratio is None else (ratio <= goal if low else ratio >= goal)
    sign = "≤" if low else "≥"
    return Row(
        figure,
        num(best, digits, unit),
        num(worst, digits, unit),
        num(ratio, 3 if low else 1, "x"),
        f"{sign} {goal:g}x",
        verdict(ok),
    )


def delivery_row(figure: str, peer: list[Run], hub: list[Run]) -> Row:
    """Share delivered after the drain; a hub run that lost anything or closed sockets says so."""
    best, worst = pick(peer, delivered_pct, True, False), pick(hub, delivered_pct, False, False)
    closed = sum(r.get("sockets_closed_early", 0) for r in hub)
    cell = num(worst, 2, " %") + (f", {closed} sockets closed" if closed else "")
    ok = None if worst is None else worst == 100.0 and not closed
    return Row(figure, num(best, 2, " %"), cell, "-", "100 %, none closed", verdict(ok))


def memory_row(peer: list[Run], hub: list[Run]) -> Row:
    best, worst = pick(peer, rss_kib, True, True), pick(hub, rss_kib, False, True)
    ratio = worst / best if best and worst is not None else None
    ok = None if worst is None else worst <= RSS_PER_SOCKET_KIB_MAX
    return Row(
        "RSS KiB per idle socket",
        num(best),
        num(worst),
        num(ratio, 2, "x"),
        f"≤ {RSS_PER_SOCKET_KIB_MAX:g} KiB",
        verdict(ok),
    )


def hold_row(hold: dict[str, Any] | None, sockets: int) -> Row:
    figure = f"{sockets:,} sockets held (one hub)"
    if not hold:
        return Row(figure, "-", "not run", "-", f"{sockets:,}", "-")
    connected = hold["connect"]["connected"]
    phase = hold["phases"][0]
    pct = (phase["delivery_ratio"] or 0) * 100
    closed = sum(phase["closed_by_server"].values())
    mem = hold.get("memory") or {}
    cell = f"{connected:,}, {pct:.2f} % delivered, {mem.get('per_connection_kib', '-')} KiB each"
    ok = connected >= sockets and pct == 100.0 and not closed
    return Row(figure, "-", cell, "-", f"{sockets:,}, all delivered", verdict(ok))


def as_list(value: Any) -> list[dict[str, Any]]:
    """One result or several (bench/storage.py reports one per number of senders)."""
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def bridges_rows(bridges: Any) -> list[Row]:
    """bench/bridges.py's figures (hub only, reported: no goal)."""
    if not isinstance(bridges, dict):
        return [Row("Slack bridge deliveries", "-", "not run", "-", "-", "-")]
    lat, put, limited = (bridges.get(k) or {} for k in ("latency", "throughput", "rate_limited"))
    return [
        Row("Slack delivery p50 / p99 ms", "-",
            f"{num(lat.get('p50_ms'))} / {num(lat.get('p99_ms'))}", "-", "reported", "-"),
        Row("Slack outbox posts/s", "-", num(put.get("posts_per_s"), 0), "-", "reported", "-"),
        Row(f"Slack {limited.get('channels')} x {limited.get('messages_per_channel')} "
            "at 1/s drain s", "-", num(limited.get("seconds")), "-", "reported", "-"),
    ]  # fmt: skip


def storage_rows(storage: Any) -> list[Row]:
    """Durable messages/s (the best number of senders) per backend and kind of client id, and
    history p99 (the worse of random and newest pages) per backend, from bench/storage.py's
    JSON. The goal applies to SQLite with the web UI's time-ordered client ids; random ones
    are reported beside them."""
    if not storage:
        return [Row("storage, history", "-", "not run", "-", "-", "-")]
    rows = []
    for result in as_list(storage):
        backend = result.get("backend", "?")
        runs_by_ids: dict[str, list[Run]] = {}
        for run in as_list(result.get("throughput")):
            runs_by_ids.setdefault(run.get("client_ids", "?"), []).append(run)
        for client_ids, runs in runs_by_ids.items():
            rate = pick(runs, lambda t: t.get("messages_per_s"), True, False)
            rate_goal = backend == "sqlite" and client_ids == GOAL_CLIENT_IDS
            rows.append(
                Row(
                    f"storage durable msgs/s ({backend}, {client_ids} client ids)",
                    "-",
                    num(rate, 0),
                    "-",
                    f"≥ {STORAGE_MSGS_PER_S_MIN:,.0f}" if rate_goal else "reported",
                    verdict(
                        None if rate is None or not rate_goal else rate >= STORAGE_MSGS_PER_S_MIN
                    ),
                )
            )
        history = result.get("history") or {}
        p99s = [history[k] for k in ("random_p99_ms", "newest_p99_ms") if k in history]
        hist = max(p99s) if p99s else None
        size = f"{history['rows'] / 1e6:g}M" if history.get("rows") else "?"
        rows.append(
            Row(
                f"history page p99 ms ({backend}, {size})",
                "-",
                num(hist, 2),
                "-",
                f"≤ {HISTORY_P99_MS_MAX:g}",
                verdict(None if hist is None else hist <= HISTORY_P99_MS_MAX),
            )
        )
    return rows


def summary_rows(result: dict[str, Any]) -> list[Row]:
    runs = result["runs"]

    def of(config: str, hub: bool) -> list[Run]:
        stacks = ("hub",) if hub else tuple(f"channels+{mode}" for mode in ("redis", "memory"))
        return [
            r["result"] for r in runs.get(config, []) if r.get("result") and r["stack"] in stacks
        ]

    lat_peer, lat_hub = of("latency", False), of("latency", True)
    put_peer, put_hub = of("throughput", False), of("throughput", True)
    label = result["labels"]
    return [
        ratio_row(
            f"{label['latency']}: latency p99 ms",
            lat_peer,
            lat_hub,
            p99,
            low=True,
            goal=LATENCY_RATIO_MAX,
        ),
        delivery_row(f"{label['latency']}: delivered", lat_peer, lat_hub),
        ratio_row(
            f"{label['throughput']}: deliveries/s",
            put_peer,
            put_hub,
            lambda r: r.get("deliveries_per_s"),
            low=False,
            goal=THROUGHPUT_RATIO_MIN,
            digits=0,
        ),
        delivery_row(f"{label['throughput']}: delivered", put_peer, put_hub),
        memory_row(lat_peer + put_peer, lat_hub + put_hub),
        hold_row(result.get("hold"), result["config"]["hold_sockets"]),
        *bridges_rows(result.get("bridges")),
        *storage_rows(result.get("storage")),
    ]


def grid(header: list[str], rows: list[list[str]]) -> list[str]:
    """Left-aligned columns two spaces apart, a rule under the header."""
    widths = [max(len(c) for c in col) for col in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [line(header), line(["-" * w for w in widths]), *map(line, rows)]


RUN_HEADER = [
    "run",
    "sent/s",
    "delivered",
    "deliveries/s",
    "p50 ms",
    "p99 ms",
    "max ms",
    "KiB/socket",
    "server CPU",
    "client CPU",
    "closed",
    "wall s",
]


def run_line(entry: dict[str, Any]) -> list[str]:
    name = f"{entry['config']} {entry['stack']} #{entry['repeat'] + 1}"
    r = entry.get("result")
    if not r:
        return [
            name,
            "skipped" if entry.get("skipped") else "failed",
            *["-"] * (len(RUN_HEADER) - 2),
        ]
    lat, server = r.get("latency_ms") or {}, r.get("server") or {}
    return [
        name,
        num(r["sent_per_s"]),
        num(delivered_pct(r), 2, " %"),
        num(r["deliveries_per_s"], 0),
        num(lat.get("p50")),
        num(lat.get("p99")),
        num(lat.get("max")),
        num(rss_kib(r)),
        num(server.get("cpu_pct"), 0, " %"),
        num(r.get("client_cpu_pct"), 0, " %"),
        str(r.get("sockets_closed_early", 0)),
        num(entry["wall_s"]),
    ]


def table(result: dict[str, Any], rows: list[Row]) -> str:
    cfg = result["config"]
    lines = [
        f"TaskFlow Hub vs the Django Channels peer, same client (wsbench.py), {cfg['subscribers']} "
        f"subscribers, {cfg['senders']} senders, {cfg['duration']:g} s window; peer = its best "
        f"run (redis or memory layer), hub = its worst; load average {result['load_start']}",
        "",
        *grid(
            ["figure", "peer best", "hub", "ratio", "goal", "met?"],
            [[r.figure, r.peer, r.hub, r.ratio, r.goal, r.met] for r in rows],
        ),
        "",
        *grid(RUN_HEADER, [run_line(e) for c in result["runs"].values() for e in c]),
    ]
    lines += [f"! {note}" for note in notes(result)]
    lines.append(f"total {result['elapsed_s']} s; raw results in {result['results_dir']}")
    return "\n".join(lines)


def notes(result: dict[str, Any]) -> list[str]:
    """Overload, losses and caveats: what the figures alone would not say."""
    out: list[str] = list(result["problems"])
    for entry in result["runs"].get("latency", []):
        if entry["stack"].startswith("floor") and entry.get("result"):
            out.append(
                f"client floor: the same client and load against mock_hub.py, a server that "
                f"does next to nothing per delivery: p99 {num(p99(entry['result']))} ms"
            )
    for entry in (e for c in result["runs"].values() for e in c):
        r, name = entry.get("result"), f"{entry['config']} {entry['stack']}"
        if not r:
            continue
        if r.get("missing"):
            out.append(
                f"{name}: {r['missing']:,} of {r['expected']:,} deliveries never arrived"
                + (
                    " (still arriving when the drain ended)"
                    if r.get("still_arriving_at_end")
                    else ""
                )
            )
        if r.get("sockets_closed_early"):
            out.append(f"{name}: {r['sockets_closed_early']} sockets closed by the server")
        over = (r.get("peer") or {}).get("over_capacity_events")
        if over:
            out.append(f"{name}: channels_redis dropped {over} broadcasts (over capacity)")
        if (r.get("client_cpu_pct") or 0) >= CLIENT_BOUND_PCT:
            out.append(
                f"{name}: the client used {r['client_cpu_pct']:.0f} % of a core (the limit?)"
            )
        if r.get("connect_errors"):
            out.append(f"{name}: sockets that did not open: {r['connect_errors']}")
        frames = {
            k: v
            for k, v in r.get("other_frames", {}).items()
            if k not in ("subscribed", "presence")
        }
        if frames.get("error"):
            out.append(f"{name}: frames other than broadcasts: {frames}")
        log = r.get("hub_log") or {}
        if log.get("events") or log.get("levels"):
            out.append(f"{name}: hub log warnings/errors {log.get('events') or log.get('levels')}")
    hold = result.get("hold")
    if hold and (hold.get("hub_log") or {}).get("events"):
        out.append(f"hold: hub log warnings/errors {hold['hub_log']['events']}")
    return out
