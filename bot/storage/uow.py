"""The SQL unit of work: one session, one transaction, every repository."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.broadcasts.repository import SqlBroadcastRepo
from bot.storage.conversations.repository import SqlConversationRepo, SqlDigestRepo
from bot.storage.feedback.repository import SqlFeedbackRepo
from bot.storage.identity.access import SqlAuditRepo, SqlInviteRepo, SqlLinkRepo
from bot.storage.identity.repositories import (
    SqlCohortRepo,
    SqlMembershipRepo,
    SqlOrganisationRepo,
    SqlPersonRepo,
)
from bot.storage.knowledge.repository import SqlFaqRepo, SqlUploadRepo
from bot.storage.privacy.repository import SqlPersonalRecordsRepo
from bot.storage.privacy.retention import SqlRetentionRepo
from bot.storage.pulse.repository import SqlPulseRepo
from bot.storage.questions.repository import SqlQuestionRepo
from bot.storage.reflection.repository import SqlGoalRepo, SqlReflectionRepo
from bot.storage.reflection.schedules import SqlScheduleRepo
from bot.storage.reports.repository import SqlReportRepo


class SqlUnitOfWork:
    """Unit of work over an AsyncSession; uncommitted work is rolled back on exit."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        """Open a session and bind the repositories to it."""
        session = self._session = self._sessions()
        self.organisations = SqlOrganisationRepo(session)
        self.cohorts = SqlCohortRepo(session)
        self.people = SqlPersonRepo(session)
        self.memberships = SqlMembershipRepo(session)
        self.invites = SqlInviteRepo(session)
        self.links = SqlLinkRepo(session)
        self.audit = SqlAuditRepo(session)
        self.questions = SqlQuestionRepo(session)
        self.broadcasts = SqlBroadcastRepo(session)
        self.schedules = SqlScheduleRepo(session)
        self.reflections = SqlReflectionRepo(session)
        self.goals = SqlGoalRepo(session)
        self.reports = SqlReportRepo(session)
        self.feedback = SqlFeedbackRepo(session)
        self.conversations = SqlConversationRepo(session)
        self.digests = SqlDigestRepo(session)
        self.pulse = SqlPulseRepo(session)
        self.uploads = SqlUploadRepo(session)
        self.faqs = SqlFaqRepo(session)
        self.records = SqlPersonalRecordsRepo(session)
        self.retention = SqlRetentionRepo(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back what was not committed and close the session."""
        assert self._session is not None
        await self._session.rollback()
        await self._session.close()
        self._session = None

    async def commit(self) -> None:
        """Commit the transaction."""
        assert self._session is not None
        await self._session.commit()


class SqlUnitOfWorkFactory:
    """Creates SQL units of work from one session factory."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def __call__(self) -> SqlUnitOfWork:
        """Return a new unit of work."""
        return SqlUnitOfWork(self._sessions)
