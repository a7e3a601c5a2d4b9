"""The `taskflow-hub` command line (also `python -m hub`); the only place that exits the process.

Every failure a user can cause or fix ends as one line, `error: ...`, on stderr: exit status 2
for bad configuration or arguments, 1 for anything else (a taken name, an unreachable database).
"""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Awaitable, Callable, Coroutine
from typing import IO, Any, TypeVar

import click
import structlog
from aiohttp import web
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bridges.links import Link, LinkIn, LinkTable, create_link, delete_link
from hub.app import create_app
from hub.auth.passwords import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, Passwords
from hub.bootstrap import FIRST_ADMIN_USERNAME, ensure_first_admin
from hub.db.engine import Database, create_engine
from hub.db.migrate import Upgrade, current_revision, head_revision, upgrade_to_head
from hub.demo import DemoSummary, load_demo
from hub.errors import HubError
from hub.gc_tuning import tune_for_serving
from hub.logconfig import configure_logging
from hub.services.commands import Username
from hub.services.users import create_user
from hub.settings import CONFIG_FILE_VARIABLE, Settings, SettingsError, load_settings

T = TypeVar("T")
ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tf'
log = structlog.get_logger("hub.cli")


class Failure(click.ClickException):
    """Ends the command with `error: <message>` on stderr and exit status 1."""

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.message}", err=True)


class BadConfiguration(Failure):
    exit_code = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="taskflow-hub")
def main() -> None:
    """TaskFlow Hub: board chat rooms, task threads, mentions and notifications.

    Configuration: HUB_* environment variables, a .env file, and the TOML file named by
    HUB_CONFIG (see config/hub.example.toml); `taskflow-hub check` shows the result.
    """


@main.command()
@click.option("--host", help="Listen address (instead of HUB_HOST).")
@click.option("--port", type=int, help="Listen port (instead of HUB_PORT).")
@click.option("--demo", is_flag=True, help="Also load the demo board, users, rooms and tasks.")
@click.option(
    "--no-migrate",
    is_flag=True,
    help="Leave the schema alone (refuse to start unless it is at the newest revision).",
)
def serve(host: str | None, port: int | None, demo: bool, no_migrate: bool) -> None:
    """Serve the hub.

    First the schema is upgraded to the newest revision; on a hub without users an
    administrator `admin` is created and its one-time password printed.
    """
    overrides = {key: value for key, value in (("host", host), ("port", port)) if value is not None}
    settings = settings_or_fail(**overrides)
    configure_logging(settings)
    run(prepare(settings, migrate=not no_migrate, demo=demo))

    def announce(_aiohttp_banner: str) -> None:
        click.echo(
            f"TaskFlow Hub is listening on {settings.host}:{settings.port}: "
            f"open {settings.public_url}/ (Ctrl+C stops it)"
        )

    app = create_app(settings)
    tune_for_serving()
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        loop=event_loop_factory()(),
        print=announce,
        access_log_format=ACCESS_LOG_FORMAT,
    )


@main.command()
def migrate() -> None:
    """Upgrade the database schema to the newest revision."""
    settings = settings_or_fail()
    configure_logging(settings, quiet=True)
    click.echo(describe_upgrade(run(upgrade_to_head(settings.database_url))))


@main.command()
@click.argument("username", callback=lambda _ctx, _param, value: check_username(value))
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    callback=lambda _ctx, _param, value: check_password(value),
    help="The password; asked for (twice, hidden) when not given.",
)
def createuser(username: str, admin: bool, password: str) -> None:
    """Create a user who logs in as USERNAME.

    The schema is upgraded first if needed.
    """
    settings = settings_or_fail()
    configure_logging(settings, quiet=True)
    run(add_user(settings, username, password, admin=admin))
    click.echo(f"created {'administrator' if admin else 'user'} {username}")


@main.command()
def demo() -> None:
    """Load the demo board, users, rooms and tasks.

    The schema is upgraded first if needed; loading twice changes nothing.
    """
    settings = settings_or_fail()
    configure_logging(settings, quiet=True)
    click.echo(str(run(add_demo(settings))))


@main.command()
def check() -> None:
    """Validate the configuration and print it, secrets masked."""
    settings = settings_or_fail()
    click.echo("# effective configuration (secrets masked; empty means unset)")
    for name, value in settings.masked().items():
        click.echo(f"{name}={config_value(value)}")


@main.group()
def link() -> None:
    """Bridge links: which room, or board's task threads, is mirrored to which channel.

    A running hub sees a change within HUB_LINKS_REFRESH_S.
    """


@link.command("list")
def link_list() -> None:
    """Print every link."""
    for item in run(links_call(settings_or_fail(), list_links)):
        side = f"room {item.room_id}" if item.room_id is not None else f"board {item.board_id}"
        click.echo(f"{item.id}\t{item.platform}\t{item.channel}\t{side}\t{item.mode}")


