"""Typed PTB context: handlers reach the services through `context.services`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.services.broadcasts.introductions import IntroductionService
from bot.services.broadcasts.reports import BroadcastReports
from bot.services.broadcasts.service import BroadcastService
from bot.services.conversations.service import ConversationService
from bot.services.delivery.watch import OutboxWatch
from bot.services.digest.service import DigestService
from bot.services.feedback.service import FeedbackService
from bot.services.identity.access import AccessService
from bot.services.identity.awaiting import Awaiting, AwaitKind
from bot.services.identity.coordination import CoordinationService
from bot.services.kernel.health import HealthService
from bot.services.kernel.operations import Operations
from bot.services.knowledge.service import KnowledgeService
from bot.services.onboarding.enrolment import EnrolmentService
from bot.services.onboarding.reachability import ReachabilityService
from bot.services.privacy.retention import RetentionService
from bot.services.privacy.service import PrivacyService
from bot.services.pulse.service import PulseService
from bot.services.questions.knowledge import Answerer
from bot.services.questions.service import QuestionService
from bot.services.reflection.answering import ReflectionService
from bot.services.reflection.logbook import LogbookService
from bot.services.reflection.prompting import PromptScheduler
from bot.services.reflection.schedules import ScheduleService
from bot.services.reports.service import ReportService


@dataclass(slots=True)
class Services:
    """Everything a handler may call, built once by bootstrap."""

    enrolment: EnrolmentService
    reachability: ReachabilityService
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
    knowledge: KnowledgeService
    default_language: str
    timezone: str
    answerer: Answerer | None = None
    operations: Operations = field(default_factory=Operations)
    outbox_watch: OutboxWatch | None = None


TextReceiver = Callable[[Update, "BotContext", Awaiting, str], Awaitable[None]]
MediaReceiver = Callable[[Update, "BotContext", Awaiting], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Receiver:
    """What takes the awaited text (and, when given, a photo or document) of one kind.

    Attributes:
        text: Takes the text.
        media: Takes a photo or document; without it the person is told only text is read.
        after_replies: A Telegram reply to a forwarded question goes to that question first
            (writing feedback, a plan or a goal does not stop a coordinator answering).
    """

    text: TextReceiver
    media: MediaReceiver | None = None
    after_replies: bool = False


class AwaitedRegistry:
    """The receivers of awaited text, one per kind (the tg domains register them)."""

    def __init__(self) -> None:
        self._receivers: dict[AwaitKind, Receiver] = {}

    def register(self, kind: AwaitKind, receiver: Receiver) -> None:
        """Make receiver take the text of a kind (registering again replaces it)."""
        self._receivers[kind] = receiver

    def receiver(self, awaiting: Awaiting | None) -> Receiver | None:
        """Return the receiver of what is awaited, or None when nothing (known) is."""
        return self._receivers.get(awaiting.kind) if awaiting is not None else None


class Audience(StrEnum):
    """Who sees a command in their menu and /help, in the order the groups are listed."""

    NEWCOMER = "newcomer"  # has not joined yet
    EVERYONE = "everyone"
    MEMBER = "member"  # has joined, whatever the role
    STUDENT = "student"
    SUPERVISOR = "supervisor"
    COORDINATOR = "coordinator"


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """One command in the menu: `description` is a gettext message id; `rank` orders the
    commands within their audience."""

    command: str
    description: str
    audience: Audience
    rank: int


class CommandMenu:
    """The commands of the menus and /help; each tg domain adds its own in `register(app)`."""

    def __init__(self) -> None:
        self._entries: dict[tuple[Audience, str], MenuEntry] = {}

    def add(self, entry: MenuEntry) -> None:
        """Add a command (adding the same command for the same audience again replaces it)."""
        self._entries[(entry.audience, entry.command)] = entry

    def commands(self, audiences: Sequence[Audience]) -> list[tuple[str, str]]:
        """Return (command, description) for these audiences, grouped in Audience order; a
        command in several groups comes once, with its first description."""
        order = {audience: index for index, audience in enumerate(Audience)}
        chosen = sorted(
            (e for e in self._entries.values() if e.audience in audiences),
            key=lambda e: (order[e.audience], e.rank),
        )
        first: dict[str, tuple[str, str]] = {}
        for entry in chosen:
            first.setdefault(entry.command, (entry.command, entry.description))
        return list(first.values())


class BotData:
    """Application-wide data: the services (all state lives in SQL), and what the handler
    modules register: who takes awaited text, and the commands of the menus."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.awaited = AwaitedRegistry()
        self.menu = CommandMenu()


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
# The job queue's own context type is PTB's default; jobs receive a BotContext all the same.
BotApplication = Application[ExtBot[None], BotContext, dict, dict, BotData, JobQueue[Any]]
