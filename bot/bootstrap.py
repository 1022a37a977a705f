"""The composition root: settings in, a running bot out. Only this module knows every layer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ApplicationBuilder, Defaults

from bot.config import BotMode, Settings
from bot.context import CONTEXT_TYPES, BotApplication, Services
from bot.observability.prometheus import PrometheusTelemetry
from bot.outbox_runner import OutboxRunner, start_dispatcher
from bot.retrieval.health import IndexHealth
from bot.retrieval.library import ManagedLibrary
from bot.retrieval.setup import (
    KnowledgeBase,
    KnowledgeConfig,
    ResilientKnowledge,
    open_knowledge,
)
from bot.scheduler.jobs import schedule_jobs
from bot.services.broadcasts.introductions import IntroductionService
from bot.services.broadcasts.reports import BroadcastReports
from bot.services.broadcasts.service import BroadcastService
from bot.services.conversations.config import ConversationConfig
from bot.services.conversations.service import ConversationService
from bot.services.delivery.watch import OutboxWatch
from bot.services.digest.config import DigestConfig
from bot.services.digest.service import DigestService
from bot.services.feedback.config import FeedbackConfig
from bot.services.feedback.service import FeedbackService
from bot.services.identity.access import AccessService
from bot.services.identity.coordination import CoordinationService
from bot.services.kernel.alerts import AdminAlerts
from bot.services.kernel.clock import SystemClock
from bot.services.kernel.health import HealthService
from bot.services.kernel.heartbeats import Heartbeats
from bot.services.kernel.operations import Operations
from bot.services.kernel.ports import Clock
from bot.services.knowledge.ports import DocumentLibrary
from bot.services.knowledge.service import KnowledgeService
from bot.services.onboarding.enrolment import EnrolmentService
from bot.services.onboarding.reachability import ReachabilityService
from bot.services.privacy.retention import RetentionService
from bot.services.privacy.service import PrivacyService
from bot.services.pulse.config import PulseConfig
from bot.services.pulse.service import PulseService
from bot.services.questions.knowledge import Answerer, SectionReader
from bot.services.questions.measured import MeasuredAnswerer
from bot.services.questions.service import QuestionService
from bot.services.reflection.answering import ReflectionService
from bot.services.reflection.logbook import LogbookService
from bot.services.reflection.prompt_library import PromptLibrary, default_prompts_dir
from bot.services.reflection.prompting import PromptScheduler, ReflectionConfig
from bot.services.reflection.schedules import ScheduleService
from bot.services.reports.service import ReportService
from bot.startup import open_database, telegram_down, until_up
from bot.storage import migrate
from bot.storage.db import DatabaseHealth, create_engine, session_factory
from bot.storage.delivery.backlog import SqlBacklogReader
from bot.storage.delivery.outbox import SqlOutboxStore
from bot.storage.uow import SqlUnitOfWorkFactory
from bot.tg.broadcasts.report_job import schedule_reports
from bot.tg.kit.alerts import BotAlertChannel
from bot.tg.kit.commands import set_default_menus
from bot.tg.kit.concurrency import PerChatUpdateProcessor
from bot.tg.kit.measured import MeasuredUpdateProcessor
from bot.tg.routing import register_all
from bot.web.app import build_web_app

log = logging.getLogger(__name__)
# How long start-up waits for the knowledge base before it starts without search (a slow
# first ingestion, or a Chroma server that does not answer); the attempt goes on meanwhile.
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,  # blocking and unblocking the bot
]


@dataclass(slots=True)
class Runtime:
    """A started bot: what `stop_bot` needs to shut it down in order."""

    settings: Settings
    engine: AsyncEngine
    services: Services
    application: BotApplication
    knowledge: ResilientKnowledge
    web_runner: web.AppRunner | None = None
    outbox: OutboxRunner | None = None


def knowledge_config(settings: Settings) -> KnowledgeConfig:
    """Return the knowledge base's part of the settings."""

    def secret(value: SecretStr | None) -> str | None:
        return value.get_secret_value() if value else None

    return KnowledgeConfig(
        knowledge_dir=settings.knowledge_dir,
        chroma_dir=settings.resolved_chroma_dir,
        chroma_url=settings.chroma_url,
        embeddings=settings.embeddings,
        embeddings_base_url=settings.embeddings_base_url,
        embeddings_api_key=secret(settings.embeddings_api_key),
        llm_provider=settings.llm_provider,
        llm_model=settings.llm_model,
        llm_base_url=settings.llm_base_url,
        llm_api_key=secret(settings.llm_api_key),
        llm_timeout=settings.llm_timeout,
        managed_dir=settings.managed_knowledge_dir,
    )


