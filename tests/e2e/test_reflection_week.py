"""Issue #5: a simulated week of reflection prompts for students on different shifts, over
real HTTP. The test clock steps through the week a quarter of an hour at a time and runs
the prompt tick at each step (once as two overlapping ticks, and across a restart of the
bot), while the students answer, snooze, skip, have a hard shift, or let a prompt expire."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.bootstrap import Runtime, start_bot, stop_bot
from bot.config import Settings
from bot.scheduler.jobs import PROMPT_JOB
from bot.services.identity.domain import Role
from bot.storage.base import Base
from bot.storage.delivery.models import OutboxRow
from bot.storage.reflection.models import ReflectionRow
from tests.e2e.conftest import make_world
from tests.e2e.flows import enrol, link, outbox_drained
from tests.fakebotapi import BotMessage, FakeBotApi, SimUser
from tests.support import ManualClock, eventually

ZONE = ZoneInfo("Europe/Copenhagen")
MONDAY = datetime(2027, 2, 8, tzinfo=ZONE)  # the placement started on 1 February
PROMPT_BUTTON = "✍️ Svar nu"
Action = Callable[[], Awaitable[None]]


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """Return a local moment of the simulated week (day 0 is Monday)."""
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


def _prompts(user: SimUser) -> list[BotMessage]:
    """Return the prompts the user got (as sent: answering one removes its buttons)."""
    return [m for m in user.messages if "rf:go:" in str(m.params.get("reply_markup", ""))]


async def _prompt(user: SimUser, count: int) -> BotMessage:
    """Wait for the user's `count`-th prompt message and return it."""

    async def arrived() -> bool:
        return len(_prompts(user)) >= count

    await eventually(arrived)
    user.read_all()
    return _prompts(user)[count - 1]


async def _answer(user: SimUser, texts: list[str]) -> BotMessage:
    """Write answers one by one; return the bot's reply to the last."""
    last = None
    for text in texts:
        await user.send(text)
        last = await user.next_message()
    assert last is not None
    return last


class Week:
    """The running bot, the students and what the tick did when."""

    def __init__(self, fake_api: FakeBotApi, settings: Settings, clock: ManualClock) -> None:
        self.fake_api, self.settings, self.clock = fake_api, settings, clock
        self.runtime: Runtime | None = None
        self.prompted: dict[int, list[datetime]] = defaultdict(list)
        names = {"anna": 7101, "bo": 7102, "sen": 7103, "vera": 7104}
        self.users = {n: fake_api.user(i, first_name=n.title()) for n, i in names.items()}

    async def start(self) -> Runtime:
        self.runtime = await start_bot(self.settings, clock=self.clock, poll_timeout=1)
        return self.runtime

    async def restart(self) -> None:
        assert self.runtime is not None
        await stop_bot(self.runtime)
        await self.start()

    async def tick(self, overlapping: bool = False) -> None:
        """Run the prompt job (twice at once when overlapping) and note who was prompted."""
        assert self.runtime is not None
        assert self.runtime.application.job_queue is not None
        [job] = self.runtime.application.job_queue.get_jobs_by_name(PROMPT_JOB)
        before = await self._entries()
        runs = [job.run(self.runtime.application) for _ in range(2 if overlapping else 1)]
        await asyncio.gather(*runs)
        await outbox_drained(self.runtime, self.clock)  # sent at this moment, not days later
        for person_id in (await self._entries()) - before:
            self.prompted[person_id[0]].append(self.clock.now().astimezone(ZONE))

    async def _entries(self) -> set[tuple[int, int]]:
        assert self.runtime is not None
        async with self.runtime.engine.connect() as conn:
            rows = await conn.execute(select(ReflectionRow.person_id, ReflectionRow.id))
        return {(p, i) for p, i in rows}

    async def person_id(self, name: str) -> int:
        assert self.runtime is not None
        profile = await self.runtime.services.access.profile(self.users[name].id)
        assert profile is not None
        return profile.person.id

    async def run(self, until: datetime, actions: dict[datetime, Action]) -> None:
        """Step the clock to `until`, ticking every 15 minutes and acting at set moments."""
        moment = self.clock.now().astimezone(ZONE)
        while moment < until:
            moment += timedelta(minutes=15)
            self.clock.set(moment.astimezone(UTC))
            await self.tick(overlapping=moment == _at(3, 15, 15))
            if moment == _at(2, 12):
                await self.restart()
            if moment in actions:
                await actions[moment]()


