"""Typed configuration: environment (HUB_*) > .env > TOML file named by HUB_CONFIG > defaults.

This is the only module that reads the process environment.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ENV_PREFIX = "HUB_"
CONFIG_FILE_VARIABLE = "HUB_CONFIG"
SECRET_KEY_FILE = "secret_key"

CommaList = Annotated[list[str], NoDecode]


class LinkSetting(BaseModel):
    """One `[[links]]` entry of the TOML configuration (applied at every start)."""

    model_config = ConfigDict(extra="forbid")

    room: int | None = None
    board: int | None = None
    platform: Literal["slack", "discord"]
    channel: str
    mode: Literal["both", "in", "out"] = "both"


class Settings(BaseSettings):
    """Every setting of the hub; the variable name is HUB_ + the field name in upper case."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    data_dir: Path = Path("data")
    database_url: str = ""
    redis_url: str | None = None
    secret_key: SecretStr | None = None
    allowed_origins: CommaList = []
    trusted_proxies: CommaList = []  # no X-Forwarded-For is believed unless a proxy is named
    public_url: str = ""
    debug: bool = False
    log_dir: Path | None = None

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: AnyHttpUrl = AnyHttpUrl("https://slack.com/api/")
    discord_bot_token: SecretStr | None = None
    discord_api_url: AnyHttpUrl = AnyHttpUrl("https://discord.com/api/v10")
    discord_gateway_url: str = "wss://gateway.discord.gg/"
    smtp_url: SecretStr | None = None
    bridge_max_backoff_s: float = Field(30.0, gt=0)
    bridge_concurrency: int = Field(32, ge=1, le=1024)  # channels a bridge sends to at once
    outbox_poll_s: float = Field(1.0, gt=0)  # how often a drainer reads the queue unprompted
    outbox_give_up_s: float = Field(86_400.0, gt=0)  # a delivery failing this long is parked
    links_refresh_s: float = Field(5.0, gt=0)  # links changed by another process seen within
    links: list[LinkSetting] = []
    link_code_ttl_s: float = Field(600.0, gt=0)  # how long a one-time identity link code works

    max_message_bytes: int = Field(16384, ge=1, le=1_048_576)
    max_request_bytes: int = Field(262_144, ge=1024)
    send_rate_per_minute: int = Field(300, ge=0)
    send_bytes_per_minute: int = Field(262_144, ge=0)
    render_workers: int = Field(2, ge=1, le=64)
    render_deadline_s: float = Field(1.0, gt=0)
    login_failures_per_minute: int = Field(10, ge=1)
    password_hash_time_cost: int = Field(3, ge=1)
    password_hash_memory_kib: int = Field(65_536, ge=1024)
    page_size_default: int = Field(50, ge=1)
    page_size_max: int = Field(200, ge=1)
    session_ttl_hours: int = Field(24 * 14, ge=1)
    ws_heartbeat_s: float = Field(30.0, gt=0)
    ws_send_buffer_bytes: int = Field(1_048_576, ge=65_536)
    ws_max_frame_bytes: int = Field(1_048_576, ge=4096)
    ws_max_invalid_frames: int = Field(20, ge=1)
    # Issue 12: what one socket may send, and how often its login session is re-checked.
    ws_frames_per_second: float = Field(50.0, gt=0)
    ws_frame_burst: int = Field(200, ge=1)
    ws_session_check_s: float = Field(60.0, gt=0)
    replay_max_events: int = Field(2000, ge=1)
    typing_interval_s: float = Field(2.0, ge=0)
    presence_interval_s: float = Field(0.5, gt=0)
    write_batch_max: int = Field(256, ge=1)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv_settings]
        config_file = os.environ.get(CONFIG_FILE_VARIABLE)
        if config_file:
            if not Path(config_file).is_file():
                raise SettingsError(f"{CONFIG_FILE_VARIABLE}: no such file: {config_file}")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)

    @field_validator("allowed_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _check_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            parts = urlsplit(origin)
            if (
                parts.scheme not in ("http", "https")
                or not parts.netloc
                or parts.path not in ("", "/")
            ):
                raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
        return [origin.rstrip("/") for origin in value]

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for address in value:
            ipaddress.ip_address(address)  # raises ValueError naming the bad address
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if value and not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _derive_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'hub.db'}"
        if not self.public_url:
            self.public_url = f"http://{self.host}:{self.port}"
        if not self.allowed_origins:
            self.allowed_origins = [origin_of(self.public_url)]
        if self.page_size_default > self.page_size_max:
            raise ValueError("page_size_default must not exceed page_size_max")
        if 0 < self.send_bytes_per_minute < self.max_message_bytes:
            raise ValueError(
                "send_bytes_per_minute must be 0 (no limit) or at least max_message_bytes"
            )
        return self

    @property
    def configured_platforms(self) -> list[str]:
        """The platforms whose bridge the configuration turns on."""
        platforms = []
        if self.slack_bot_token and (self.slack_app_token or self.slack_signing_secret):
            platforms.append("slack")
        if self.discord_bot_token:
            platforms.append("discord")
        return platforms

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def masked(self) -> dict[str, Any]:
        """The effective configuration for display, with every secret hidden."""
        shown: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "********"
            elif name in ("database_url", "redis_url") and value:
                value = mask_url_password(value)
            elif isinstance(value, (Path, AnyHttpUrl)):
                value = str(value)
            shown[f"{ENV_PREFIX}{name.upper()}"] = value
        return shown


class SettingsError(Exception):
    """A configuration problem, described in one line that names the setting."""


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning validation errors into one readable SettingsError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "configuration"
        name = f"{ENV_PREFIX}{field.upper()}" if error["loc"] else field
        lines.append(f"{name}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(lines)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def mask_url_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":********@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def load_or_create_secret_key(settings: Settings) -> bytes:
    """HUB_SECRET_KEY when set; otherwise a key generated once into the data directory."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = settings.data_dir / SECRET_KEY_FILE
    if path.exists():
        return path.read_bytes().strip()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key