@link.command("add")
@click.option("--room", type=int, help="The room to mirror.")
@click.option("--board", type=int, help="The board whose task threads to mirror.")
@click.option("--platform", type=click.Choice(["slack", "discord"]), required=True)
@click.option("--channel", required=True, help="The platform channel id (e.g. C0123456789).")
@click.option("--mode", type=click.Choice(["both", "in", "out"]), default="both")
def link_add(room: int | None, board: int | None, platform: str, channel: str, mode: str) -> None:
    """Link a room (--room) or a board's task threads (--board) to a platform channel."""
    try:
        sides = {name: value for name, value in (("room", room), ("board", board)) if value}
        body = LinkIn.model_validate(
            {**sides, "platform": platform, "channel": channel, "mode": mode}
        )
    except ValidationError as exc:
        raise click.BadParameter(exc.errors()[0]["msg"]) from None
    made = run(links_call(settings_or_fail(), lambda session: create_link(session, body)))
    click.echo(f"linked {made.id}: {platform} {channel} ↔ " + ("room" if room else "board"))


@link.command("remove")
@click.argument("link_id", type=int)
def link_remove(link_id: int) -> None:
    """Remove the link LINK_ID."""
    run(links_call(settings_or_fail(), lambda session: delete_link(session, link_id)))
    click.echo(f"removed link {link_id}")


async def links_call(settings: Settings, call: Callable[[AsyncSession], Awaitable[T]]) -> T:
    await require_newest_schema(settings.database_url)
    database = Database(create_engine(settings.database_url))
    try:
        async with database.write() as session:
            return await call(session)
    finally:
        await database.close()


async def list_links(session: AsyncSession) -> list[Link]:
    table = LinkTable()
    await table.reload(session)
    return table.all


def settings_or_fail(**overrides: Any) -> Settings:
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        raise BadConfiguration(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise BadConfiguration(f"{CONFIG_FILE_VARIABLE}: not valid TOML: {exc}") from None
    return settings


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run one coroutine to completion; a refusal (a taken name) or a failing database or file
    system ends the command with one line."""
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            return runner.run(coroutine)
    except HubError as exc:
        raise Failure(exc.message) from None
    except DBAPIError as exc:
        raise Failure(f"database: {type(exc.orig).__name__}: {exc.orig}") from None
    except OSError as exc:
        raise Failure(str(exc)) from None


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


async def prepare(settings: Settings, *, migrate: bool, demo: bool) -> None:
    """What `serve` does before it listens: schema, first admin, demo data."""
    if migrate:
        log.info(describe_upgrade(await upgrade_to_head(settings.database_url)))
    else:
        await require_newest_schema(settings.database_url)
    database = Database(create_engine(settings.database_url))
    passwords = Passwords.from_settings(settings)
    try:
        password = await ensure_first_admin(database, passwords)
        summary = await load_demo(database, passwords) if demo else None
    finally:
        await database.close()
    if password is not None:
        click.echo(
            "Created the first administrator account of this hub.\n"
            f"  Log in at {settings.public_url}/\n"
            f"  username: {FIRST_ADMIN_USERNAME}\n"
            f"  password: {password}\n"
            "  (shown only this once: change it after logging in)"
        )
    if summary is not None:
        click.echo(str(summary))


async def require_newest_schema(database_url: str) -> None:
    current, head = await current_revision(database_url), head_revision()
    if current != head:
        raise Failure(
            f"the database schema is at revision {current or '(none)'}, not {head}: "
            "run `taskflow-hub migrate` first"
        )


async def add_user(settings: Settings, username: str, password: str, *, admin: bool) -> None:
    await upgrade_to_head(settings.database_url)
    database = Database(create_engine(settings.database_url))
    passwords = Passwords.from_settings(settings)
    try:
        async with database.write() as session:
            await create_user(
                session, passwords, username, password, display_name=username, is_admin=admin
            )
    finally:
        await database.close()


async def add_demo(settings: Settings) -> DemoSummary:
    await upgrade_to_head(settings.database_url)
    database = Database(create_engine(settings.database_url))
    try:
        return await load_demo(database, Passwords.from_settings(settings))
    finally:
        await database.close()


def check_username(value: str) -> str:
    try:
        return TypeAdapter(Username).validate_python(value)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise click.BadParameter(message) from None


def check_password(value: str) -> str:
    if not PASSWORD_MIN_LENGTH <= len(value) <= PASSWORD_MAX_LENGTH:
        raise click.BadParameter(f"use {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters")
    return value


def describe_upgrade(upgrade: Upgrade) -> str:
    if not upgrade.changed:
        return f"database schema is up to date (revision {upgrade.after})"
    return f"database schema upgraded from {upgrade.before or '(empty)'} to {upgrade.after}"


def config_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


if __name__ == "__main__":
    main(prog_name="taskflow-hub")
