"""Each student's prompt schedule: defaults from the cohort, changes, pauses and resumption.

Every change recomputes the next slot right away, so the tick only ever reads `next_at`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.services.identity.access import Actor, require_coordinator
from bot.services.identity.domain import Cohort, Person, Role
from bot.services.kernel.errors import Invalid, NotAllowed
from bot.services.kernel.ports import Clock, UnitOfWorkFactory
from bot.services.reflection.ports import ReflectionUnitOfWork
from bot.services.reflection.schedule_rules import next_slot
from bot.services.reflection.types import PromptMode, Schedule, Shift

# Quiet hours that suit each shift: a night worker sleeps in the daytime.
QUIET_FOR_SHIFT = {
    Shift.DAY: (22 * 60, 7 * 60),
    Shift.EVENING: (30, 10 * 60),
    Shift.NIGHT: (9 * 60, 17 * 60),
}
TIMEZONES = ("Europe/Copenhagen", "Atlantic/Faroe", "America/Nuuk")
MAX_PAUSE = timedelta(days=366)
CHANGEABLE = ("mode", "at_minutes", "shift", "days", "quiet_start", "quiet_end", "enabled")


@dataclass(frozen=True, slots=True)
class ScheduleView:
    """A student's schedule with what is needed to show it."""

    schedule: Schedule
    person: Person
    cohort: Cohort | None


def default_schedule(person_id: int, cohort: Cohort) -> Schedule:
    """Return a new student's schedule from the cohort's defaults."""
    shift = Shift(cohort.prompt_shift)
    quiet_start, quiet_end = QUIET_FOR_SHIFT[shift]
    base = Schedule(
        person_id=person_id,
        cohort_id=cohort.id,
        shift=shift,
        days=cohort.prompt_days,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
    )
    if cohort.prompt_minutes is None:
        return base
    return dataclasses.replace(base, mode=PromptMode.TIME, at_minutes=cohort.prompt_minutes)


