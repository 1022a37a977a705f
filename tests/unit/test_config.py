"""Settings: defaults, derived values, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import BotMode, ConfigError, Settings, load_settings


def _settings(**values: object) -> Settings:
    return load_settings(_env_file=None, **values)


def test_defaults_are_the_embedded_setup() -> None:
    settings = _settings(data_dir=Path("/tmp/pb"))
    assert settings.timezone == "Europe/Copenhagen"
    assert settings.default_language == "da"
    assert settings.bot_mode is BotMode.POLLING
    assert settings.resolved_database_url == "sqlite+aiosqlite:////tmp/pb/praktikbot.db"
    assert settings.token is None


def test_postgres_urls_get_the_async_driver() -> None:
    settings = _settings(database_url="postgresql://u@db:5432/praktikbot")
    assert settings.resolved_database_url == "postgresql+asyncpg://u@db:5432/praktikbot"


def test_admin_ids_from_a_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_TELEGRAM_IDS", "11, 22,33")
    assert load_settings(_env_file=None).admin_telegram_ids == [11, 22, 33]


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"timezone": "Mars/Olympus"}, "TIMEZONE"),
        ({"default_language": "sv"}, "DEFAULT_LANGUAGE"),
        ({"log_level": "LOUD"}, "LOG_LEVEL"),
        ({"database_url": "mysql://x"}, "DATABASE_URL"),
        ({"telegram_api_base_url": "ftp://x"}, "TELEGRAM_API_BASE_URL"),
        ({"web_port": 70000}, "WEB_PORT"),
        ({"bot_mode": "carrier-pigeon"}, "BOT_MODE"),
        ({"bot_mode": "webhook"}, "WEBHOOK_URL"),
        ({"bot_mode": "webhook", "webhook_url": "https://x.dk/tg"}, "WEBHOOK_SECRET"),
    ],
)
def test_invalid_values_fail_with_the_key_named(values: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        _settings(**values)


def test_env_file_is_read(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("TELEGRAM_BOT_TOKEN=123:abc\nTIMEZONE=UTC\n")
    settings = load_settings(_env_file=env)
    assert settings.token == "123:abc"
    assert settings.timezone == "UTC"


def test_webhook_path_comes_from_the_url() -> None:
    settings = _settings(
        bot_mode="webhook", webhook_url="https://bot.example.dk/hook/tg", webhook_secret="s3cr3t"
    )
    assert settings.webhook_path == "/hook/tg"


@pytest.mark.parametrize("key", ["llm_base_url", "embeddings_base_url"])
def test_remote_endpoints_must_be_https(key: str) -> None:
    with pytest.raises(ConfigError, match=key.upper()):
        _settings(**{key: "http://llm.hospital.example/v1"})
    assert getattr(_settings(**{key: "https://llm.hospital.example/v1"}), key)
    assert getattr(_settings(**{key: "http://localhost:11434"}), key)  # this machine
    assert getattr(_settings(**{key: "http://127.0.0.1:11434"}), key)
    allowed = _settings(**{key: "http://ollama:11434", "allow_http_endpoints": True})
    assert getattr(allowed, key) == "http://ollama:11434"


def test_secrets_lists_every_secret_for_the_log_filter() -> None:
    settings = _settings(
        telegram_bot_token="123456:tok-en",
        llm_api_key="sk-llm-key",
        database_url="postgresql://u:db-pass-word@db/praktikbot",
    )
    assert set(settings.secrets()) == {"123456:tok-en", "sk-llm-key", "db-pass-word"}