def document_library(knowledge: KnowledgeBase | ResilientKnowledge) -> DocumentLibrary | None:
    """Return the library coordinators add documents to (None: no managed folder)."""
    return ManagedLibrary(knowledge) if knowledge.config.managed_dir is not None else None


def knowledge_opener(settings: Settings) -> Callable[[], KnowledgeBase]:
    """Return what opens the knowledge base (blocking), ingesting first when configured."""

    def open_and_ingest() -> KnowledgeBase:
        knowledge = open_knowledge(knowledge_config(settings))
        if settings.ingest_on_start:
            report = knowledge.ingest()
            log.info(
                "knowledge: %s chunks from %s files (%s embedded, %s removed)",
                report.chunks,
                report.files,
                report.added,
                report.deleted,
            )
        return knowledge

    return open_and_ingest


async def load_knowledge(settings: Settings, *, wait: float | None = None) -> ResilientKnowledge:
    """Try to open the knowledge base off the event loop, waiting at most `wait` seconds; a
    failure (or a slow attempt) leaves it unavailable, retried by the knowledge-sync job."""
    wait = settings.knowledge_wait_seconds if wait is None else wait
    knowledge = ResilientKnowledge(
        knowledge_config(settings),
        knowledge_opener(settings),
        retry_seconds=settings.knowledge_sync_seconds,
    )
    attempt = asyncio.ensure_future(asyncio.to_thread(knowledge.try_open))
    done, _pending = await asyncio.wait({attempt}, timeout=wait)
    if not done:
        log.warning("knowledge: still opening after %.0f s; starting without search", wait)
    return knowledge


def load_prompts(settings: Settings) -> PromptLibrary:
    """Load the reflection prompt library (the bundled one when the folder is missing)."""
    folder = settings.resolved_prompts_dir
    if not folder.is_dir():
        log.warning("no prompt library at %s; using the bundled one", folder)
        folder = default_prompts_dir()
    return PromptLibrary.load(folder)


def reflection_config(settings: Settings) -> ReflectionConfig:
    """Return the reflection part of the settings."""
    return ReflectionConfig(
        expiry=timedelta(hours=settings.reflection_expiry_hours),
        grace=timedelta(minutes=settings.reflection_grace_minutes),
        snooze=timedelta(minutes=settings.reflection_snooze_minutes),
        repeat_days=settings.prompt_repeat_days,
    )


def feedback_config(settings: Settings) -> FeedbackConfig:
    """Return the feedback part of the settings."""
    return FeedbackConfig(
        nudges_per_week=settings.feedback_nudges_per_week,
        reminder=timedelta(days=settings.feedback_reminder_days),
        expiry=timedelta(days=settings.feedback_expiry_days),
    )


def build_operations(settings: Settings, clock: Clock) -> Operations:
    """Return this process's telemetry (Prometheus), heartbeats and admin alerts (their
    channel is attached once the bot exists)."""
    return Operations(
        telemetry=PrometheusTelemetry(),
        heartbeats=Heartbeats(clock, timedelta(seconds=settings.health_stale_seconds)),
        alerts=AdminAlerts(
            None,
            clock,
            settings.admin_telegram_ids,
            every=timedelta(minutes=settings.alert_repeat_minutes),
            language=settings.default_language,
        ),
        outbox_stuck_after=timedelta(minutes=settings.outbox_stuck_minutes),
    )