class ScheduleService:
    """Keeps students' schedules and their next slots."""

    def __init__(self, uow: UnitOfWorkFactory[ReflectionUnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def student_joined(self, person: Person, cohort: Cohort) -> Schedule:
        """Give a new student the cohort's default schedule (a later placement takes over)."""
        async with self._uow() as uow:
            saved = await join_schedule(uow, person, cohort, self._clock)
            await uow.commit()
        return saved

    async def set_cohort_defaults(
        self,
        actor: Actor,
        cohort_id: int,
        *,
        shift: Shift,
        days: int,
        minutes: int | None,
        apply: bool = False,
    ) -> tuple[Cohort, int]:
        """Set a cohort's default schedule; with `apply`, reset its students' schedules to it
        (their pauses and on/off stay). Return the cohort and how many schedules changed."""
        _check_minutes({"days": days, "at_minutes": minutes})
        async with self._uow() as uow:
            await require_coordinator(uow, actor, cohort_id)
            cohort = await uow.cohorts.set_prompt_defaults(cohort_id, shift.value, days, minutes)
            changed = 0
            for current in await uow.schedules.for_cohort(cohort_id) if apply else ():
                person = await uow.people.get(current.person_id)
                if person is None:
                    continue
                fresh = dataclasses.replace(
                    default_schedule(person.id, cohort),
                    paused_until=current.paused_until,
                    enabled=current.enabled,
                )
                await save_schedule(uow, fresh, person, cohort, self._clock)
                changed += 1
            await uow.commit()
        return cohort, changed

    async def view(self, telegram_id: int) -> ScheduleView:
        """Return the student's schedule; raise NotAllowed for anyone who is not a student."""
        async with self._uow() as uow:
            person, schedule = await _student(uow, telegram_id)
            cohort = await uow.cohorts.get(schedule.cohort_id) if schedule.cohort_id else None
        return ScheduleView(schedule, person, cohort)

    async def change(self, telegram_id: int, **fields: object) -> ScheduleView:
        """Change settings (mode, time, shift, days, quiet hours, on/off) and reschedule."""
        unknown = set(fields) - set(CHANGEABLE)
        if unknown:
            raise Invalid(f"unknown settings: {sorted(unknown)}")
        try:
            if "mode" in fields:
                fields["mode"] = PromptMode(str(fields["mode"]))
            if "shift" in fields:
                fields["shift"] = Shift(str(fields["shift"]))
        except ValueError as exc:
            raise Invalid(str(exc)) from exc
        if "shift" in fields and "quiet_start" not in fields:
            fields["quiet_start"], fields["quiet_end"] = QUIET_FOR_SHIFT[
                Shift(str(fields["shift"]))
            ]
        _check_minutes(fields)
        return await self._update(telegram_id, **fields)

    async def set_timezone(self, telegram_id: int, timezone: str) -> ScheduleView:
        """Change the student's time zone and reschedule."""
        if timezone not in TIMEZONES:
            raise Invalid("unknown time zone")
        async with self._uow() as uow:
            person, _schedule = await _student(uow, telegram_id)
            await uow.people.update(person.id, timezone=timezone)
            await uow.commit()
        return await self._update(telegram_id)

    async def pause(self, telegram_id: int, until: date) -> ScheduleView:
        """Pause prompts; they resume on `until`."""
        async with self._uow() as uow:
            person, _schedule = await _student(uow, telegram_id)
        today = local_today(person, self._clock)
        if until <= today or until - today > MAX_PAUSE:
            raise Invalid("pause date")
        return await self._update(telegram_id, paused_until=until)

    async def pause_for(self, telegram_id: int, length: timedelta) -> ScheduleView:
        """Pause prompts for a number of days from today."""
        async with self._uow() as uow:
            person, _schedule = await _student(uow, telegram_id)
        return await self.pause(telegram_id, local_today(person, self._clock) + length)

    async def resume(self, telegram_id: int) -> ScheduleView:
        """End a pause (and switch prompts back on)."""
        return await self._update(telegram_id, paused_until=None, enabled=True)

    async def _update(self, telegram_id: int, **fields: object) -> ScheduleView:
        """Apply fields, recompute the next slot and save."""
        async with self._uow() as uow:
            person, schedule = await _student(uow, telegram_id)
            cohort = await uow.cohorts.get(schedule.cohort_id) if schedule.cohort_id else None
            changed = dataclasses.replace(schedule, **fields)  # type: ignore[arg-type]
            saved = await self._save(uow, changed, person, cohort)
            await uow.commit()
        return ScheduleView(saved, person, cohort)

    async def _save(
        self, uow: ReflectionUnitOfWork, schedule: Schedule, person: Person, cohort: Cohort | None
    ) -> Schedule:
        """Store the schedule with its next slot from now."""
        return await save_schedule(uow, schedule, person, cohort, self._clock)


async def join_schedule(
    uow: ReflectionUnitOfWork, person: Person, cohort: Cohort, clock: Clock
) -> Schedule:
    """Give a student joining a cohort its default schedule, inside the caller's transaction.

    A student keeps their own choices when they join a later placement; an earlier or
    parallel cohort does not take over the schedule of one that ends later.
    """
    current = await uow.schedules.get(person.id)
    if current is not None and current.cohort_id is not None:
        previous = await uow.cohorts.get(current.cohort_id)
        if previous is not None and previous.ends_on >= cohort.ends_on:
            return current
    fresh = default_schedule(person.id, cohort)
    if current is not None:
        fresh = dataclasses.replace(current, cohort_id=cohort.id)
    return await save_schedule(uow, fresh, person, cohort, clock)


async def save_schedule(
    uow: ReflectionUnitOfWork,
    schedule: Schedule,
    person: Person,
    cohort: Cohort | None,
    clock: Clock,
) -> Schedule:
    """Store a schedule with its next slot computed from now."""
    period = (cohort.starts_on, cohort.ends_on) if cohort else None
    found = next_slot(schedule, person.timezone, period, clock.now())
    next_at, day = found if found else (None, None)
    return await uow.schedules.save(dataclasses.replace(schedule, next_at=next_at, next_slot=day))


def local_today(person: Person, clock: Clock) -> date:
    """Return today's date where the person lives."""
    return clock.now().astimezone(ZoneInfo(person.timezone)).date()


async def _student(uow: ReflectionUnitOfWork, telegram_id: int) -> tuple[Person, Schedule]:
    """Return a student and their schedule; raise NotAllowed for anyone else."""
    person = await uow.people.by_telegram_id(telegram_id)
    if person is None:
        raise NotAllowed("not enrolled")
    schedule = await uow.schedules.get(person.id)
    if schedule is None:
        roles = {m.role for m in await uow.memberships.for_person(person.id)}
        raise NotAllowed("not a student" if Role.STUDENT not in roles else "no schedule")
    return person, schedule


def _check_minutes(fields: dict[str, object]) -> None:
    """Raise Invalid for a time of day or a day mask out of range."""
    for name in ("at_minutes", "quiet_start", "quiet_end"):
        value = fields.get(name)
        if value is not None and not (isinstance(value, int) and 0 <= value < 24 * 60):
            raise Invalid(name)
    days = fields.get("days")
    if days is not None and not (isinstance(days, int) and 0 <= days < 128):
        raise Invalid("days")
