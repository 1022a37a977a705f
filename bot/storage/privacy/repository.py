"""The SQL read of what points at a person from other people's features, for the export.

`EXPORTED` and `NOT_EXPORTED` name every table with a foreign key to `person.id`; a test
fails when a new one is in neither, so a feature cannot store something about a person that
`/eksport` leaves out without saying why.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from bot.services.identity.domain import Role
from bot.services.privacy.types import (
    AuditRecord,
    Authored,
    LinkRecord,
    PersonalRecords,
    WrittenFeedback,
    WrittenReply,
)
from bot.storage.broadcasts.models import BroadcastRow
from bot.storage.conversations.models import DigestRow
from bot.storage.delivery.models import OutboxRow
from bot.storage.feedback.models import FeedbackNudgeRow, FeedbackRequestRow
from bot.storage.feedback.repository import request
from bot.storage.identity.models import (
    AuditRow,
    CohortRow,
    InviteRow,
    MembershipRow,
    PersonRow,
    SupervisionLinkRow,
)
from bot.storage.identity.repositories import Repo
from bot.storage.knowledge.models import KnowledgeFaqRow, KnowledgeUploadRow
from bot.storage.pulse.models import PulseAskRow
from bot.storage.questions.models import QuestionRow

# Table -> the section of the export (JSON key) that holds what it stores about the person.
EXPORTED = {
    "person": "profile",
    "membership": "memberships",
    "reflection_schedule": "settings",
    "feedback_nudge": "settings",
    "learning_goal": "learning_goals",
    "reflection": "logbook",
    "reflection_share": "logbook",
    "placement_conversation": "conversations",
    "feedback_request": "feedback_about_me, feedback_i_wrote",
    "question": "questions, replies_i_wrote",
    "supervision_link": "supervision_links",
    "pulse_ask": "pulse",
    "supervisor_digest": "digests_received",
    "outbox": "messages_to_me",
    "broadcast": "created_by_me",
    "invite": "created_by_me",
    "knowledge_faq": "created_by_me",
    "knowledge_upload": "created_by_me",
    "audit_log": "audit_about_me",
}
# Table -> why the export leaves it out.
NOT_EXPORTED = {
    "question_forward": (
        "routing only: which chat message carried a question to a coordinator; the question "
        "is exported to the person who asked it, the coordinator's reply under replies_i_wrote"
    ),
}


class SqlPersonalRecordsRepo(Repo):
    """Reads a person's records across the features' tables (read only)."""

    async def read(self, person_id: int) -> PersonalRecords:
        """Return the person's other records (empty ones for an unknown id)."""
        person = await self._s.get(PersonRow, person_id)
        if person is None:
            return PersonalRecords()
        asked, answered = await self._pulse(person_id)
        nudge = await self._s.get(FeedbackNudgeRow, person_id)
        digests = await self._s.scalar(
            select(func.count()).select_from(DigestRow).where(DigestRow.person_id == person_id)
        )
        return PersonalRecords(
            registered_at=person.created_at,
            updated_at=person.updated_at,
            blocked_at=person.blocked_at,
            coordinator_invites_granted=await self._granted(person_id),
            links=await self._links(person_id),
            feedback_written=await self._feedback_written(person_id),
            replies_written=await self._replies(person_id),
            pulse_asked=asked,
            pulse_answered=answered,
            next_feedback_nudge=nudge.next_date if nudge else None,
            digests_received=digests or 0,
            messages=await self._messages(person_id),
            authored=await self._authored(person_id),
            audit=await self._audit(person_id),
        )

    async def _granted(self, person_id: int) -> tuple[str, ...]:
        stmt = (
            select(CohortRow.name)
            .join(MembershipRow, MembershipRow.cohort_id == CohortRow.id)
            .where(
                MembershipRow.person_id == person_id,
                MembershipRow.role == Role.COORDINATOR.value,
                MembershipRow.may_invite_coordinators.is_(True),
            )
            .order_by(CohortRow.name)
        )
        return tuple(await self._s.scalars(stmt))

    async def _links(self, person_id: int) -> tuple[LinkRecord, ...]:
        supervisor, student, link = aliased(PersonRow), aliased(PersonRow), SupervisionLinkRow
        stmt = (
            select(CohortRow.name, supervisor.display_name, student.display_name, link.created_at)
            .select_from(link)
            .join(CohortRow, CohortRow.id == link.cohort_id)
            .join(supervisor, supervisor.id == link.supervisor_id)
            .join(student, student.id == link.student_id)
            .where((link.supervisor_id == person_id) | (link.student_id == person_id))
            .order_by(link.created_at, link.id)
        )
        rows = (await self._s.execute(stmt)).all()
        return tuple(LinkRecord(c, sup, stu, at) for c, sup, stu, at in rows)

    async def _feedback_written(self, person_id: int) -> tuple[WrittenFeedback, ...]:
        r = FeedbackRequestRow
        stmt = (
            select(r, PersonRow.display_name)
            .join(PersonRow, PersonRow.id == r.student_id)
            .where(r.supervisor_id == person_id, r.verbal.is_(False))
            .order_by(r.created_at, r.id)
        )
        rows = (await self._s.execute(stmt)).all()
        return tuple(WrittenFeedback(name, request(row)) for row, name in rows)

    async def _replies(self, person_id: int) -> tuple[WrittenReply, ...]:
        q = QuestionRow
        stmt = (
            select(q.text, q.reply, q.answered_at)
            .where(q.answered_by == person_id, q.reply.is_not(None))
            .order_by(q.answered_at, q.id)
        )
        rows = (await self._s.execute(stmt)).all()
        return tuple(WrittenReply(text, reply or "", at) for text, reply, at in rows)

    async def _pulse(self, person_id: int) -> tuple[int, int]:
        a = PulseAskRow
        stmt = select(func.count(), func.count().filter(a.answered.is_(True))).where(
            a.person_id == person_id
        )
        asked, answered = (await self._s.execute(stmt)).one()
        return int(asked), int(answered)

    async def _messages(self, person_id: int) -> dict[str, int]:
        o = OutboxRow
        stmt = (
            select(o.status, func.count())
            .where(o.person_id == person_id)
            .group_by(o.status)
            .order_by(o.status)
        )
        return {status: int(n) for status, n in (await self._s.execute(stmt)).all()}

    async def _authored(self, person_id: int) -> tuple[Authored, ...]:
        made: list[Authored] = []
        for b in await self._s.scalars(
            select(BroadcastRow).where(BroadcastRow.created_by == person_id)
        ):
            made.append(Authored("broadcast", b.created_at, b.text or "", b.status))
        invites = select(InviteRow, CohortRow.name).join(
            CohortRow, CohortRow.id == InviteRow.cohort_id
        )
        for invite, cohort in await self._s.execute(
            invites.where(InviteRow.created_by == person_id)
        ):
            status = "revoked" if invite.revoked_at else None
            made.append(Authored("invite", invite.created_at, f"{cohort}: {invite.role}", status))
        for faq in await self._s.scalars(
            select(KnowledgeFaqRow).where(KnowledgeFaqRow.created_by == person_id)
        ):
            made.append(Authored("faq", faq.created_at, f"{faq.question}\n{faq.answer}"))
        for upload in await self._s.scalars(
            select(KnowledgeUploadRow).where(KnowledgeUploadRow.person_id == person_id)
        ):
            made.append(Authored("upload", upload.created_at, upload.file_name))
        return tuple(sorted(made, key=lambda a: (a.kind, a.at)))

    async def _audit(self, person_id: int) -> tuple[AuditRecord, ...]:
        stmt = (
            select(AuditRow.at, AuditRow.action)
            .where(AuditRow.target_person_id == person_id)
            .order_by(AuditRow.at, AuditRow.id)
        )
        return tuple(AuditRecord(at, action) for at, action in (await self._s.execute(stmt)).all())
