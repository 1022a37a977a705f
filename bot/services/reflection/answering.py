"""The reflection conversation: answer now, snooze, skip, hard shift, and the answers that
step through the questions until the entry is finished and lands in the logbook."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.delivery.outbox import OutboxStore, OutgoingMessage
from bot.services.identity.domain import Person
from bot.services.kernel.cpr import contains_cpr
from bot.services.kernel.errors import ContainsCpr, Invalid, NotFound, ServiceError
from bot.services.kernel.ports import Clock, UnitOfWorkFactory
from bot.services.reflection.flow import choose_prompt, steps_of, streak
from bot.services.reflection.ports import ReflectionUnitOfWork
from bot.services.reflection.prompt_library import Model, Phase, PromptLibrary, phase_of
from bot.services.reflection.prompting import ReflectionConfig, render_prompt
from bot.services.reflection.schedules import local_today
from bot.services.reflection.types import (
    OPEN_STATUSES,
    Answer,
    EntryStatus,
    Goal,
    NewReflection,
    Reflection,
)

MAX_ANSWER_LENGTH = 2000
STREAK_DAYS = 60


class Closed(ServiceError):
    """The reflection was finished, skipped or has expired."""


@dataclass(frozen=True, slots=True)
class Step:
    """The question the student answers next."""

    entry: Reflection
    number: int
    total: int
    question: str
    intro: str | None = None


@dataclass(frozen=True, slots=True)
class Finished:
    """A finished entry, with what the student may do next."""

    entry: Reflection
    streak: int
    goals: Sequence[Goal]
    has_supervisor: bool


class ReflectionService:
    """Runs each student's reflection conversation."""

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

    async def open_entry(self, telegram_id: int) -> Reflection | None:
        """Return the reflection the student's next text answers, if one is open."""
        now = self._clock.now()
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            if person is None:
                return None
            entries = await uow.reflections.open_for(person.id)
        return next((e for e in entries if e.is_open(now)), None)

    async def begin(self, telegram_id: int, entry_id: int) -> Step:
        """Start answering a prompt now (a double tap shows the same question)."""
        async with self._uow() as uow:
            person, entry = await self._own(uow, telegram_id, entry_id)
            moved = await uow.reflections.move(
                entry.id, OPEN_STATUSES, status=EntryStatus.ANSWERING, snoozed_until=None
            )
            if moved is None:
                raise Closed("closed")
            await uow.commit()
        return self._step(moved, person.language)

    async def snooze(self, telegram_id: int, entry_id: int) -> datetime:
        """Ask again later; return when. A double tap snoozes (and reminds) once."""
        now = self._clock.now()
        async with self._uow() as uow:
            person, entry = await self._own(uow, telegram_id, entry_id)
            if entry.status is EntryStatus.SNOOZED and not entry.is_open(now):
                assert entry.snoozed_until is not None
                return entry.snoozed_until
            until = now + self._config.snooze
            moved = await uow.reflections.move(
                entry.id,
                (EntryStatus.PROMPTED, EntryStatus.SNOOZED),
                status=EntryStatus.SNOOZED,
                snoozed_until=until,
                expires_at=max(entry.expires_at or now, until + self._config.snooze),
            )
            if moved is None:
                raise Closed("closed")
            await uow.commit()
        await self._outbox.enqueue([self._reminder(person, moved, entry.snoozed_until, until)])
        return until

    async def skip(self, telegram_id: int, entry_id: int) -> Reflection:
        """Skip today's reflection (answers given so far stay in the logbook)."""
        async with self._uow() as uow:
            _person, entry = await self._own(uow, telegram_id, entry_id)
            if entry.status is EntryStatus.SKIPPED:
                return entry
            moved = await uow.reflections.move(entry.id, OPEN_STATUSES, status=EntryStatus.SKIPPED)
            if moved is None:
                raise Closed("closed")
            await uow.commit()
        return moved

    async def switch(self, telegram_id: int, entry_id: int, *, hard_shift: bool) -> Step:
        """Turn a prompt into the Gibbs flow after a hard shift, or a Gibbs prompt into the
        short daily one; only before the first answer (a double tap changes it once)."""
        async with self._uow() as uow:
            person, entry = await self._own(uow, telegram_id, entry_id)
            current = self._library.get(entry.prompt_id)
            wanted = Model.GIBBS if hard_shift else Model.ROLFE
            if current is not None and current.model is wanted and entry.hard_shift == hard_shift:
                return self._step(entry, person.language)
            if entry.status not in OPEN_STATUSES:
                raise Closed("closed")
            if entry.answers:
                raise Invalid("already answering")
            prompt = await self._prompt_for(uow, person, entry, wanted, hard_shift)
            moved = await uow.reflections.move(
                entry.id,
                OPEN_STATUSES,
                prompt_id=prompt,
                hard_shift=hard_shift,
                status=EntryStatus.ANSWERING,
                snoozed_until=None,
            )
            if moved is None:
                raise Closed("closed")
            await uow.commit()
        return self._step(moved, person.language)

    async def start(self, telegram_id: int) -> Step:
        """Start a reflection now (/refleksion), or go on with the one that is open."""
        now = self._clock.now()
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            if person is None:
                raise NotFound("person")
            for entry in await uow.reflections.open_for(person.id):
                if entry.is_open(now):
                    return self._step(entry, person.language)
            entry = await self._new_now(uow, person, now)
            await uow.commit()
        return self._step(entry, person.language)

    async def answer(self, telegram_id: int, text: str) -> Step | Finished:
        """Store the answer to the current question; return the next one or the finish."""
        cleaned = clean_answer(text)
        now = self._clock.now()
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            entries = await uow.reflections.open_for(person.id) if person else []
            entry = next((e for e in entries if e.is_open(now)), None)
            if person is None or entry is None:
                raise Closed("nothing open")
            steps = steps_of(entry, self._library, person.language)
            step = steps[min(entry.step, len(steps) - 1)]
            answers = (*entry.answers, Answer(step.key, step.question, cleaned))
            done = len(answers) >= len(steps)
            fields: dict[str, object] = {"answers": answers, "step": len(answers)}
            fields["status"] = EntryStatus.DONE if done else EntryStatus.ANSWERING
            if done:
                fields["completed_at"] = now
            moved = await uow.reflections.move(entry.id, [entry.status], **fields)
            if moved is None:
                raise Closed("changed meanwhile")
            await uow.commit()
            if not done:
                return self._step(moved, person.language)
            return await self._finished(uow, person, moved)

    async def _finished(
        self, uow: ReflectionUnitOfWork, person: Person, entry: Reflection
    ) -> Finished:
        """Return the finish: the streak, the open goals, whether a supervisor can see it."""
        first = entry.entry_date - timedelta(days=STREAK_DAYS)
        history = await uow.reflections.since([person.id], first)
        goals = [g for g in await uow.goals.for_person(person.id) if g.completed_at is None]
        supervisors = await uow.links.supervisors_of(person.id)
        return Finished(entry, streak(history), goals, bool(supervisors))

    def _step(self, entry: Reflection, language: str) -> Step:
        """Return the current question of an entry."""
        steps = steps_of(entry, self._library, language)
        index = min(entry.step, len(steps) - 1)
        prompt = self._library.get(entry.prompt_id)
        intro = prompt.intro_text(language) if prompt and index == 0 else None
        return Step(entry, index + 1, len(steps), steps[index].question, intro)

    async def _own(
        self, uow: ReflectionUnitOfWork, telegram_id: int, entry_id: int
    ) -> tuple[Person, Reflection]:
        """Return the person and their entry; NotFound for anyone else's or a forged id."""
        person = await uow.people.by_telegram_id(telegram_id)
        entry = await uow.reflections.get(entry_id) if person else None
        if person is None or entry is None or entry.person_id != person.id:
            raise NotFound("reflection")
        return person, entry

    async def _prompt_for(
        self,
        uow: ReflectionUnitOfWork,
        person: Person,
        entry: Reflection,
        model: Model,
        hard: bool,
    ) -> str:
        """Return the id of a prompt of the wanted model for this entry."""
        cohort = await uow.cohorts.get(entry.cohort_id) if entry.cohort_id else None
        first = entry.entry_date - timedelta(days=self._config.repeat_days)
        history = await uow.reflections.since([person.id], first)
        phase = phase_of(entry.entry_date, cohort.starts_on, cohort.ends_on) if cohort else None
        return choose_prompt(
            self._library,
            model,
            phase or Phase.MIDDLE,
            cohort.profession.value if cohort else "other",
            history,
            entry.entry_date,
            window_days=self._config.repeat_days,
            seed=entry.id,
            theme="hard_shift" if hard else None,
        ).id

    async def _new_now(
        self, uow: ReflectionUnitOfWork, person: Person, now: datetime
    ) -> Reflection:
        """Create a self-started entry with a daily prompt, already being answered."""
        schedule = await uow.schedules.get(person.id)
        cohort_id = schedule.cohort_id if schedule else None
        draft = NewReflection(
            person_id=person.id,
            cohort_id=cohort_id,
            prompt_id="",
            entry_date=local_today(person, self._clock),
            created_at=now,
            status=EntryStatus.ANSWERING,
            expires_at=now + self._config.expiry,
        )
        entry = await uow.reflections.add(draft)
        prompt = await self._prompt_for(uow, person, entry, Model.ROLFE, False)
        return await uow.reflections.update(entry.id, prompt_id=prompt)

    def _reminder(
        self, person: Person, entry: Reflection, previous: datetime | None, until: datetime
    ) -> OutgoingMessage:
        """Return the prompt again for after the snooze, keyed so a double tap adds one."""
        key = int(previous.timestamp()) if previous else 0
        return OutgoingMessage(
            chat_id=person.telegram_id,
            payload=render_prompt(entry, self._library, person.language, reminder=True),
            origin="prompt:snooze",
            not_before=until,
            person_id=person.id,
            dedupe_key=f"refl:{entry.id}:snooze:{key}",
            useful_until=entry.expires_at,
        )


def clean_answer(text: str) -> str:
    """Return an answer (or a free logbook entry) fit to store; raise Invalid or ContainsCpr
    (nothing is stored)."""
    cleaned = text.strip()
    if not cleaned:
        raise Invalid("empty")
    if len(cleaned) > MAX_ANSWER_LENGTH:
        raise Invalid("too long")
    if contains_cpr(cleaned):
        raise ContainsCpr("holds a CPR number")
    return cleaned
