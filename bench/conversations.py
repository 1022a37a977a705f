"""Conversation and digest ticks at full size (issue #6 points 4 and 5).

A fresh database per --database-url (a SQLite file in a temporary folder by default; a
scratch PostgreSQL database, created and dropped, for a server URL) is bulk-seeded: 40 cohorts of 300 students
(12,000), 1,500 supervisors each linked to 8 students, one department. The cohorts start in
four waves of ten (Mondays 1, 8, 15 and 22 March 2027) and run 10 weeks, so every wave's
3,000 students share each conversation date: the busiest reminder tick.

Timed, with the real services, the SQL unit of work and the SQL outbox:

* plan: the first tick computes and inserts every student's three conversations (36,000);
* idle: a tick with nothing due (what runs every FEEDBACK_TICK_SECONDS most of the time);
* remind: the tick at 09:00 two days before the first wave's expectation conversations
  (3,000 students and their 375 supervisors), then the same tick again (must queue nothing);
* digest: the tick at Monday 22 March 08:00 when all 1,500 supervisors are due, then again.

    .venv/bin/python -m bench.conversations [--database-url sqlite|URL ...]
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import harness
from bot.services.conversations.config import ConversationConfig
from bot.services.conversations.service import ConversationService
from bot.services.digest.config import DigestConfig
from bot.services.digest.service import DigestService
from bot.storage.db import create_engine, session_factory
from bot.storage.delivery.models import OutboxRow
from bot.storage.delivery.outbox import SqlOutboxStore
from bot.storage.identity.models import (
    CohortRow,
    DepartmentRow,
    MembershipRow,
    OrganisationRow,
    PersonRow,
    SupervisionLinkRow,
)
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.support import ManualClock

ZONE = ZoneInfo("Europe/Copenhagen")
COHORTS, PER_COHORT, PER_SUPERVISOR = 40, 300, 8
WAVES = [date(2027, 3, 1) + timedelta(weeks=w) for w in range(4)]
BEFORE = datetime(2027, 2, 25, 12, tzinfo=UTC)


async def seed(engine: AsyncEngine) -> None:
    """Bulk-insert the organisation, cohorts, students, supervisors and links."""
    now = BEFORE
    async with engine.begin() as conn:
        await conn.execute(insert(OrganisationRow).values(id=1, name="Region H", created_at=now))
        await conn.execute(
            insert(DepartmentRow).values(
                id=1, organisation_id=1, name="M2", key="m2", created_at=now
            )
        )
        cohorts = [
            {
                "id": c + 1,
                "department_id": 1,
                "name": f"Hold {c + 1}",
                "profession": "nursing",
                "starts_on": WAVES[c % 4],
                "ends_on": WAVES[c % 4] + timedelta(weeks=10) - timedelta(days=3),
                "created_at": now,
            }
            for c in range(COHORTS)
        ]
        await conn.execute(insert(CohortRow), cohorts)
        students = COHORTS * PER_COHORT
        supervisors = students // PER_SUPERVISOR
        people = [
            {
                "id": pid,
                "telegram_id": 10_000_000 + pid,
                "display_name": f"Person {pid}",
                "language": "da" if pid % 5 else "en",
                "timezone": "Europe/Copenhagen",
                "consent_at": now,
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for pid in range(1, students + supervisors + 1)
        ]
        for start in range(0, len(people), 2000):
            await conn.execute(insert(PersonRow), people[start : start + 2000])
        members, links = [], []
        for index in range(students):
            pid, cohort = index + 1, index // PER_COHORT + 1
            supervisor = students + 1 + index // PER_SUPERVISOR
            members.append({"person_id": pid, "cohort_id": cohort, "role": "student"})
            links.append({"cohort_id": cohort, "supervisor_id": supervisor, "student_id": pid})
            if index % PER_SUPERVISOR == 0:
                members.append(
                    {"person_id": supervisor, "cohort_id": cohort, "role": "supervisor"}
                )
        for rows, table in ((members, MembershipRow), (links, SupervisionLinkRow)):
            for start in range(0, len(rows), 2000):
                await conn.execute(
                    insert(table), [{**r, "created_at": now} for r in rows[start : start + 2000]]
                )
        if engine.dialect.name == "postgresql":
            await conn.execute(text("ANALYZE"))


async def timed(label: str, work) -> int:
    """Run and print one step: wall and CPU time, and what it queued."""
    with harness.stopwatch() as lap:
        queued = await work()
    print(
        f"  {label:<44} {lap.wall * 1000:9.0f} ms wall {lap.cpu * 1000:8.0f} ms cpu  "
        f"queued {queued}"
    )
    return queued


async def run(url: str) -> None:
    """Seed, then time the ticks on one migrated database."""
    engine = create_engine(url)
    await seed(engine)
    clock = ManualClock(BEFORE)
    factory = SqlUnitOfWorkFactory(session_factory(engine))
    outbox = SqlOutboxStore(engine)
    conversations = ConversationService(factory, outbox, clock, ConversationConfig())
    digest = DigestService(factory, outbox, clock, DigestConfig())
    print(f"{engine.dialect.name}: {COHORTS * PER_COHORT} students, "
          f"{COHORTS * PER_COHORT // PER_SUPERVISOR} supervisors")  # fmt: skip
    await timed("plan: first tick (36,000 conversations)", conversations.tick)
    clock.advance(hours=1)
    await timed("idle tick", conversations.tick)
    await timed("idle tick (again)", conversations.tick)
    clock.set(datetime(2027, 3, 2, 9, tzinfo=ZONE).astimezone(UTC))
    await timed("remind: 3,000 students due at once", conversations.tick)
    await timed("remind: same tick again", conversations.tick)
    clock.set(datetime(2027, 3, 22, 8, tzinfo=ZONE).astimezone(UTC))  # every wave runs
    await timed("digest: 1,500 supervisors at Monday 08:00", digest.tick)
    await timed("digest: same tick again", digest.tick)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(select(OutboxRow.origin, func.count()).group_by(OutboxRow.origin))
        ).all()
    print("  outbox:", dict(rows))
    await engine.dispose()


async def main() -> None:
    """Run on each database asked for (SQLite by default)."""
    args = harness.parse(harness.parser(__doc__, databases=True))
    for target in args.database_url:
        async with harness.scratch_database(target) as db:
            await run(db.url)


if __name__ == "__main__":
    asyncio.run(main())
