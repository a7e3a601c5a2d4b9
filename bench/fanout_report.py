"""The readable side of bench/fanout.py's result: a short header and one column per phase."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CLIENT_BOUND_PCT = 90.0  # client CPU above this (of one core): the client may be the limit

Row = tuple[str, Callable[[dict[str, Any]], str]]


def _ms(key: str, q: str) -> Callable[[dict[str, Any]], str]:
    return lambda p: f"{p[key][q]:,.1f}" if p[key] else "-"


def _pct(key: str) -> Callable[[dict[str, Any]], str]:
    return lambda p: "-" if p[key] is None else f"{p[key]:.0f} %"


def _ratio(p: dict[str, Any]) -> str:
    return "-" if p["delivery_ratio"] is None else f"{p['delivery_ratio'] * 100:.2f} %"


ROWS: list[Row] = [
    ("sockets", lambda p: str(p["sockets"])),
    ("messages sent /s", lambda p: f"{p['sent_per_s']:,.1f}"),
    ("deliveries /s", lambda p: f"{p['deliveries_per_s']:,.0f}"),
    ("delivered (after drain)", _ratio),
    ("latency p50 ms", _ms("latency_ms", "p50")),
    ("latency p99 ms", _ms("latency_ms", "p99")),
    ("latency max ms", _ms("latency_ms", "max")),
    ("acks / sent", lambda p: f"{p['acks']:,} / {p['sent_total']:,}"),
    ("ack p50 ms", _ms("ack_latency_ms", "p50")),
    ("error frames", lambda p: str(p["frames"].get("error", 0))),
    ("reset frames", lambda p: str(p["frames"].get("reset", 0))),
    ("closed by hub", lambda p: str(sum(p["closed_by_server"].values()))),
    ("seq gaps", lambda p: str(p["seq_gaps"])),
    ("hub CPU", _pct("hub_cpu_pct")),
    ("client CPU", _pct("client_cpu_pct")),
]


def table(result: dict[str, Any]) -> str:
    cfg, phases, mem = result["config"], result["phases"], result["memory"]
    connect = result["connect"]
    lines = [
        f"TaskFlow Hub fan-out: {cfg['subscribers']} sockets ({cfg['users']} users) in one room, "
        f"{cfg['senders']} senders, {cfg['duration']:g} s window after {cfg['warmup']:g} s "
        f"warmup, {cfg['payload']} characters of padding; {result['hub']['how']}",
        f"setup {result['setup_s']} s; {connect['connected']} sockets subscribed in "
        f"{connect['seconds']} s",
    ]
    if mem:
        lines.append(
            f"hub RSS {mem['rss_before_mib']} MiB before the sockets, {mem['rss_idle_mib']} MiB "
            f"with them idle: {mem['per_connection_kib']} KiB per connection"
            + (f"; peak {mem['rss_peak_mib']} MiB" if "rss_peak_mib" in mem else "")
        )
    width = max(14, *(len(p["phase"]) + 2 for p in phases))
    lines.append("")
    lines.append(" " * 24 + "".join(f"{p['phase']:>{width}}" for p in phases))
    lines += [
        f"{label:<24}" + "".join(f"{cell(p):>{width}}" for p in phases) for label, cell in ROWS
    ]
    lines += [f"! {note}" for note in notes(result)]
    return "\n".join(lines)


def notes(result: dict[str, Any]) -> list[str]:
    """What a reader must know before trusting the figures."""
    out = []
    for phase in result["phases"]:
        if phase["client_cpu_pct"] >= CLIENT_BOUND_PCT:
            out.append(
                f"{phase['phase']}: this client used {phase['client_cpu_pct']:.0f}% of one core, "
                "so it may be the bottleneck, not the hub"
            )
        if phase["senders_stuck"]:
            out.append(f"{phase['phase']}: {phase['senders_stuck']} senders had to be cancelled")
        if phase["error_codes"]:
            out.append(f"{phase['phase']}: error frames by code {phase['error_codes']}")
        if phase["closed_by_server"]:
            out.append(
                f"{phase['phase']}: sockets closed, by close code {phase['closed_by_server']}"
            )
    connect = result["connect"]
    if connect["errors"]:
        out.append(f"sockets that did not subscribe: {connect['errors']}")
    if connect["closed_by_server"]:
        out.append(f"sockets closed while idle, by close code {connect['closed_by_server']}")
    log = result.get("hub_log")
    if log and log["levels"]:
        out.append(f"hub log: {log['levels']}; first: " + " | ".join(log["samples"][:3]))
    return out
