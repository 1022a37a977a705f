"""Retention: everything a placement holds about people is deleted a set number of days after
it ends (reflections, goals, feedback, conversations and plans, questions and replies, pulse
asks, invites, memberships, and then the people who are in no cohort any more), and each
student is reminded to export first (once, through the outbox). Leftovers with no cohort
have limits of their own: anonymous questions (`retention_days` after they were asked),
digest records (the same), documents sent but never filed (a day), and the texts of
finished outbox messages (`payload_days` after they were sent)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.services.delivery.outbox import OutboxStore, OutgoingMessage
from bot.services.identity.domain import Role
from bot.services.kernel.ports import Clock, UnitOfWorkFactory
from bot.services.privacy.ports import PrivacyUnitOfWork
from bot.services.reflection.messages import retention_payload

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What one retention run did."""

    reminded: int
    deleted: int
    people: int = 0
    other: int = 0


class RetentionService:
    """Reminds students to export, then deletes their reflections after the retention time."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[PrivacyUnitOfWork],
        outbox: OutboxStore,
        clock: Clock,
        *,
        retention_days: int,
        reminder_days: int,
        timezone: str,
        payload_days: int = 7,
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock
        self._keep = timedelta(days=retention_days)
        self._remind = timedelta(days=min(reminder_days, retention_days))
        self._zone = ZoneInfo(timezone)
        self._payloads = timedelta(days=payload_days)

    async def run(self) -> RetentionReport:
        """Send the due reminders and delete what has passed its retention time."""
        now = self._clock.now()
        today = now.astimezone(self._zone).date()
        messages: list[OutgoingMessage] = []
        expired: list[int] = []
        async with self._uow() as uow:
            for cohort in await uow.cohorts.list():
                deletion = cohort.ends_on + self._keep
                if deletion <= today:
                    expired.append(cohort.id)
                elif deletion - self._remind <= today:
                    for student in await uow.memberships.people_in(cohort.id, Role.STUDENT):
                        if student.active:
                            when = format_date(deletion, "long", locale=student.language)
                            payload = retention_payload(cohort.name, when, student.language)
                            messages.append(
                                _reminder(student.id, student.telegram_id, cohort.id, payload, now)
                            )
            deleted = await uow.reflections.delete_ended(expired)
            people = await uow.retention.purge_cohorts(expired)
            other = await uow.retention.purge_older(
                anonymous_before=now - self._keep,
                digests_before=now - self._keep,
                uploads_before=now - timedelta(days=1),
                payloads_before=now - self._payloads,
            )
            await uow.commit()
        reminded = await self._outbox.enqueue(messages) if messages else 0
        if reminded or deleted or people or other:
            log.info(
                "retention: %s reminders, %s reflections, %s people, %s other rows deleted",
                reminded,
                deleted,
                people,
                other,
            )
        return RetentionReport(reminded, deleted, people, other)


def _reminder(
    person_id: int, chat_id: int, cohort_id: int, payload: dict[str, Any], now: datetime
) -> OutgoingMessage:
    """Return the export reminder, once per cohort and student."""
    return OutgoingMessage(
        chat_id=chat_id,
        payload=payload,
        origin="retention",
        not_before=now,
        person_id=person_id,
        dedupe_key=f"retention:{cohort_id}:{person_id}",
    )
