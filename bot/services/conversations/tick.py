"""The conversation tick: computes every student's conversations, reminds students and their
supervisors beforehand, and asks the student for the agreed plan afterwards.

No message is sent twice and none is lost across overlapping ticks, crashes and restarts:

- Conversations are unique per student, cohort and kind in SQL; missing ones are inserted with
  ON CONFLICT DO NOTHING, so a student who joins later gets theirs on the next tick.
- Reminders are claimed first, a cohort at a time: a conditional UPDATE writes a claim token
  (the tick's time plus a random fraction of a millisecond) into `reminded_at`. The messages of one claim, keyed by
  conversation (students) and by supervisor and token (one message per supervisor for all
  their students with the same conversation), are queued, then `remind_at` is cleared. A tick
  that finds a claim not cleared queues it again under the same keys, which the outbox skips.
- Questions about the plan are queued with the moment in their key, then cleared with a
  compare-and-set, like the daily prompts.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.services.conversations.config import ConversationConfig
from bot.services.conversations.messages import (
    plan_question,
    student_reminder,
    supervisor_reminder,
)
from bot.services.conversations.ports import ConversationsUnitOfWork
from bot.services.conversations.rules import (
    FOLLOWUP_GRACE,
    day_end,
    is_late,
    plan_conversations,
)
from bot.services.conversations.types import DueConversation, Kind, LinkedSupervisor, Quiet
from bot.services.delivery.outbox import OutboxStore, OutgoingMessage
from bot.services.delivery.quiet_hours import DEFAULT_QUIET, deliver_at
from bot.services.identity.domain import Person
from bot.services.kernel.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)
BATCH = 500
CLAIM = 2000  # reminders are claimed a cohort at a time; this caps a giant cohort's claim
MAX_BATCHES = 100
ORIGIN = "conversation"


class ConversationTick:
    """One pass over what is due about placement conversations."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[ConversationsUnitOfWork],
        outbox: OutboxStore,
        clock: Clock,
        config: ConversationConfig,
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock
        self._config = config

    async def run(self) -> int:
        """Plan missing conversations, queue due reminders and questions; return how many."""
        now = self._clock.now()
        planned = await self.plan(now)
        queued = await self._reminders(now) + await self._followups(now)
        async with self._uow() as uow:
            if await uow.conversations.forget_orphan_plans():
                await uow.commit()
        if planned or queued:
            log.info("conversations: %s planned, %s messages queued", planned, queued)
        return queued

    async def plan(self, now: datetime, student_id: int | None = None) -> int:
        """Insert the conversations of students (or of one student) who have none yet."""
        planned = 0
        # A day's margin: a cohort that ended "yesterday" in UTC may still run somewhere.
        today = now.date() - timedelta(days=1)
        for _ in range(MAX_BATCHES):
            async with self._uow() as uow:
                missing = await uow.conversations.unplanned(today, BATCH, student_id)
                days = self._config.reminder_days
                rows = [row for item in missing for row in plan_conversations(item, days, now)]
                await uow.conversations.add_many(rows)
                await uow.commit()
            planned += len(rows)
            if len(missing) < BATCH:
                break
        return planned

    async def _reminders(self, now: datetime) -> int:
        """Finish unfinished claims, then claim due reminders batch by batch."""
        queued = 0
        for _ in range(MAX_BATCHES):
            async with self._uow() as uow:
                claimed = await uow.conversations.claimed_reminders(now)
            if claimed:
                queued += await self._remind(claimed, now)
                continue
            token = now + timedelta(microseconds=1 + secrets.randbelow(999))
            async with self._uow() as uow:
                count = await uow.conversations.claim_reminders(now, token, CLAIM)
                await uow.commit()
            if not count:
                break
        return queued

    async def _remind(self, claimed: Sequence[DueConversation], now: datetime) -> int:
        """Queue one claim's reminders to students and supervisors, then clear the claim."""
        token = claimed[0].conversation.reminded_at
        assert token is not None
        live = [
            item
            for item in claimed
            if not is_late(item.conversation.due_on, item.student.timezone, now)
        ]
        async with self._uow() as uow:
            pairs = list({(i.student.id, i.conversation.cohort_id) for i in live})
            supervisors = await uow.conversations.supervisors(pairs)
        messages = [self._student_message(item, now) for item in live if item.student.active]
        messages += self._supervisor_messages(live, supervisors, token, now)
        added = await self._outbox.enqueue(messages) if messages else 0
        async with self._uow() as uow:
            await uow.conversations.finish_reminders([i.conversation.id for i in claimed], token)
            await uow.commit()
        return added

    def _student_message(self, item: DueConversation, now: datetime) -> OutgoingMessage:
        """Return a student's reminder, keyed once per conversation."""
        conversation, student = item.conversation, item.student
        return OutgoingMessage(
            chat_id=student.telegram_id,
            payload=student_reminder(conversation.kind, conversation.due_on, student.language),
            origin=ORIGIN,
            not_before=_when(now, student, item.quiet),
            person_id=student.id,
            dedupe_key=f"cv:remind:{conversation.id}",
            useful_until=day_end(conversation.due_on, student.timezone),
        )

    def _supervisor_messages(
        self,
        live: Sequence[DueConversation],
        supervisors: Sequence[LinkedSupervisor],
        token: datetime,
        now: datetime,
    ) -> list[OutgoingMessage]:
        """Return one reminder per supervisor and conversation date, naming their students."""
        by_pair: dict[tuple[int, int], list[DueConversation]] = defaultdict(list)
        for item in live:
            by_pair[(item.student.id, item.conversation.cohort_id)].append(item)
        groups: dict[tuple[int, int, Kind, date], list[str]] = defaultdict(list)
        people: dict[int, LinkedSupervisor] = {}
        for link in supervisors:
            people[link.person.id] = link
            for item in by_pair.get((link.student_id, link.cohort_id), []):
                c = item.conversation
                groups[(link.person.id, c.cohort_id, c.kind, c.due_on)].append(
                    item.student.display_name
                )
        stamp = int(token.timestamp() * 1_000_000)
        messages = []
        for (person_id, cohort_id, kind, day), names in groups.items():
            link = people[person_id]
            messages.append(
                OutgoingMessage(
                    chat_id=link.person.telegram_id,
                    payload=supervisor_reminder(kind, day, sorted(names), link.person.language),
                    origin=ORIGIN,
                    not_before=_when(now, link.person, link.quiet),
                    person_id=person_id,
                    dedupe_key=f"cv:prep:{person_id}:{cohort_id}:{kind.value}:{stamp}",
                    useful_until=day_end(day, link.person.timezone),
                )
            )
        return messages

    async def _followups(self, now: datetime) -> int:
        """Ask students for the plans of conversations that have taken place."""
        queued = 0
        for _ in range(MAX_BATCHES):
            async with self._uow() as uow:
                due = await uow.conversations.due_followups(now, BATCH)
            if not due:
                break
            messages = [self._question(item, now) for item in due if self._should_ask(item, now)]
            if messages:
                queued += await self._outbox.enqueue(messages)
            asked = [(i.conversation.id, i.conversation.followup_at) for i in due]
            async with self._uow() as uow:
                await uow.conversations.mark_asked(
                    [(cid, at) for cid, at in asked if at is not None], now
                )
                await uow.commit()
            if len(due) < BATCH:
                break
        return queued

    @staticmethod
    def _should_ask(item: DueConversation, now: datetime) -> bool:
        """Return whether to ask: no plan yet, someone to ask, and not too late."""
        at = item.conversation.followup_at
        fresh = at is not None and at >= now - FOLLOWUP_GRACE
        return fresh and item.student.active and item.conversation.plan_at is None

    def _question(self, item: DueConversation, now: datetime) -> OutgoingMessage:
        """Return the question about the plan, keyed by conversation and moment."""
        conversation, student = item.conversation, item.student
        at = conversation.followup_at
        assert at is not None
        return OutgoingMessage(
            chat_id=student.telegram_id,
            payload=plan_question(
                conversation.kind, conversation.due_on, conversation.id, student.language
            ),
            origin=ORIGIN,
            not_before=_when(now, student, item.quiet),
            person_id=student.id,
            dedupe_key=f"cv:ask:{conversation.id}:{int(at.timestamp())}",
            useful_until=at + FOLLOWUP_GRACE,  # as late as the tick would still ask
        )


def _when(now: datetime, person: Person, quiet: Quiet | None) -> datetime:
    """Return now, or the end of the person's quiet hours when now falls in them."""
    return deliver_at(now, person.timezone, quiet or DEFAULT_QUIET)
