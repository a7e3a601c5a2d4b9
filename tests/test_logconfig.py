"""Logging: our events and stdlib loggers reach the console (key=value when not a terminal)
and, with HUB_LOG_DIR, a JSON-lines file; values under secret-looking keys never do."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from hub.logconfig import configure_logging
from hub.settings import Settings
from tests.isolation import restored_logging


@pytest.fixture(autouse=True)
def _logging() -> Iterator[None]:
    with restored_logging():
        yield


def settings_for(tmp_path: Path, **fields: object) -> Settings:
    return Settings(data_dir=tmp_path, _env_file=None, **fields)  # type: ignore[call-arg]


def test_console_and_json_file_with_secrets_masked(tmp_path: Path) -> None:
    console = io.StringIO()
    configure_logging(settings_for(tmp_path, log_dir=tmp_path / "logs", port=8123), console=console)

    structlog.get_logger("hub.test").info("user logged in", user="alice", password="hunter2")
    logging.getLogger("aiohttp.access").info('127.0.0.1 "GET /healthz HTTP/1.1" 200')
    structlog.get_logger("hub.test").debug("not shown at INFO")

    shown = console.getvalue()
    assert "hunter2" not in shown
    assert 'level=info logger=hub.test event="user logged in"' in shown
    assert "password=********" in shown
    assert "logger=aiohttp.access" in shown
    assert "not shown" not in shown

    lines = (tmp_path / "logs" / "hub-8123.log").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["logger"], r["level"]) for r in records] == [
        ("hub.test", "info"),
        ("aiohttp.access", "info"),
    ]
    assert records[0] | {"event": "user logged in", "password": "********"} == records[0]
    assert "timestamp" in records[0]


def test_quiet_commands_show_warnings_only_and_debug_shows_all(tmp_path: Path) -> None:
    console = io.StringIO()
    configure_logging(settings_for(tmp_path), quiet=True, console=console)
    structlog.get_logger("hub.test").info("routine")
    structlog.get_logger("hub.test").warning("unusual")
    assert "routine" not in console.getvalue()
    assert "unusual" in console.getvalue()

    configure_logging(settings_for(tmp_path, debug=True), console=console)
    structlog.get_logger("hub.test").debug("details")
    assert "details" in console.getvalue()
    assert [h.name for h in logging.getLogger().handlers].count("hub-console") == 1