def build_services(
    settings: Settings,
    engine: AsyncEngine,
    clock: Clock | None = None,
    answerer: Answerer | None = None,
    library: DocumentLibrary | None = None,
    sections: SectionReader | None = None,
    index: ResilientKnowledge | None = None,
) -> Services:
    """Wire the services to their SQL adapters and the knowledge base (`index`: its health
    is reported, as degraded while it is down)."""
    clock = clock or SystemClock()
    operations = build_operations(settings, clock)
    if answerer is not None:
        answerer = MeasuredAnswerer(answerer, operations.telemetry)
    uow = SqlUnitOfWorkFactory(session_factory(engine))
    outbox = SqlOutboxStore(engine)
    zone, days = settings.timezone, settings.preboarding_days
    introductions = IntroductionService(uow, outbox, clock, timezone=zone, preboarding_days=days)
    schedules = ScheduleService(uow, clock)
    prompts, config = load_prompts(settings), reflection_config(settings)
    return Services(
        enrolment=EnrolmentService(
            uow,
            clock,
            default_timezone=settings.timezone,
            introductions=introductions,
        ),
        reachability=ReachabilityService(uow, outbox, clock),
        access=AccessService(uow, settings.admin_telegram_ids),
        coordination=CoordinationService(uow, outbox, clock, invite_days=settings.invite_days),
        privacy=PrivacyService(uow, clock),
        health=HealthService(
            {"database": DatabaseHealth(engine)},
            optional={"index": IndexHealth(index)} if index is not None else None,
            heartbeats=operations.heartbeats,
        ),
        questions=QuestionService(
            uow, outbox, clock, answerer, settings.admin_telegram_ids, sections=sections
        ),
        broadcasts=BroadcastService(uow, outbox, clock, settings.broadcast_dir),
        broadcast_reports=BroadcastReports(uow, outbox, clock, settings.default_language),
        introductions=introductions,
        schedules=schedules,
        prompting=PromptScheduler(uow, outbox, clock, prompts, config),
        reflections=ReflectionService(uow, outbox, clock, prompts, config),
        logbook=LogbookService(uow, outbox, clock),
        retention=RetentionService(
            uow,
            outbox,
            clock,
            retention_days=settings.retention_days,
            reminder_days=settings.retention_reminder_days,
            payload_days=settings.outbox_payload_days,
            timezone=settings.timezone,
        ),
        reports=ReportService(uow, clock),
        feedback=FeedbackService(uow, outbox, clock, feedback_config(settings)),
        conversations=ConversationService(
            uow, outbox, clock, ConversationConfig(settings.conversation_reminder_days)
        ),
        digest=DigestService(
            uow, outbox, clock, DigestConfig(settings.digest_weekday, settings.digest_hour)
        ),
        pulse=PulseService(
            uow, outbox, clock, PulseConfig(settings.pulse_weekday, settings.pulse_hour)
        ),
        knowledge=KnowledgeService(
            uow, outbox, clock, library, settings.admin_telegram_ids, settings.timezone
        ),
        answerer=answerer,
        default_language=settings.default_language,
        timezone=settings.timezone,
        operations=operations,
        outbox_watch=OutboxWatch(SqlBacklogReader(engine), clock, operations),
    )


def build_application(
    settings: Settings, services: Services, *, rate_limit: bool = True
) -> BotApplication:
    """Build the PTB Application against the configured Bot API server.

    `rate_limit=False` drops the client-side pacing; only benchmarks measuring the bot's
    own overhead use it.
    """
    token = settings.token
    if token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base = settings.telegram_api_base_url
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .context_types(CONTEXT_TYPES)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=ZoneInfo(settings.timezone)))
        .concurrent_updates(
            MeasuredUpdateProcessor(
                PerChatUpdateProcessor(settings.update_concurrency), services.operations.telemetry
            )
        )
        .connect_timeout(10)
        .read_timeout(15)
        .write_timeout(30)
        .get_updates_read_timeout(45)
    )
    if rate_limit:
        # PTB types the limiter by the bot's generic, which ApplicationBuilder() fixes at
        # ExtBot[None]; the limiter works for any bot.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))  # type: ignore[arg-type]
    if settings.bot_mode is BotMode.WEBHOOK:
        builder = builder.updater(None)
    application: BotApplication = builder.build()
    application.bot_data.services = services
    register_all(application)
    schedule_reports(application, settings.broadcast_report_seconds)
    schedule_jobs(
        application,
        prompt_seconds=settings.reflection_tick_seconds,
        feedback_seconds=settings.feedback_tick_seconds,
        knowledge_seconds=settings.knowledge_sync_seconds,
        watch_seconds=settings.outbox_watch_seconds,
    )
    services.operations.alerts.attach(BotAlertChannel(application.bot))
    return application


