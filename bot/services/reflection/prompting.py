"""The prompt tick: one periodic job asks SQL who is due and puts their prompts in the outbox.

At most one prompt per student per slot, whatever happens: the entry for a slot is unique in
SQL, the outbox message has the slot in its dedupe key, and the schedule moves on with a
compare-and-set. A tick that crashes half-way is finished by the next one; two overlapping
ticks send once. A slot missed while the bot was down is caught up within the grace window
and skipped after it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.services.delivery.outbox import OutboxStore, OutgoingMessage
from bot.services.kernel.ports import Clock, UnitOfWorkFactory
from bot.services.reflection.flow import (
    PromptChoice,
    choose_prompt,
    plan_to_follow,
    steps_of,
    wants_gibbs,
)
from bot.services.reflection.messages import prompt_payload
from bot.services.reflection.ports import ReflectionUnitOfWork
from bot.services.reflection.prompt_library import Model, PromptLibrary, phase_of
from bot.services.reflection.schedule_rules import next_slot
from bot.services.reflection.types import DueStudent, Move, NewReflection, Reflection

log = logging.getLogger(__name__)
BATCH = 500
MAX_BATCHES = 100
HISTORY = timedelta(days=60)


@dataclass(frozen=True, slots=True)
class ReflectionConfig:
    """The settings of reflection prompts."""

    expiry: timedelta = timedelta(hours=12)
    grace: timedelta = timedelta(hours=2)
    snooze: timedelta = timedelta(hours=1)
    repeat_days: int = 21


@dataclass(slots=True)
class TickReport:
    """What one tick did."""

    prompted: int = 0
    skipped: int = 0
    expired: int = 0
    batches: list[int] = field(default_factory=list)


class PromptScheduler:
    """Puts due prompts in the outbox and moves each schedule to its next slot."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[ReflectionUnitOfWork],
        outbox: OutboxStore,
        clock: Clock,
        library: PromptLibrary,
        config: ReflectionConfig,
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock
        self._library = library
        self._config = config

    async def tick(self) -> TickReport:
        """Expire stale prompts, then prompt every due student in batches."""
        now = self._clock.now()
        report = TickReport()
        async with self._uow() as uow:
            report.expired = await uow.reflections.expire(now)
            await uow.commit()
        for _batch in range(MAX_BATCHES):
            async with self._uow() as uow:
                due = await uow.schedules.due(now, BATCH)
            if not due:
                break
            await self._process(due, now, report)
            report.batches.append(len(due))
            if len(due) < BATCH:
                break
        if report.prompted or report.skipped:
            log.info("prompts: %s queued, %s skipped", report.prompted, report.skipped)
        return report

    async def _process(self, due: Sequence[DueStudent], now: datetime, report: TickReport) -> None:
        """Create the entries, queue their messages, then advance the schedules."""
        sending = [d for d in due if self._should_send(d, now)]
        entries = await self._create_entries(sending, now)
        messages = [self._message(d, entries[d.person.id], now) for d in sending]
        if messages:
            await self._outbox.enqueue(messages)
        sent = {d.person.id for d in sending}
        moves = [self._move(item, now, item.person.id in sent) for item in due]
        async with self._uow() as uow:
            await uow.schedules.advance_many(moves)
            await uow.commit()
        report.prompted += len(sending)
        report.skipped += len(due) - len(sending)

    def _move(self, item: DueStudent, now: datetime, sent: bool) -> Move:
        """Return the move to the slot after this one (or after the grace window, if missed)."""
        slot = item.schedule.next_at
        assert slot is not None
        after = slot if sent else max(slot, now - self._config.grace)
        period = (item.cohort.starts_on, item.cohort.ends_on) if item.cohort else None
        found = next_slot(item.schedule, item.person.timezone, period, after)
        return Move(item.person.id, slot, *(found if found else (None, None)))

    def _should_send(self, item: DueStudent, now: datetime) -> bool:
        """Return whether the slot gets a prompt (not too late, someone to send it to)."""
        slot = item.schedule.next_at
        on_time = slot is not None and now - slot <= self._config.grace
        return on_time and item.person.active and item.cohort is not None

    async def _create_entries(
        self, sending: Sequence[DueStudent], now: datetime
    ) -> dict[int, Reflection]:
        """Store one entry per slot (kept if a crashed tick made it already); return them."""
        if not sending:
            return {}
        first = min(d.schedule.next_slot for d in sending if d.schedule.next_slot) - HISTORY
        async with self._uow() as uow:
            history = await uow.reflections.since([d.person.id for d in sending], first)
            by_person: dict[int, list[Reflection]] = {}
            for entry in history:
                by_person.setdefault(entry.person_id, []).append(entry)
            new = [self._new_entry(d, by_person.get(d.person.id, []), now) for d in sending]
            await uow.reflections.add_slots(new)
            await uow.commit()
            stored = await uow.reflections.for_slots(
                [(e.person_id, e.slot_date) for e in new if e.slot_date is not None]
            )
        return {entry.person_id: entry for entry in stored}

    def _new_entry(
        self, item: DueStudent, history: Sequence[Reflection], now: datetime
    ) -> NewReflection:
        """Return the entry for a due slot: today's prompt and yesterday's plan, if any."""
        choice = self._choose(item, history)
        slot, day = item.schedule.next_at, item.schedule.next_slot
        assert slot is not None
        assert day is not None
        assert item.cohort is not None
        return NewReflection(
            person_id=item.person.id,
            cohort_id=item.cohort.id,
            prompt_id=choice.prompt.id,
            entry_date=day,
            created_at=now,
            expires_at=max(now, slot) + self._config.expiry,
            slot_date=day,
            followup_of=choice.followup_of,
            followup_plan=choice.followup_plan,
        )

    def _choose(self, item: DueStudent, history: Sequence[Reflection]) -> PromptChoice:
        """Choose the prompt by phase, profession and what the student had lately."""
        day, cohort = item.schedule.next_slot, item.cohort
        assert day is not None
        assert cohort is not None
        phase = phase_of(day, cohort.starts_on, cohort.ends_on)
        gibbs = phase.value != "start" and wants_gibbs(item.schedule, self._library, history, day)
        prompt = choose_prompt(
            self._library,
            Model.GIBBS if gibbs else Model.ROLFE,
            phase,
            cohort.profession.value,
            history,
            day,
            window_days=self._config.repeat_days,
            seed=item.person.id * 7919 + day.toordinal(),
            theme="weekly" if gibbs else None,
        )
        followup = plan_to_follow(history, day)
        if followup is None:
            return PromptChoice(prompt)
        return PromptChoice(prompt, *followup)

    def _message(self, item: DueStudent, entry: Reflection, now: datetime) -> OutgoingMessage:
        """Render the prompt message for the outbox, keyed once per student and slot."""
        return OutgoingMessage(
            chat_id=item.person.telegram_id,
            payload=render_prompt(entry, self._library, item.person.language),
            origin="prompt",
            not_before=now,
            person_id=item.person.id,
            dedupe_key=f"prompt:{item.person.id}:{entry.slot_date}",
            useful_until=entry.expires_at,  # the entry takes no answers after
        )


def render_prompt(
    entry: Reflection, library: PromptLibrary, language: str, *, reminder: bool = False
) -> dict[str, Any]:
    """Return the outbox payload of an entry's prompt: intro, first question, buttons."""
    steps = steps_of(entry, library, language)
    prompt = library.get(entry.prompt_id)
    intro = prompt.intro_text(language) if prompt else ""
    gibbs = prompt is not None and prompt.model is Model.GIBBS and not entry.hard_shift
    return prompt_payload(
        entry, intro, steps[0], len(steps), language, gibbs=gibbs, reminder=reminder
    )
