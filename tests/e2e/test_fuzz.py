"""Property-based fuzzing of the real application over the fake Bot API (#14 point 8).

Hypothesis drives odd updates through the running bot: random unicode of every length
(empty, 1, 4096, more), random entities, edits, media, group chats and channel posts, update
types the bot did not ask for or that do not exist, garbage callback data (non-ASCII digits,
huge numbers, empty data, messages that do not exist) and real buttons, from enrolled people
and strangers with odd language codes. After every example:

- no ERROR was logged (the error handler logs every unhandled exception at ERROR);
- every private message (and edit) from a person got at least one reply, and every callback
  query was answered;
- the bot broke no Telegram rule (length, markup, unknown message) and wrote to no group;
- nobody who has not enrolled has a person row, a stranger's text is stored only as an
  anonymous question, and no CPR number is anywhere in the database (every text column).

`FUZZ_EXAMPLES` sets the number of examples (default 200, deterministic: derandomized);
`FUZZ_EXAMPLES=3000 .venv/bin/pytest tests/e2e/test_fuzz.py` runs a long session locally.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, String, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import Runtime
from bot.services.identity.domain import Role
from bot.services.kernel.cpr import find_cpr_numbers
from bot.storage import schema
from bot.storage.identity.models import PersonRow
from tests.e2e.conftest import World
from tests.e2e.flows import enrol
from tests.fakebotapi import FakeBotApi
from tests.support import eventually

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
WAIT = float(os.environ.get("FUZZ_WAIT", "15"))  # seconds for one example's replies

# FUZZ_SHRINK=0 reports the first failing example as it came, without shrinking it.
PHASES = [p for p in Phase if p is not Phase.shrink or os.environ.get("FUZZ_SHRINK") != "0"]

STUDENT, SUPERVISOR, COORDINATOR = 61_001, 61_002, 61_003
ENROLLED = (STUDENT, SUPERVISOR, COORDINATOR)
# Strangers, one with the largest id Telegram may give (52 bits).
STRANGERS = (62_001, 62_002, 62_003, 4_503_599_627_370_495)
GROUPS = {-4_567: "group", -1_001_234_567_890: "supergroup"}
CHANNEL = -1_009_876_543_210
LANGUAGES = st.sampled_from(["", "xx", None, "da", "en", "de", "zh-hans", "pt-br", "DA", "x" * 40])
# Valid CPR numbers in the shapes people write them (a Unicode hyphen, a space, none).
CPRS = st.sampled_from(["010190-1234", "0101901234", "311299 4321", "150585‐4017", "2202954411"])
COMMANDS = [
    "/start",
    "/start nonsense",
    "/start " + "x" * 300,
    "/start@praktikbot_test_bot",
    "/help",
    "/hjaelp",
    "/sprog",
    "/navn",
    "/annuller",
    "/refleksion",
    "/logbog",
    "/maal",
    "/delt",
    "/feedback",
    "/pause",
    "/genoptag",
    "/spoerg",
    "/huller",
    "/status",
    "/link",
    "/broadcast",
    "/dokumenter",
    "/flyvemaskine",
    "/",
    "/²",
]
# /slet is left out (a confirmed deletion would end the enrolled people's part of the run);
# its buttons' data is still forged below.
PREFIXES = [
    "ob:l",
    "ob:y",
    "ob:n",
    "lg",
    "nm",
    "iv",
    "iv:r",
    "lk",
    "lk:v",
    "bc",
    "bl",
    "st",
    "rf",
    "rg",
    "rs",
    "lb",
    "gl",
    "fb",
    "fs",
    "fq",
    "fp",
    "fk",
    "cv",
    "qa:up",
    "qa:dn",
    "qa:ho",
    "qa:re",
    "kb:more",
    "kn:faq",
    "kn:add",
    "kn:rm",
    "del",
    "wc",
    "pu",
    "sp",
    "it",
]
FIELDS = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(str),
    st.sampled_from(["²", "١٢", "٣", "-1", "", "0", "9" * 19, str(2**63), str(2**64 + 1), "da"]),
    st.text(max_size=6),
)
WORDS = st.sampled_from(
    [
        "Hvornår skal jeg møde ind?",
        "What time do I start?",
        "ja",
        "nej",
        "hej",
        "Hvad er et CPR-nummer?",
        "<b>fed</b> & <i>",
        "&amp; </a>",
    ]
)
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.builds(
        lambda ch, n: ch * n,
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
        st.sampled_from([1, 4095, 4096, 4097, 5000]),
    ),
    st.sampled_from(COMMANDS),
    WORDS,
    st.builds("{} {} {}".format, WORDS | st.text(max_size=10), CPRS, st.text(max_size=10)),
    st.builds("{} {}".format, st.sampled_from(COMMANDS), st.text(max_size=20)),
)
ENTITY_TYPES = ["bot_command", "bold", "mention", "url", "text_link", "spoiler", "future_kind"]


@dataclass
class Fuzz:
    """The running bot, the fake, and what the properties need to know."""

    fake: FakeBotApi
    runtime: Runtime
    injected: int = 0
    processed: int = 0
    errors: list[str] = field(default_factory=list)
    stranger_texts: set[str] = field(default_factory=set)
    enrolled_texts: set[str] = field(default_factory=set)


class _Errors(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(f"{record.name}: {record.getMessage()} {record.exc_info or ''}")


@pytest.fixture
async def fuzz(fake_api: FakeBotApi, world: World) -> AsyncIterator[Fuzz]:
    """Enrol a student, a supervisor and a coordinator; count every processed update and
    every ERROR logged."""
    for user_id, role, language in (
        (STUDENT, Role.STUDENT, "da"),
        (SUPERVISOR, Role.SUPERVISOR, "en"),
        (COORDINATOR, Role.COORDINATOR, "da"),
    ):
        await enrol(fake_api.user(user_id, language_code=language), world.codes[role], language)
    for chat_id, kind in GROUPS.items():
        fake_api.add_chat(chat_id, chat_type=kind)
    state = Fuzz(fake_api, world.runtime)
    processor = world.runtime.application.update_processor
    assert processor.max_concurrent_updates > 1
    original = processor.process_update

    async def counted(update: object, coroutine: Any) -> None:
        try:
            await original(update, coroutine)
        finally:
            state.processed += 1

    processor.process_update = counted  # type: ignore[method-assign]
    handler = _Errors(state.errors)
    logging.getLogger().addHandler(handler)
    try:
        yield state
    finally:
        logging.getLogger().removeHandler(handler)


def _user(user_id: int, language: str | None, first_name: str = "Anna") -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name or "A"}
    if language is not None:
        user["language_code"] = language
    return user


def _private(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "type": "private", "first_name": "Anna"}


def _entities(draw: st.DrawFn, text: str) -> list[dict[str, Any]]:
    length = len(text.encode("utf-16-le")) // 2
    entities = []
    if text.startswith("/"):
        command = text.split(" ", 1)[0]
        entities.append({"type": "bot_command", "offset": 0, "length": len(command)})
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(ENTITY_TYPES))
        entity: dict[str, Any] = {
            "type": kind,
            "offset": draw(st.integers(0, length + 3)),
            "length": draw(st.integers(0, length + 3)),
        }
        if kind == "text_link":
            entity["url"] = "https://example.org/" + draw(st.text(max_size=5))
        entities.append(entity)
    return entities


def _media(fake: FakeBotApi, kind: str) -> dict[str, Any]:
    record = fake.files.add("document" if kind == "document" else "photo", b"x" * 16, "f.bin")
    ids = {"file_id": record.file_id, "file_unique_id": record.file_unique_id}
    return {
        "sticker": {
            "sticker": {
                **ids,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        },
        "photo": {"photo": [{**ids, "width": 64, "height": 48}]},
        "voice": {"voice": {**ids, "duration": 3}},
        "document": {"document": {**ids, "file_name": "x.pdf", "mime_type": "application/pdf"}},
        "location": {"location": {"latitude": 55.68, "longitude": 12.57}},
        "contact": {"contact": {"phone_number": "+4512345678", "first_name": "B"}},
        "dice": {"dice": {"emoji": "🎲", "value": 6}},
        "venue": {
            "venue": {
                "location": {"latitude": 55.68, "longitude": 12.57},
                "title": "Rigshospitalet",
                "address": "Blegdamsvej 9",
            }
        },
    }[kind]


@dataclass
class Expect:
    """What one example waits for: replies per private chat, answers per query."""

    replies: dict[int, int] = field(default_factory=dict)
    queries: list[str] = field(default_factory=list)


def _message(fuzz: Fuzz, chat: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
    return {
        "message_id": fuzz.fake._next_message_id(chat["id"]),
        "chat": chat,
        "date": int(time.time()),
        **content,
    }


def _draw_event(draw: st.DrawFn, fuzz: Fuzz, expect: Expect) -> dict[str, Any]:
    """Draw one update (and note what it should get)."""
    fake = fuzz.fake
    kind = draw(
        st.sampled_from(
            ["text"] * 6
            + ["media", "edit", "callback", "callback", "group", "channel", "other", "member"]
        )
    )
    user_id = draw(st.sampled_from(ENROLLED + STRANGERS))
    sender = _user(user_id, draw(LANGUAGES), draw(st.sampled_from(["Anna", "", "<b>&", "ø" * 64])))
    if kind in ("text", "media", "edit"):
        chat = _private(user_id)
        if kind == "media":
            media = draw(
                st.sampled_from(
                    [
                        "sticker",
                        "photo",
                        "voice",
                        "document",
                        "location",
                        "contact",
                        "dice",
                        "venue",
                    ]
                )
            )
            content = _media(fake, media)
            if media in ("photo", "document") and draw(st.booleans()):
                content["caption"] = draw(TEXT)
        else:
            text = draw(TEXT)
            content = {"text": text}
            entities = _entities(draw, text)
            if entities:
                content["entities"] = entities
            said = fuzz.stranger_texts if user_id in STRANGERS else fuzz.enrolled_texts
            if len(text.strip()) >= 12:
                said.add(text.strip())
        message = _message(fuzz, chat, {"from": sender, **content})
        if kind == "edit":
            message["edit_date"] = message["date"]
            message["message_id"] = draw(st.sampled_from([1, message["message_id"], 2**31 - 1]))
        else:
            fake._user_messages[(user_id, message["message_id"])] = message
        expect.replies[user_id] = expect.replies.get(user_id, 0) + 1
        return {"edited_message" if kind == "edit" else "message": message}
    if kind == "callback":
        query_id = fake.open_query(user_id)
        expect.queries.append(query_id)
        buttons = [
            (msg, str(b["callback_data"]))
            for msg in fake.messages(user_id)[-5:]
            for b in msg.buttons()
            if "callback_data" in b and not str(b["callback_data"]).startswith("del:")
        ]
        prefix = draw(st.sampled_from(PREFIXES))
        forged = ":".join([prefix, *draw(st.lists(FIELDS, max_size=4))])
        choices = [st.just(""), st.just(forged[:64]), st.text(max_size=20)]
        data = draw(st.one_of(*choices))
        # Always the same draws, whatever the chat holds (Hypothesis replays them).
        real, pick = draw(st.booleans()), draw(st.integers(0, 63))
        bot_message = None
        if buttons and real:
            bot_message, data = buttons[pick % len(buttons)]
        query: dict[str, Any] = {
            "id": query_id,
            "from": sender,
            "chat_instance": str(user_id * 7),
            "data": data,
        }
        where = draw(st.sampled_from(["real", "gone", "inaccessible", "inline"]))
        if bot_message is not None or (where == "real" and fake.messages(user_id)):
            bot_message = bot_message or fake.messages(user_id)[-1]
            query["message"] = fake.message_dict(bot_message)
        elif where == "gone":
            query["message"] = {
                "message_id": 2**31 - 1,
                "chat": _private(user_id),
                "date": int(time.time()),
                "from": fake.bot_user(),
                "text": "old",
            }
        elif where == "inaccessible":
            query["message"] = {"message_id": 99_999, "chat": _private(user_id), "date": 0}
        else:
            query["inline_message_id"] = "AAAA" + draw(st.text("abc123", max_size=8))
        if draw(st.integers(0, 9)) == 0:
            del query["data"]
            query["game_short_name"] = "game"
        return {"callback_query": query}
    if kind == "group":
        chat_id = draw(st.sampled_from(sorted(GROUPS)))
        chat = {"id": chat_id, "type": GROUPS[chat_id], "title": "Afdeling"}
        text = draw(TEXT)
        content = {"text": text, "from": sender}
        entities = _entities(draw, text)
        if entities:
            content["entities"] = entities
        return {
            draw(st.sampled_from(["message", "edited_message"])): _message(fuzz, chat, content)
        }
    if kind == "channel":
        chat = {"id": CHANNEL, "type": "channel", "title": "Nyheder"}
        post = _message(fuzz, chat, {"text": draw(TEXT)})
        return {draw(st.sampled_from(["channel_post", "edited_channel_post"])): post}
    if kind == "member":
        chat = draw(
            st.sampled_from(
                [_private(user_id), {"id": -4_567, "type": "group", "title": "Afdeling"}]
            )
        )
        old, new = draw(st.sampled_from([("member", "kicked"), ("kicked", "member")]))

        def member(status: str) -> dict[str, Any]:
            body: dict[str, Any] = {"user": fake.bot_user(), "status": status}
            if status == "kicked":
                body["until_date"] = 0
            return body

        change = {
            "chat": chat,
            "from": sender,
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return {"my_chat_member": change}
    other = draw(
        st.sampled_from(
            ["inline_query", "chosen_inline_result", "poll_answer", "chat_join_request", "future"]
        )
    )
    if other == "inline_query":
        return {"inline_query": {"id": "9", "from": sender, "query": draw(TEXT), "offset": ""}}
    if other == "chosen_inline_result":
        body = {"result_id": "1", "from": sender, "query": draw(st.text(max_size=20))}
        return {"chosen_inline_result": body}
    if other == "poll_answer":
        return {
            "poll_answer": {
                "poll_id": "1",
                "user": sender,
                "option_ids": [0],
                "option_persistent_ids": ["a"],
            }
        }
    if other == "chat_join_request":
        chat = {"id": -1_001_234_567_890, "type": "supergroup", "title": "Afdeling"}
        body = {"chat": chat, "from": sender, "user_chat_id": user_id, "date": 0}
        return {"chat_join_request": body}
    return {"telegram_2030_update": {"anything": draw(st.text(max_size=10)), "n": 2**70}}


async def _text_columns(engine: AsyncEngine) -> list[tuple[str, str, str, Any]]:
    """Every non-empty text value in the database as (table, column, text, row's person_id)."""
    found = []
    async with engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | JSON)]
            if not columns:
                continue
            person = table.columns.get("person_id")
            query = select(*columns, *([person] if person is not None else []))
            for row in await conn.execute(query):
                values = row._mapping
                for column in columns:
                    value = values[column.name]
                    if value is None:
                        continue
                    text = (
                        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    )
                    owner = values["person_id"] if person is not None else None
                    found.append((table.name, column.name, text, owner))
    return found