async def _setup(week: Week) -> None:
    """Enrol three students and a supervisor; set shifts, a pause and a learning goal."""
    runtime = week.runtime
    assert runtime is not None
    world = await make_world(runtime)
    u = week.users
    for name in ("anna", "bo", "sen"):
        await enrol(u[name], world.codes[Role.STUDENT])
    await enrol(u["vera"], world.codes[Role.SUPERVISOR])
    await link(runtime, world.cohort.id, u["anna"], u["vera"])
    await u["bo"].send("/indstillinger")
    settings = await u["bo"].expect_text("Dit daglige refleksionsspørgsmål")
    assert "efter din dagvagt" in settings.text
    await u["bo"].press(settings, "aftenvagt")
    assert "efter din aftenvagt" in (await u["bo"].wait_edit(settings)).text
    await u["sen"].send("/indstillinger")
    settings = await u["sen"].expect_text("Dit daglige refleksionsspørgsmål")
    await u["sen"].press(settings, "nattevagt")
    await u["sen"].wait_edit(settings)
    await u["sen"].send("/pause 11-02-2027")
    paused = await u["sen"].expect_text("På pause")
    assert "fredag 12. februar kl. 07:15" in paused.text
    await u["anna"].send("/maal")
    goals = await u["anna"].expect_text("Du har ingen læringsmål endnu")
    await u["anna"].press(goals, "➕ Tilføj et læringsmål")
    await u["anna"].expect_text("Skriv dit læringsmål")
    await u["anna"].send("Lære at give og modtage struktureret feedback")
    assert "Lære at give og modtage" in (await u["anna"].expect_text("Gemt.")).text


async def test_a_week_of_prompts_for_three_shifts(
    fake_api: FakeBotApi, bot_settings: Settings, clock: ManualClock
) -> None:
    clock.set(_at(0, 8).astimezone(UTC))
    week = Week(fake_api, bot_settings, clock)
    await week.start()
    try:
        await _setup(week)
        await week.run(_at(6, 23, 45), _actions(week))
        await _check_week(week)
    finally:
        assert week.runtime is not None
        await stop_bot(week.runtime)


