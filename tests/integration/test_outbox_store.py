"""The outbox store on real SQLite and PostgreSQL: enqueue, claim, lease, settle, block."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.delivery.outbox import OutboxStatus, OutgoingMessage, Settlement
from bot.storage.delivery.models import OutboxRow
from bot.storage.delivery.outbox import SqlOutboxStore
from bot.storage.identity.models import PersonRow

NOW = datetime(2027, 2, 3, 8, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def _message(
    chat_id: int, origin: str = "test", at: datetime = NOW, key: str | None = None
) -> OutgoingMessage:
    return OutgoingMessage(chat_id, {"text": f"Hej {chat_id}"}, origin, at, dedupe_key=key)


async def _statuses(engine: AsyncEngine) -> dict[int, str]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(OutboxRow.chat_id, OutboxRow.status))).all()
    return dict(rows)


async def test_enqueue_is_idempotent_by_dedupe_key(engine: AsyncEngine) -> None:
    store = SqlOutboxStore(engine)
    assert await store.enqueue([_message(1, key="intro:1"), _message(2, key="intro:2")]) == 2
    assert await store.enqueue([_message(1, key="intro:1"), _message(3)]) == 1
    assert sorted(await _statuses(engine)) == [1, 2, 3]


async def test_claim_takes_only_due_messages_and_leases_them(engine: AsyncEngine) -> None:
    store = SqlOutboxStore(engine)
    await store.enqueue([_message(1), _message(2, at=NOW + timedelta(hours=1))])
    first = await store.claim("a", NOW, LEASE, 10)
    assert [item.chat_id for item in first] == [1]
    assert await store.claim("b", NOW, LEASE, 10) == []  # leased, and 2 is not due
    expired = await store.claim("b", NOW + LEASE + timedelta(seconds=1), LEASE, 10)
    assert [item.chat_id for item in expired] == [1]  # a dead dispatcher's lease ran out


async def test_settle_only_by_the_lease_holder(engine: AsyncEngine) -> None:
    store = SqlOutboxStore(engine)
    await store.enqueue([_message(1)])
    (item,) = await store.claim("a", NOW, LEASE, 10)
    (again,) = await store.claim("b", NOW + LEASE * 2, LEASE, 10)
    await store.settle([Settlement(item.id, OutboxStatus.SENT, message_id=5, at=NOW)], "a")
    assert (await _statuses(engine))[1] == OutboxStatus.SENDING  # "a" lost its lease
    await store.settle([Settlement(again.id, OutboxStatus.SENT, message_id=6, at=NOW)], "b")
    async with engine.connect() as conn:
        row = (await conn.execute(select(OutboxRow))).one()
    assert (row.status, row.telegram_message_id, row.attempts) == ("sent", 6, 2)  # two claims


async def test_retry_later_keeps_the_message_pending(engine: AsyncEngine) -> None:
    store = SqlOutboxStore(engine)
    await store.enqueue([_message(1)])
    (item,) = await store.claim("a", NOW, LEASE, 10)
    later = NOW + timedelta(minutes=5)
    await store.settle([Settlement(item.id, OutboxStatus.PENDING, later, "timed out")], "a")
    assert await store.claim("a", NOW + timedelta(minutes=1), LEASE, 10) == []
    (retry,) = await store.claim("a", later, LEASE, 10)
    assert (item.attempts, retry.attempts) == (1, 2)


async def test_claims_count_attempts_even_when_no_outcome_is_recorded(
    engine: AsyncEngine,
) -> None:
    store = SqlOutboxStore(engine)
    await store.enqueue([_message(1)])
    at = NOW
    for expected in (1, 2, 3):  # each dispatcher dies while sending: its lease runs out
        (item,) = await store.claim(f"w{expected}", at, LEASE, 10)
        assert item.attempts == expected
        at += LEASE + timedelta(seconds=1)
    (item,) = await store.claim("w4", at, LEASE, 10)
    failed = Settlement(item.id, OutboxStatus.FAILED, error="gave up", at=at, attempts=3)
    await store.settle([failed], "w4")
    async with engine.connect() as conn:
        row = (await conn.execute(select(OutboxRow))).one()
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "gave up")


async def test_settling_a_large_batch_applies_each_outcome(engine: AsyncEngine) -> None:
    store = SqlOutboxStore(engine)
    await store.enqueue([_message(chat) for chat in range(1, 401)])
    items = await store.claim("a", NOW, LEASE, 400)
    later = NOW + timedelta(minutes=1)
    await store.settle(
        [
            Settlement(i.id, OutboxStatus.SENT, message_id=i.chat_id, at=NOW)
            if i.chat_id % 2
            else Settlement(i.id, OutboxStatus.PENDING, later, "429 retry after", attempts=0)
            for i in items
        ],
        "a",
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(select(OutboxRow))).all()
    sent = [r for r in rows if r.status == "sent"]
    assert len(sent) == 200
    assert all(r.telegram_message_id == r.chat_id and r.attempts == 1 for r in sent)
    assert {(r.status, r.attempts, r.not_before) for r in rows if r.chat_id % 2 == 0} == {
        ("pending", 0, later)
    }


async def test_concurrent_claims_never_share_a_message(engine: AsyncEngine) -> None:
    store = SqlOutboxStore(engine)
    await store.enqueue([_message(chat) for chat in range(1, 301)])
    batches = await asyncio.gather(*(store.claim(f"w{i}", NOW, LEASE, 40) for i in range(8)))
    ids = [item.id for batch in batches for item in batch]
    assert len(ids) == len(set(ids))
    assert len(ids) == 300


async def test_blocking_cancels_pending_and_marks_the_person(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            PersonRow.__table__.insert().values(
                telegram_id=77,
                display_name="B",
                language="da",
                timezone="UTC",
                consent_at=NOW,
                active=True,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    store = SqlOutboxStore(engine)
    await store.enqueue([_message(77, origin="b1"), _message(77, origin="b2"), _message(78)])
    await store.block_chat(77, NOW)
    assert (await store.report("b1")).count(OutboxStatus.CANCELLED) == 1
    assert (await store.report("test")).count(OutboxStatus.PENDING) == 1
    async with engine.connect() as conn:
        active = await conn.scalar(select(PersonRow.active).where(PersonRow.telegram_id == 77))
    assert active is False


async def test_report_and_cancel_by_origin(engine: AsyncEngine) -> None:
    store = SqlOutboxStore(engine)
    await store.enqueue([_message(c, origin="broadcast:1") for c in range(1, 6)])
    (item, *_rest) = await store.claim("a", NOW, LEASE, 2)
    await store.settle([Settlement(item.id, OutboxStatus.SENT, at=NOW)], "a")
    assert await store.cancel("broadcast:1") == 3
    report = await store.report("broadcast:1")
    assert report.total == 5
    assert (report.count(OutboxStatus.SENT), report.count(OutboxStatus.CANCELLED)) == (1, 3)


async def test_deadlines_are_kept_and_the_first_failure_is_remembered(
    engine: AsyncEngine,
) -> None:
    store = SqlOutboxStore(engine)
    until = NOW + timedelta(hours=12)
    prompt = OutgoingMessage(1, {"text": "Hej"}, "prompt", NOW, useful_until=until)
    await store.enqueue([prompt, _message(2)])
    first, second = await store.claim("a", NOW, LEASE, 10)
    assert (first.useful_until, second.useful_until) == (until, None)
    assert first.failing_since is None
    later = NOW + timedelta(seconds=5)
    await store.settle(
        [
            Settlement(
                first.id, OutboxStatus.PENDING, later, "502", attempts=0, failing_since=NOW
            ),
            Settlement(second.id, OutboxStatus.SKIPPED, None, "past its useful time", at=NOW),
        ],
        "a",
    )
    (again,) = await store.claim("a", later, LEASE, 10)
    assert again.failing_since == NOW
    assert again.attempts == 1  # the transient failure gave its attempt back
    # A later failure does not move the start of the failing period.
    await store.settle(
        [Settlement(again.id, OutboxStatus.PENDING, later, "502", failing_since=later)], "a"
    )
    (third,) = await store.claim("a", later, LEASE, 10)
    assert third.failing_since == NOW
    assert (await _statuses(engine)) == {1: "sending", 2: "skipped"}
    report = await store.report("test")
    assert report.count(OutboxStatus.SKIPPED) == 1
