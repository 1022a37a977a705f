"""The pulse repository on real SQLite and PostgreSQL: who is due (in one statement per
batch), insert-or-skip asks, one answer per person and week even when two presses race,
and scores stored without the person."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.identity.domain import Profession, Role
from bot.services.pulse.types import PulseAsk, PulseRecipient
from bot.storage.pulse.models import PulseAskRow, PulseResponseRow
from bot.storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2027, 3, 11, 11, 0, tzinfo=UTC)
WEEK, TODAY = date(2027, 3, 8), date(2027, 3, 11)
CPH = "Europe/Copenhagen"


async def _world(factory: SqlUnitOfWorkFactory) -> tuple[dict[str, int], dict[str, int]]:
    """Cohorts on, off and ended; students, staff, an inactive and a far-away student."""
    async with factory() as uow:
        org = await uow.organisations.get_or_create_organisation("Region H")
        dept = await uow.organisations.add_department(org.id, "M2", "m2")
        cohorts = {}
        for name, start, end in (
            ("on", date(2027, 2, 1), date(2027, 6, 30)),
            ("on2", date(2027, 2, 1), date(2027, 6, 30)),
            ("off", date(2027, 2, 1), date(2027, 6, 30)),
            ("ended", date(2026, 9, 1), date(2027, 1, 31)),
        ):
            cohort = await uow.cohorts.add(dept.id, name, Profession.NURSING, start, end)
            cohorts[name] = cohort.id
        people = {}
        for index, (name, zone, cohort, role) in enumerate(
            (
                ("ida", CPH, "on", Role.STUDENT),
                ("bo", CPH, "on", Role.STUDENT),
                ("nyc", "America/New_York", "on", Role.STUDENT),
                ("away", CPH, "on", Role.STUDENT),
                ("vera", CPH, "on", Role.SUPERVISOR),
                ("other", CPH, "off", Role.STUDENT),
                ("old", CPH, "ended", Role.STUDENT),
            )
        ):
            person = await uow.people.add(4000 + index, name, "da", zone, NOW)
            people[name] = person.id
            await uow.memberships.add(person.id, cohorts[cohort], role)
        await uow.memberships.add(people["bo"], cohorts["on2"], Role.STUDENT)  # two cohorts
        await uow.people.update(people["away"], active=False)
        for name in ("on", "on2"):
            await uow.pulse.set_enabled(cohorts[name], True)
        await uow.commit()
    return cohorts, people


async def test_who_is_due_and_asks_are_stored_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    cohorts, p = await _world(uow_factory)
    async with uow_factory() as uow:
        assert sorted(await uow.pulse.timezones()) == ["America/New_York", CPH]
        due = await uow.pulse.due(CPH, WEEK, TODAY, 10)
        assert due == [
            PulseRecipient(p["ida"], 4000, "da", cohorts["on"]),
            PulseRecipient(p["bo"], 4001, "da", cohorts["on"]),  # once, for the first cohort
        ]
        assert await uow.pulse.due(CPH, WEEK, TODAY, 1) == due[:1]
        assert [d.person_id for d in await uow.pulse.due("America/New_York", WEEK, TODAY, 10)] == [
            p["nyc"]
        ]
        assert await uow.pulse.due(CPH, WEEK, date(2027, 7, 1), 10) == []  # placement over
        await uow.pulse.add_asks([PulseAsk(p["ida"], WEEK, cohorts["on"], NOW)])
        await uow.pulse.add_asks(
            [
                PulseAsk(p["ida"], WEEK, cohorts["on2"], NOW),  # already asked: skipped
                PulseAsk(p["bo"], WEEK, cohorts["on"], NOW),
            ]
        )
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.pulse.due(CPH, WEEK, TODAY, 10) == []
        assert [d.person_id for d in await uow.pulse.due(CPH, date(2027, 3, 15), TODAY, 10)] == [
            p["ida"],
            p["bo"],
        ]
        ask = await uow.pulse.ask(p["ida"], WEEK)
        assert ask == PulseAsk(p["ida"], WEEK, cohorts["on"], NOW)
        assert await uow.pulse.ask(p["vera"], WEEK) is None
        assert await uow.pulse.enabled(cohorts["off"]) is False
        assert await uow.pulse.enabled(999) is None


async def test_two_racing_presses_count_once(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    cohorts, p = await _world(uow_factory)
    async with uow_factory() as uow:
        await uow.pulse.add_asks([PulseAsk(p["ida"], WEEK, cohorts["on"], NOW)])
        await uow.commit()

    async def press(score: int) -> bool:
        async with uow_factory() as uow:
            counted = await uow.pulse.record(p["ida"], WEEK, score)
            await asyncio.sleep(0.05)  # hold the transaction open while the other presses
            await uow.commit()
        return counted

    assert sorted(await asyncio.gather(press(4), press(2))) == [False, True]
    async with uow_factory() as uow:
        assert not await uow.pulse.record(p["ida"], WEEK, 5)
        assert not await uow.pulse.record(p["bo"], WEEK, 5)  # never asked
        found = await uow.pulse.distribution(cohorts["on"], WEEK, WEEK)
        assert sum(found[WEEK].values()) == 1
        assert (await uow.pulse.ask(p["ida"], WEEK)).answered  # type: ignore[union-attr]
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(PulseResponseRow)) == 1
        assert await conn.scalar(select(func.count()).select_from(PulseAskRow)) == 1
    assert {c.name for c in PulseResponseRow.__table__.columns} == {
        "id",
        "cohort_id",
        "week_start",
        "score",
    }
