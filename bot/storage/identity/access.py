"""SQL repositories for invites, supervision links and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.services.identity.domain import (
    AuditEntry,
    Invite,
    Role,
    SupervisionLink,
)
from bot.storage.base import affected
from bot.storage.identity import convert
from bot.storage.identity.models import AuditRow, InviteRow, SupervisionLinkRow
from bot.storage.identity.repositories import Repo
from bot.storage.reflection.models import ReflectionRow, ReflectionShareRow


class SqlInviteRepo(Repo):
    """Invite codes."""

    async def add(
        self,
        code: str,
        cohort_id: int,
        role: Role,
        expires_at: datetime | None,
        max_uses: int | None,
        created_by: int | None,
    ) -> Invite:
        """Store a new invite code."""
        row = InviteRow(
            code=code,
            cohort_id=cohort_id,
            role=role.value,
            expires_at=expires_at,
            max_uses=max_uses,
            created_by=created_by,
        )
        self._s.add(row)
        await self._s.flush()
        return convert.invite(row)

    async def by_code(self, code: str) -> Invite | None:
        """Return the invite with this code."""
        row = await self._s.scalar(select(InviteRow).where(InviteRow.code == code))
        return convert.invite(row) if row else None

    async def consume(self, invite_id: int, now: datetime) -> bool:
        """Count one use in a single conditional UPDATE, so concurrent uses cannot overrun."""
        stmt = (
            update(InviteRow)
            .where(
                InviteRow.id == invite_id,
                InviteRow.revoked_at.is_(None),
                or_(InviteRow.expires_at.is_(None), InviteRow.expires_at > now),
                or_(InviteRow.max_uses.is_(None), InviteRow.uses < InviteRow.max_uses),
            )
            .values(uses=InviteRow.uses + 1)
            .execution_options(synchronize_session=False)
        )
        result = await self._s.execute(stmt)
        return affected(result) == 1

    async def revoke(self, invite_id: int, now: datetime) -> None:
        """Revoke an invite."""
        await self._s.execute(
            update(InviteRow).where(InviteRow.id == invite_id).values(revoked_at=now)
        )

    async def for_cohort(self, cohort_id: int) -> Sequence[Invite]:
        """Return a cohort's invites, newest first."""
        query = select(InviteRow).where(InviteRow.cohort_id == cohort_id)
        return [
            convert.invite(r) for r in await self._s.scalars(query.order_by(InviteRow.id.desc()))
        ]


class SqlLinkRepo(Repo):
    """Supervisor-student links."""

    async def add(self, link: SupervisionLink, created_by: int | None) -> bool:
        """Store a link; False when it already existed."""
        exists = await self._s.scalar(
            select(SupervisionLinkRow.id).where(
                SupervisionLinkRow.cohort_id == link.cohort_id,
                SupervisionLinkRow.supervisor_id == link.supervisor_id,
                SupervisionLinkRow.student_id == link.student_id,
            )
        )
        if exists is not None:
            return False
        try:
            async with self._s.begin_nested():
                self._s.add(
                    SupervisionLinkRow(
                        cohort_id=link.cohort_id,
                        supervisor_id=link.supervisor_id,
                        student_id=link.student_id,
                        created_by=created_by,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def remove(self, link: SupervisionLink) -> bool:
        """Remove a link; the student's shares with that supervisor go with the last link
        between them."""
        L = SupervisionLinkRow  # noqa: N806
        pair = (L.supervisor_id == link.supervisor_id, L.student_id == link.student_id)
        result = await self._s.execute(delete(L).where(L.cohort_id == link.cohort_id, *pair))
        if not affected(result):
            return False
        if await self._s.scalar(select(L.id).where(*pair).limit(1)) is None:
            theirs = select(ReflectionRow.id).where(ReflectionRow.person_id == link.student_id)
            await self._s.execute(
                delete(ReflectionShareRow).where(
                    ReflectionShareRow.supervisor_id == link.supervisor_id,
                    ReflectionShareRow.reflection_id.in_(theirs),
                )
            )
        return True

    async def supervisors_of(self, student_id: int) -> Sequence[SupervisionLink]:
        """Return the links where this person is the student."""
        query = select(SupervisionLinkRow).where(SupervisionLinkRow.student_id == student_id)
        return [convert.link(r) for r in await self._s.scalars(query)]

    async def students_of(self, supervisor_id: int) -> Sequence[SupervisionLink]:
        """Return the links where this person is the supervisor."""
        query = select(SupervisionLinkRow).where(SupervisionLinkRow.supervisor_id == supervisor_id)
        return [convert.link(r) for r in await self._s.scalars(query)]


class SqlAuditRepo(Repo):
    """Audit log."""

    async def record(self, entry: AuditEntry) -> None:
        """Append an entry."""
        self._s.add(
            AuditRow(
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                cohort_id=entry.cohort_id,
                target_person_id=entry.target_person_id,
                details=dict(entry.details),
            )
        )
        await self._s.flush()

    async def recent(self, limit: int = 50) -> Sequence[AuditEntry]:
        """Return the newest entries first."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        return [convert.audit(r) for r in await self._s.scalars(query)]