async def start_bot(
    settings: Settings,
    *,
    clock: Clock | None = None,
    poll_timeout: int = 30,
    rate_limit: bool = True,
    knowledge: KnowledgeBase | ResilientKnowledge | None = None,
) -> Runtime:
    """Migrate the database, then start the bot (polling or webhook) and the web app.

    `knowledge`: an open knowledge base to use instead of opening (and maybe ingesting) the
    configured one; tests share one across many short-lived bots.
    """
    engine = await open_database(settings.resolved_database_url)
    live = (
        ResilientKnowledge.ready(knowledge)
        if isinstance(knowledge, KnowledgeBase)
        else knowledge or await load_knowledge(settings)
    )
    services = build_services(
        settings, engine, clock, live, document_library(live), sections=live, index=live
    )
    application = build_application(settings, services, rate_limit=rate_limit)
    runtime = Runtime(settings, engine, services, application, live)
    await until_up("Telegram (getMe)", application.initialize, telegram_down)
    try:
        await set_default_menus(
            application.bot, application.bot_data.menu, settings.default_language
        )
    except TelegramError as exc:  # menus are a convenience; the bot works without them
        log.warning("could not set the command menus: %s", type(exc).__name__)
    await application.start()
    if settings.bot_mode is BotMode.WEBHOOK:
        await until_up(
            "Telegram (setWebhook)", lambda: _set_webhook(application.bot, settings), telegram_down
        )
    else:
        updater = application.updater
        assert updater is not None
        await until_up(
            "Telegram (deleteWebhook)",
            lambda: updater.start_polling(
                poll_interval=0.0, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
            ),
            telegram_down,
        )
    runtime.web_runner = await _start_web(settings, services, application)
    if settings.outbox_dispatcher:
        runtime.outbox = await start_dispatcher(settings, engine, clock, services.operations)
    log.info("Praktikbot is running as @%s (%s)", application.bot.username, settings.bot_mode)
    return runtime


async def stop_bot(runtime: Runtime) -> None:
    """Stop receiving, finish what is in flight, and close every connection."""
    if runtime.web_runner is not None:
        await runtime.web_runner.cleanup()
    if runtime.outbox is not None:
        await runtime.outbox.stop()
    application = runtime.application
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    await runtime.engine.dispose()


async def _set_webhook(bot: Bot, settings: Settings) -> None:
    assert settings.webhook_url
    assert settings.webhook_secret
    await bot.set_webhook(
        settings.webhook_url,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=ALLOWED_UPDATES,
        max_connections=40,
    )


async def _start_web(
    settings: Settings, services: Services, application: BotApplication
) -> web.AppRunner | None:
    if settings.web_port == 0:
        return None

    async def sink(payload: dict[str, Any]) -> None:
        await application.update_queue.put(Update.de_json(payload, application.bot))

    webhook = settings.bot_mode is BotMode.WEBHOOK
    app = build_web_app(
        services.health,
        webhook_path=settings.webhook_path if webhook else None,
        secret=settings.webhook_secret.get_secret_value()
        if webhook and settings.webhook_secret
        else None,
        sink=sink if webhook else None,
        metrics=services.operations.telemetry
        if isinstance(services.operations.telemetry, PrometheusTelemetry)
        else None,
        metrics_token=settings.metrics_token.get_secret_value()
        if settings.metrics_token
        else None,
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    return runner


@asynccontextmanager
async def open_services(
    settings: Settings, clock: Clock | None = None, knowledge: KnowledgeBase | None = None
) -> AsyncIterator[Services]:
    """Yield migrated, wired services without Telegram (for the CLI and benchmarks); with
    `knowledge`, coordinators' documents can be added to it."""
    engine = create_engine(settings.resolved_database_url)
    try:
        await migrate.upgrade(engine)
        answerer = knowledge.answerer if knowledge else None
        library = document_library(knowledge) if knowledge else None
        yield build_services(settings, engine, clock, answerer, library)
    finally:
        await engine.dispose()


async def resolve_bot_username(settings: Settings) -> str:
    """Return the bot's username from settings, or ask the Bot API (getMe)."""
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@")
    token = settings.token
    if token is None:
        raise ValueError("set TELEGRAM_BOT_USERNAME (or TELEGRAM_BOT_TOKEN) to build invite links")
    base = settings.telegram_api_base_url
    try:
        async with Bot(token, base_url=f"{base}/bot") as bot:
            return bot.username
    except TelegramError as exc:
        raise ValueError(
            f"could not ask Telegram for the bot's username ({type(exc).__name__}); "
            "set TELEGRAM_BOT_USERNAME"
        ) from exc
