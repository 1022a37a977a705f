"""Typed PTB context: handlers reach the services through `context.services`."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.services.access import AccessService
from bot.services.broadcast_reports import BroadcastReports
from bot.services.broadcasts import BroadcastService
from bot.services.conversations import ConversationService
from bot.services.coordination import CoordinationService
from bot.services.digest import DigestService
from bot.services.enrolment import EnrolmentService
from bot.services.feedback import FeedbackService
from bot.services.health import HealthService
from bot.services.introductions import IntroductionService
from bot.services.knowledge import Answerer
from bot.services.logbook import LogbookService
from bot.services.privacy import PrivacyService
from bot.services.prompting import PromptScheduler
from bot.services.pulse import PulseService
from bot.services.questions import QuestionService
from bot.services.reflections import ReflectionService
from bot.services.reports import ReportService
from bot.services.retention import RetentionService
from bot.services.schedules import ScheduleService


@dataclass(slots=True)
class Services:
    """Everything a handler may call, built once by bootstrap."""

    enrolment: EnrolmentService
    access: AccessService
    coordination: CoordinationService
    privacy: PrivacyService
    health: HealthService
    questions: QuestionService
    broadcasts: BroadcastService
    broadcast_reports: BroadcastReports
    introductions: IntroductionService
    schedules: ScheduleService
    prompting: PromptScheduler
    reflections: ReflectionService
    logbook: LogbookService
    retention: RetentionService
    reports: ReportService
    feedback: FeedbackService
    conversations: ConversationService
    digest: DigestService
    pulse: PulseService
    default_language: str
    timezone: str
    answerer: Answerer | None = None


class BotData:
    """Application-wide data: only the services, since all state lives in SQL."""

    def __init__(self) -> None:
        self.services: Services | None = None


class BotContext(CallbackContext[ExtBot[None], dict, dict, BotData]):
    """Callback context with typed access to the services."""

    @property
    def services(self) -> Services:
        """Return the services installed by bootstrap."""
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services were not installed on the application")
        return services


CONTEXT_TYPES = ContextTypes(context=BotContext, bot_data=BotData)
BotApplication = Application[ExtBot[None], BotContext, dict, dict, BotData, None]
