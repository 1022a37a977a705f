"""Checked by mypy in `make check` and `make test`, never run: the in-memory fakes and the
SQL unit of work satisfy every domain's unit-of-work port, so a port that gains a repository
or a method fails the type check until both adapters have it."""

from __future__ import annotations

from bot.services.broadcasts.ports import BroadcastsUnitOfWork
from bot.services.conversations.ports import ConversationsUnitOfWork
from bot.services.digest.ports import DigestUnitOfWork
from bot.services.feedback.ports import FeedbackUnitOfWork
from bot.services.identity.ports import IdentityUnitOfWork, NoticeUnitOfWork
from bot.services.kernel.ports import UnitOfWorkFactory
from bot.services.knowledge.ports import DocumentLibrary, KnowledgeUnitOfWork
from bot.services.onboarding.ports import OnboardingUnitOfWork
from bot.services.privacy.ports import PrivacyUnitOfWork
from bot.services.pulse.ports import PulseUnitOfWork
from bot.services.questions.ports import QuestionsUnitOfWork
from bot.services.reflection.ports import ReflectionUnitOfWork
from bot.services.reports.ports import ReportsUnitOfWork
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.unit.fakes import FakeUowFactory
from tests.unit.fakes_knowledge import FakeLibrary


def every_port(
    factory: FakeUowFactory | SqlUnitOfWorkFactory,
) -> list[object]:
    """Return the factory as each domain's port (the assignments are what mypy checks)."""
    identity: UnitOfWorkFactory[IdentityUnitOfWork] = factory
    notice: UnitOfWorkFactory[NoticeUnitOfWork] = factory
    questions: UnitOfWorkFactory[QuestionsUnitOfWork] = factory
    broadcasts: UnitOfWorkFactory[BroadcastsUnitOfWork] = factory
    reflection: UnitOfWorkFactory[ReflectionUnitOfWork] = factory
    feedback: UnitOfWorkFactory[FeedbackUnitOfWork] = factory
    conversations: UnitOfWorkFactory[ConversationsUnitOfWork] = factory
    pulse: UnitOfWorkFactory[PulseUnitOfWork] = factory
    reports: UnitOfWorkFactory[ReportsUnitOfWork] = factory
    onboarding: UnitOfWorkFactory[OnboardingUnitOfWork] = factory
    privacy: UnitOfWorkFactory[PrivacyUnitOfWork] = factory
    digest: UnitOfWorkFactory[DigestUnitOfWork] = factory
    knowledge: UnitOfWorkFactory[KnowledgeUnitOfWork] = factory
    return [
        identity,
        notice,
        questions,
        broadcasts,
        reflection,
        feedback,
        conversations,
        pulse,
        reports,
        onboarding,
        privacy,
        digest,
        knowledge,
    ]


def every_library(fake: FakeLibrary) -> DocumentLibrary:
    """Return the fake library as the port (the managed library is held to it in bootstrap)."""
    return fake
