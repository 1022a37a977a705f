"""SQL adapter of retention and erasure beyond the features' own repositories: what an ended
placement leaves behind, time-limited leftovers, and outbox messages about a person.

Every table that holds a name or personal text has a rule here or in its own repository (the
README's retention table lists them all); a test plants a marker through every feature and
checks that none is left."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Text, cast, delete, exists, select, update

from bot.services.delivery.outbox import OutboxStatus
from bot.storage.base import affected
from bot.storage.broadcasts.models import BroadcastRow
from bot.storage.conversations.models import ConversationRow, DigestRow
from bot.storage.delivery.models import OutboxRow
from bot.storage.feedback.models import FeedbackRequestRow
from bot.storage.identity.models import InviteRow, MembershipRow, PersonRow, SupervisionLinkRow
from bot.storage.identity.repositories import Repo
from bot.storage.knowledge.models import KnowledgeUploadRow
from bot.storage.pulse.models import PulseAskRow
from bot.storage.questions.models import QuestionRow

WAITING = (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)
EMPTY: dict[str, str] = {"text": ""}


class SqlRetentionRepo(Repo):
    """Deletes what has passed its time, and scrubs what names a deleted person."""

    async def purge_cohorts(self, cohort_ids: Sequence[int]) -> int:
        """Delete what the ended cohorts hold about people, then the people left in no
        cohort (their settings, links and the rest go with them); return how many people."""
        if not cohort_ids:
            return 0
        ids = list(cohort_ids)
        await self._purge_broadcasts(set(ids))
        for table in (FeedbackRequestRow, ConversationRow, QuestionRow, PulseAskRow, InviteRow):
            await self._s.execute(delete(table).where(table.cohort_id.in_(ids)))
        members = select(MembershipRow.person_id).where(MembershipRow.cohort_id.in_(ids))
        leaving = list((await self._s.scalars(members.distinct())).all())
        await self._s.execute(delete(MembershipRow).where(MembershipRow.cohort_id.in_(ids)))
        if not leaving:
            return 0
        elsewhere = exists().where(MembershipRow.person_id == PersonRow.id)
        result = await self._s.execute(
            delete(PersonRow).where(PersonRow.id.in_(leaving), ~elsewhere)
        )
        return affected(result)

    async def _purge_broadcasts(self, ended: set[int]) -> None:
        """Delete the broadcasts that went only to ended cohorts (their text and file)."""
        rows = (await self._s.execute(select(BroadcastRow.id, BroadcastRow.cohorts))).all()
        doomed = [i for i, cohorts in rows if cohorts and set(cohorts) <= ended]
        if doomed:
            await self._s.execute(delete(BroadcastRow).where(BroadcastRow.id.in_(doomed)))

    async def purge_older(
        self,
        *,
        anonymous_before: datetime,
        digests_before: datetime,
        uploads_before: datetime,
        payloads_before: datetime,
    ) -> int:
        """Delete anonymous questions, digest records and abandoned uploads older than their
        limits, and empty the payloads of outbox messages finished before `payloads_before`;
        return how many rows changed."""
        changed = 0
        for stmt in (
            delete(QuestionRow).where(
                QuestionRow.person_id.is_(None), QuestionRow.asked_at < anonymous_before
            ),
            delete(DigestRow).where(DigestRow.queued_at < digests_before),
            delete(KnowledgeUploadRow).where(KnowledgeUploadRow.created_at < uploads_before),
            update(OutboxRow)
            .where(
                OutboxRow.status.not_in(WAITING),
                OutboxRow.finished_at < payloads_before,
                cast(OutboxRow.payload, Text) != json.dumps(EMPTY),  # emptied once
            )
            .values(payload=EMPTY, last_error=None),
        ):
            changed += affected(await self._s.execute(stmt))
        return changed

    async def scrub_about(self, person_id: int) -> int:
        """Cancel the waiting messages that carry this person's name or words to someone
        else, and empty every such payload, sent or not; in waiting messages to their
        supervisors that name several students (a conversation reminder), replace the
        name. Return how many messages changed."""
        renamed = await self._unname(person_id)
        about = OutboxRow.about_person_id == person_id
        await self._s.execute(
            update(OutboxRow)
            .where(about, OutboxRow.status.in_(WAITING))
            .values(status=OutboxStatus.CANCELLED.value, last_error="about a deleted person")
        )
        result = await self._s.execute(
            update(OutboxRow).where(about).values(payload=EMPTY, about_person_id=None)
        )
        return affected(result) + renamed

    async def _unname(self, person_id: int) -> int:
        """Replace the person's name in waiting messages to their supervisors that are about
        no one person (they name several); return how many changed."""
        name = await self._s.scalar(
            select(PersonRow.display_name).where(PersonRow.id == person_id)
        )
        if not name:
            return 0
        supervisors = select(SupervisionLinkRow.supervisor_id).where(
            SupervisionLinkRow.student_id == person_id
        )
        rows = await self._s.execute(
            select(OutboxRow.id, OutboxRow.payload).where(
                OutboxRow.person_id.in_(supervisors),
                OutboxRow.status.in_(WAITING),
                OutboxRow.about_person_id.is_(None),
            )
        )
        changed = 0
        for row_id, payload in rows.all():
            text = str((payload or {}).get("text", ""))
            spelled = {name, html.escape(name, quote=False)}
            if not any(form in text for form in spelled):
                continue
            for form in sorted(spelled, key=len, reverse=True):
                text = text.replace(form, "…")
            await self._s.execute(
                update(OutboxRow)
                .where(OutboxRow.id == row_id)
                .values(payload={**payload, "text": text})
            )
            changed += 1
        return changed
