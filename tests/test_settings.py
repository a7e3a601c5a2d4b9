"""Configuration: where values come from, what a bad value says, what `check` shows, and an
example file that documents every setting."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.__main__ import main
from hub.settings import Settings, load_settings
from tests.isolation import clear_hub_environment

EXAMPLE = Path(__file__).parent.parent / "config" / "hub.example.toml"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_hub_environment(monkeypatch, tmp_path)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_environment_beats_dotenv_beats_toml_beats_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    toml = tmp_path / "hub.toml"
    toml.write_text('port = 1111\nhost = "toml.example"\nmax_message_bytes = 1000\n')
    dotenv = tmp_path / ".env"
    dotenv.write_text("HUB_PORT=2222\nHUB_HOST=dotenv.example\n")
    monkeypatch.setenv("HUB_CONFIG", str(toml))
    monkeypatch.setenv("HUB_PORT", "3333")

    settings = load_settings()
    assert (settings.port, settings.host, settings.max_message_bytes) == (
        3333,
        "dotenv.example",
        1000,
    )
    assert settings.page_size_max == 200

    monkeypatch.delenv("HUB_PORT")
    assert load_settings().port == 2222

    dotenv.unlink()
    settings = load_settings()
    assert (settings.port, settings.host) == (1111, "toml.example")
    assert settings.public_url == "http://toml.example:1111"

    monkeypatch.delenv("HUB_CONFIG")
    settings = load_settings()
    assert (settings.port, settings.host, settings.max_message_bytes) == (8000, "127.0.0.1", 16384)
    assert settings.database_url == "sqlite+aiosqlite:///data/hub.db"


def test_allowed_origins_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_ALLOWED_ORIGINS", "https://hub.example.com, http://localhost:8080/")
    assert load_settings().allowed_origins == ["https://hub.example.com", "http://localhost:8080"]


def test_allowed_origins_default_to_the_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_PUBLIC_URL", "https://hub.example.com/")
    assert load_settings().allowed_origins == ["https://hub.example.com"]


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("HUB_PORT", "abc", "valid integer"),
        ("HUB_PORT", "70000", "less than or equal to 65535"),
        ("HUB_DATABASE_URL", "mysql://x", "sqlite+aiosqlite://"),
        ("HUB_ALLOWED_ORIGINS", "notanorigin", "not an origin"),
        ("HUB_CONFIG", "/missing/hub.toml", "no such file"),
    ],
)
@pytest.mark.parametrize("command", ["check", "serve"])
def test_a_bad_value_stops_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, command: str, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)
    result = invoke(command)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {variable}: ")
    assert says in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_config_file_that_is_not_toml_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "hub.toml").write_text('port = "8000\n')
    monkeypatch.setenv("HUB_CONFIG", str(tmp_path / "hub.toml"))
    result = invoke("check")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: HUB_CONFIG: not valid TOML")
    assert result.stderr.count("\n") == 1


def test_check_prints_the_configuration_with_secrets_masked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_SECRET_KEY", "top-secret-key")
    monkeypatch.setenv("HUB_SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql+asyncpg://hub:hunter2@db.internal/hub")
    monkeypatch.setenv("HUB_SMTP_URL", "smtp://mail:mailpass@mail.example.com:587")
    monkeypatch.setenv("HUB_PORT", "9001")

    result = invoke("check")

    assert result.exit_code == 0, result.output
    for secret in ("top-secret-key", "xoxb-very-secret", "hunter2", "mailpass"):
        assert secret not in result.output
    lines = set(result.stdout.splitlines())
    assert "HUB_SECRET_KEY=********" in lines
    assert "HUB_SLACK_BOT_TOKEN=********" in lines
    assert "HUB_DATABASE_URL=postgresql+asyncpg://hub:********@db.internal/hub" in lines
    assert "HUB_PORT=9001" in lines
    assert "HUB_SLACK_APP_TOKEN=" in lines
    assert "HUB_ALLOWED_ORIGINS=http://127.0.0.1:9001" in lines


def test_the_example_file_documents_every_setting() -> None:
    documented = set(re.findall(r"^# (\w+) = ", EXAMPLE.read_text(), flags=re.MULTILINE))
    assert documented == set(Settings.model_fields)


def test_the_example_file_loads_and_shows_the_real_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    defaults = load_settings()
    monkeypatch.setenv("HUB_CONFIG", str(EXAMPLE))
    assert load_settings() == defaults

    uncommented = re.sub(r"^# (\w+ = )", r"\1", EXAMPLE.read_text(), flags=re.MULTILINE)
    (tmp_path / "all.toml").write_text(uncommented)
    monkeypatch.setenv("HUB_CONFIG", str(tmp_path / "all.toml"))
    example = load_settings()
    shown = tomllib.loads(uncommented)
    differing = {name for name in shown if getattr(example, name) != getattr(defaults, name)}
    assert differing == EXAMPLES_OF_UNSET_OR_DERIVED


# The settings whose commented line shows an example rather than the default.
EXAMPLES_OF_UNSET_OR_DERIVED = {
    "redis_url",
    "secret_key",
    "allowed_origins",
    "public_url",
    "log_dir",
    "slack_bot_token",
    "slack_app_token",
    "slack_signing_secret",
    "discord_bot_token",
    "smtp_url",
}