def _actions(week: Week) -> dict[datetime, Action]:
    """Return what the students do, and when."""
    u = week.users
    anna, bo, sen, vera = u["anna"], u["bo"], u["sen"], u["vera"]

    async def anna_monday() -> None:
        prompt = await _prompt(anna, 1)
        assert "Spørgsmål 1 af 3" in prompt.text
        await anna.press(prompt, PROMPT_BUTTON)
        await anna.expect_text("Spørgsmål 1 af 3")
        await anna.send("Patienten 010190-1234 fik sin medicin")
        await anna.expect_text("ser ud til at indeholde et CPR-nummer")
        done = await _answer(
            anna,
            [
                "Jeg gav medicin sammen med min vejleder.",
                "Jeg lærte at dobbelttjekke doseringen.",
                "I morgen beder jeg min vejleder om feedback på en situation.",
            ],
        )
        assert "Din refleksion er gemt" in done.text
        await anna.press(done, "🎯 Lære at give og modtage")
        tagged = await anna.wait_edit(done)
        assert "Læringsmål: Lære at give og modtage" in tagged.text
        await anna.press(tagged, "Del med min vejleder")
        await anna.wait_edit(tagged)
        await vera.expect_text("Anna har delt en refleksion med dig")
        await vera.send("/delt")
        shared = await vera.expect_text("Refleksioner delt med dig")
        assert "Jeg lærte at dobbelttjekke doseringen." in shared.text

    async def anna_tuesday() -> None:
        prompt = await _prompt(anna, 2)
        assert "I morgen beder jeg min vejleder om feedback" in prompt.text
        assert "Spørgsmål 1 af 4" in prompt.text
        await anna.press(prompt, "⏰ Om 1 time")
        assert "jeg spørger igen kl. 16:15" in (await anna.wait_edit(prompt)).text

    async def anna_tuesday_later() -> None:
        reminder = await _prompt(anna, 3)
        assert reminder.text.startswith("En blid påmindelse")
        done = await _answer(anna, ["Ja, det gik godt.", "Travl vagt.", "Roen.", "Spørge."])
        assert "2 refleksioner i træk" in done.text

    async def anna_wednesday() -> None:
        prompt = await _prompt(anna, 4)
        await anna.press(prompt, "Spring over i dag")
        assert "Ingen refleksion i dag" in (await anna.wait_edit(prompt)).text

    async def anna_thursday() -> None:
        prompt = await _prompt(anna, 5)
        await anna.press(prompt, "😣 Hård vagt")
        await anna.expect_text("hård vagt")
        first = await anna.expect_text("Spørgsmål 1 af 7")
        assert "Spørge." in first.text  # Tuesday's plan, offered again after Wednesday's skip
        done = await _answer(anna, [f"Svar {n}" for n in range(1, 8)])
        assert "Din refleksion er gemt" in done.text

    async def anna_saturday() -> None:
        assert len(_prompts(anna)) == 6  # Friday's came, and she let it be
        anna.read_all()
        await anna.send("Hvornår er der vagtskifte om aftenen?")
        answer = await anna.next_message()
        assert "Spørgsmål 1 af" not in answer.text  # Friday's prompt expired: this is a question
        await anna.send("/eksport")
        documents = [await anna.next_message(), await anna.next_message()]
        (data,) = [d for d in documents if (d.file_name or "").endswith(".json")]
        body = data.file_bytes.decode()  # the JSON half of the export (the PDF is compressed)
        assert "Lære at give og modtage struktureret feedback" in body
        assert "Jeg lærte at dobbelttjekke doseringen." in body
        assert "010190" not in body

    async def bo_tuesday_morning() -> None:
        prompt = await _prompt(bo, 1)
        await bo.press(prompt, PROMPT_BUTTON)
        await bo.next_message()
        done = await _answer(bo, ["Aftenrunde.", "Ro på.", "Tjekke tidligere."])
        assert "Din refleksion er gemt" in done.text

    async def sen_deletes() -> None:
        await _prompt(sen, 2)
        await sen.send("/slet")
        question = await sen.next_message()
        await sen.press(question, "Ja, slet alt")
        assert "er slettet" in (await sen.wait_edit(question)).text

    return {
        _at(0, 15, 15): anna_monday,
        _at(1, 8): bo_tuesday_morning,
        _at(1, 15, 15): anna_tuesday,
        _at(1, 16, 15): anna_tuesday_later,
        _at(2, 15, 15): anna_wednesday,
        _at(3, 15, 15): anna_thursday,
        _at(5, 10): anna_saturday,
        _at(5, 8): sen_deletes,
    }


async def _check_week(week: Week) -> None:
    """Prompts came at the right local times, once each; deletion left nothing behind."""
    anna, bo = await week.person_id("anna"), await week.person_id("bo")
    assert week.prompted[anna] == [_at(d, 15, 15) for d in range(5)]
    assert week.prompted[bo] == [_at(d, 23, 15) for d in range(5)]
    sen_prompts = [times for pid, times in week.prompted.items() if pid not in (anna, bo)]
    assert sen_prompts == [[_at(4, 7, 15), _at(5, 7, 15)]]
    assert [len(_prompts(week.users[n])) for n in ("anna", "bo", "sen")] == [6, 5, 2]
    runtime = week.runtime
    assert runtime is not None
    async with runtime.engine.connect() as conn:
        keys = (await conn.execute(select(OutboxRow.dedupe_key))).scalars().all()
        prompt_keys = [k for k in keys if k and k.startswith("prompt:")]
        assert len(prompt_keys) == len(set(prompt_keys)) == 10  # sen's two left with him
        await _assert_nothing_left_of(conn, week.users["sen"].id)


async def _assert_nothing_left_of(conn: AsyncConnection, telegram_id: int) -> None:
    """Scan every table for the deleted person's Telegram id or a reference to a person
    who no longer exists."""
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if column.name in ("telegram_id", "chat_id"):
                found = await conn.scalar(
                    select(func.count()).select_from(table).where(column == telegram_id)
                )
                assert found == 0, f"{table.name}.{column.name} still holds the person"
            for key in column.foreign_keys:
                if key.column.table.name != "person":
                    continue
                person = Base.metadata.tables["person"]
                orphans = await conn.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(column.is_not(None), column.not_in(select(person.c.id)))
                )
                assert orphans == 0, f"{table.name}.{column.name} points at a deleted person"