async def _check_storage(fuzz: Fuzz) -> None:
    engine = fuzz.runtime.engine
    async with engine.connect() as conn:
        people = set((await conn.execute(select(PersonRow.telegram_id))).scalars())
    assert people <= set(ENROLLED), f"people who never enrolled were stored: {people}"
    for table, column, text, owner in await _text_columns(engine):
        assert not find_cpr_numbers(text), f"a CPR number is stored in {table}.{column}: {text!r}"
        if table == "question" and owner is None:
            continue  # an anonymous question (the tally of what strangers ask)
        for said in fuzz.stranger_texts - fuzz.enrolled_texts:
            assert said not in text, f"a stranger's text is stored in {table}.{column}"


async def _settle(
    fuzz: Fuzz, before: dict[int, int], expect: Expect, updates: list[dict[str, Any]]
) -> None:
    fake = fuzz.fake

    async def done() -> bool:
        replied = all(
            len(fake.messages(chat_id)) >= before.get(chat_id, 0) + count
            for chat_id, count in expect.replies.items()
        )
        answered = all(fake.query_answered(query_id) for query_id in expect.queries)
        return replied and answered and fuzz.processed >= fuzz.injected

    try:
        await eventually(done, timeout=WAIT)
    except AssertionError:
        missing = {
            chat_id: (len(fake.messages(chat_id)) - before.get(chat_id, 0), count)
            for chat_id, count in expect.replies.items()
        }
        unanswered = [q for q in expect.queries if not fake.query_answered(q)]
        raise AssertionError(
            f"replies (got, wanted) per chat: {missing}; unanswered queries: {unanswered}; "
            f"processed {fuzz.processed} of {fuzz.injected}; errors: {fuzz.errors}; "
            f"updates: {json.dumps(updates, ensure_ascii=False)[:3000]}"
        ) from None


@settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=PHASES,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
@pytest.mark.timeout(max(110, FUZZ_EXAMPLES))
async def test_odd_updates_never_crash_and_always_get_an_answer(
    fuzz: Fuzz, data: st.DataObject
) -> None:
    fake = fuzz.fake
    expect = Expect()
    chats = [*ENROLLED, *STRANGERS, *GROUPS, CHANNEL]
    before = {chat_id: len(fake.messages(chat_id)) for chat_id in chats}
    updates = [_draw_event(data.draw, fuzz, expect) for _ in range(data.draw(st.integers(1, 4)))]
    for update in updates:
        fake.inject(update)
        fuzz.injected += 1
    await _settle(fuzz, before, expect, updates)
    assert fuzz.errors == [], fuzz.errors
    broken = [v for v in fake.violations if "flood limit" not in v]
    assert broken == [], broken
    for chat_id in (*GROUPS, CHANNEL):
        assert len(fake.messages(chat_id)) == before[chat_id], f"the bot wrote to {chat_id}"
    await _check_storage(fuzz)
