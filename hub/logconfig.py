"""Logging for the whole process: structlog events and stdlib loggers (aiohttp.access, asyncio,
alembic) go through the same processors and the same handlers.

Console: pretty when stderr is a terminal, key=value lines otherwise. With HUB_LOG_DIR, also
JSON lines into a rotating file there, one file per listening port so that several hub
processes on one machine never rotate the same file. Values under keys that look like
secrets are replaced before anything is written.
"""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from typing import TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from hub.settings import Settings

LOG_FILE_BYTES = 10 * 1024 * 1024
LOG_FILE_BACKUPS = 5
_HANDLER_NAMES = ("hub-console", "hub-file")
_SECRET_KEY_PARTS = ("password", "secret", "token", "authorization", "cookie")
MASK = "********"


def configure_logging(
    settings: Settings, *, quiet: bool = False, console: TextIO | None = None
) -> None:
    """Set up logging once per process; calling it again replaces what it set up before.

    `quiet` is for one-shot commands: warnings only (unless HUB_DEBUG), no log file.
    """
    level = logging.WARNING if quiet else logging.INFO
    if settings.debug:
        level = logging.DEBUG
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            structlog.stdlib.PositionalArgumentsFormatter(),
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached: a later call (another command in the same process) must take effect.
        cache_logger_on_first_use=False,
    )
    stream = console or sys.stderr
    handlers = [_handler("hub-console", logging.StreamHandler(stream), shared, _console(stream))]
    if settings.log_dir is not None and not quiet:
        settings.log_dir.mkdir(parents=True, exist_ok=True)
        file_handler = RotatingFileHandler(
            settings.log_dir / f"hub-{settings.port}.log",
            maxBytes=LOG_FILE_BYTES,
            backupCount=LOG_FILE_BACKUPS,
            encoding="utf-8",
        )
        json_lines: list[Processor] = [
            structlog.processors.dict_tracebacks,
            structlog.processors.JSONRenderer(),
        ]
        handlers.append(_handler("hub-file", file_handler, shared, json_lines))

    root = logging.getLogger()
    for old in [h for h in root.handlers if h.name in _HANDLER_NAMES]:
        root.removeHandler(old)
        old.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    # Alembic says "Context impl ..." on every start; the CLI reports what the upgrade did.
    logging.getLogger("alembic").setLevel(logging.DEBUG if settings.debug else logging.WARNING)


def redact_secrets(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    for key in event_dict:
        if any(part in key.lower() for part in _SECRET_KEY_PARTS):
            event_dict[key] = MASK
    return event_dict


def _console(stream: TextIO) -> list[Processor]:
    if stream.isatty():
        return [structlog.dev.ConsoleRenderer(colors=True)]
    return [
        structlog.processors.format_exc_info,
        structlog.processors.LogfmtRenderer(
            key_order=["timestamp", "level", "logger", "event"], drop_missing=True
        ),
    ]


def _handler(
    name: str, handler: logging.Handler, shared: list[Processor], render: list[Processor]
) -> logging.Handler:
    handler.set_name(name)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *render],
        )
    )
    return handler
