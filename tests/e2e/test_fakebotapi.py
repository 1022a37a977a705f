"""The fake Bot API driven by a real PTB Bot over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
import warnings
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakebotapi import BotMessage, FakeBotApi, Fault, SimUser
from tests.fakebotapi.limits import RateLimiter
from tests.fakebotapi.simuser import TINY_PNG

pytestmark = [
    # PTB itself warns when it builds RetryAfter or reads Voice.duration (int -> timedelta).
    pytest.mark.filterwarnings(
        "ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning"
    ),
]

TOKEN = "123456789:AAH-fake_token_for_tests"
USER = 42


@pytest.fixture
async def fake():
    """A running fake Bot API server."""
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(fake: FakeBotApi):
    """A real PTB Bot pointed at the fake."""
    async with Bot(TOKEN, base_url=f"{fake.base_url}/bot", base_file_url=fake.base_file_url) as b:
        yield b


@pytest.fixture
async def anna(fake: FakeBotApi) -> SimUser:
    """A user who has written to the bot, so the bot may message her."""
    user = fake.user(USER, first_name="Anna", username="anna_dk")
    await user.send("/start")
    return user


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    """One row of callback buttons."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in pairs]])


def seconds(value: int | dtm.timedelta) -> float:
    """RetryAfter.retry_after as seconds, whichever type PTB returns."""
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def retry_after_of(exc: RetryAfter) -> float:
    """Read retry_after without PTB's deprecation warning about its int type."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return seconds(exc.retry_after)


async def raw_post(fake: FakeBotApi, method: str, **kwargs: Any) -> tuple[int, dict]:
    """POST straight to the fake, bypassing PTB."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.base_url}/bot{TOKEN}/{method}", **kwargs) as response,
    ):
        return response.status, await response.json()


async def test_get_me(bot: Bot, fake: FakeBotApi) -> None:
    """getMe returns the bot with the token's id."""
    me = await bot.get_me()
    assert me.id == 123456789
    assert me.is_bot
    assert me.username == "praktikbot_test_bot"
    assert me.can_join_groups is True
    assert fake.calls[0][0] == "getMe"


async def test_send_message_round_trip(bot: Bot, fake: FakeBotApi, anna: SimUser) -> None:
    """A sent message de_jsons in PTB and is recorded with text, parse_mode and markup."""
    sent = await bot.send_message(
        USER, "<b>Hej</b> Anna &amp; co", parse_mode="HTML", reply_markup=keyboard(("Ja", "yes"))
    )
    assert isinstance(sent, Message)
    assert sent.text == "Hej Anna & co"
    assert sent.from_user is not None
    assert sent.from_user.is_bot
    assert sent.chat.id == USER
    assert sent.entities[0].type == "bold"
    assert sent.entities[0].length == 3
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "yes"
    got = await anna.next_message()
    assert isinstance(got, BotMessage)
    assert (got.message_id, got.kind, got.parse_mode) == (sent.message_id, "text", "HTML")
    assert got.source == "<b>Hej</b> Anna &amp; co"
    assert got.reply_markup == {"inline_keyboard": [[{"text": "Ja", "callback_data": "yes"}]]}
    assert Message.de_json(fake.message_dict(got), bot).text == "Hej Anna & co"
    assert fake.violations == []


async def test_raw_json_and_form_bodies_keep_string_types(fake: FakeBotApi, anna: SimUser) -> None:
    """JSON and form bodies both work; a text that looks like JSON stays a string."""
    status, body = await raw_post(fake, "sendMessage", json={"chat_id": USER, "text": "123"})
    assert status == 200
    assert body["result"]["text"] == "123"
    markup = '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}'
    status, body = await raw_post(
        fake, "sendmessage", data={"chat_id": str(USER), "text": "true", "reply_markup": markup}
    )
    assert status == 200
    assert body["result"]["text"] == "true"
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"


async def test_unknown_method_is_404(fake: FakeBotApi) -> None:
    """An unknown method answers 404 Not Found like Telegram."""
    status, body = await raw_post(fake, "fooBar", json={})
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_html_length_counts_text_without_tags(bot: Bot, fake: FakeBotApi, anna) -> None:
    """4096 visible characters pass however much markup there is; 4097 do not."""
    text = "<b>" + "&lt;" * 4000 + "</b>" + "<i>" + "x" * 96 + "</i>"
    sent = await bot.send_message(USER, text, parse_mode="HTML")
    assert len(sent.text) == 4096
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "<b>" + "x" * 4097 + "</b>", parse_mode="HTML")


async def test_plain_text_limits(bot: Bot, fake: FakeBotApi, anna: SimUser) -> None:
    """4097 characters and blank texts are refused with Telegram's 400s and recorded."""
    await bot.send_message(USER, "ø" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "ø" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(USER, "  \n ")
    assert len(fake.violations) == 2
    assert "message is too long" in fake.violations[0]
    assert ("sendMessage", 400, "Bad Request: message text is empty") in fake.errors


async def test_callback_data_limit_is_64_bytes(bot: Bot, fake: FakeBotApi, anna: SimUser) -> None:
    """callback_data may have 64 bytes of UTF-8, not 65."""
    await bot.send_message(USER, "ok", reply_markup=keyboard(("a", "æ" * 32)))
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "no", reply_markup=keyboard(("a", "x" * 65)))
    assert any("BUTTON_DATA_INVALID" in v for v in fake.violations)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<b>unclosed", "can't find end tag"),
        ("a < b", "unsupported start tag"),
        ("<br>line", 'unsupported start tag "br"'),
        ("<b>x</i>", "unmatched end tag"),
        ("AT&T", 'unescaped "&"'),
    ],
)
async def test_malformed_html_is_refused(
    bot: Bot, fake: FakeBotApi, anna: SimUser, text: str, reason: str
) -> None:
    """Malformed HTML gives 400 can't parse entities."""
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as info:
        await bot.send_message(USER, text, parse_mode="HTML")
    assert reason in info.value.message.lower()
    assert fake.messages(USER) == []


async def test_edits(bot: Bot, fake: FakeBotApi, anna: SimUser) -> None:
    """Edits update the same BotMessage; identical edits and unknown ids are refused."""
    sent = await bot.send_message(USER, "Spørgsmål 1", reply_markup=keyboard(("A", "a")))
    msg = await anna.next_message()
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "Spørgsmål 1", USER, sent.message_id, reply_markup=keyboard(("A", "a"))
        )
    edited = await bot.edit_message_text(
        "Svar: <i>A</i>", USER, sent.message_id, parse_mode="HTML"
    )
    assert edited.edit_date is not None
    assert msg.text == "Svar: A"
    assert msg.reply_markup is None  # no reply_markup in the edit removes the keyboard
    assert len(msg.edits) == 1
    assert msg.edits[0]["method"] == "editMessageText"
    await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard(("B", "b")))
    assert msg.button_texts() == ["B"]
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", USER, 999)
    assert await bot.delete_message(USER, sent.message_id) is True
    assert msg.deleted
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(USER, sent.message_id)


async def test_chat_not_found(bot: Bot, fake: FakeBotApi) -> None:
    """A chat no user ever wrote from is unknown."""
    fake.user(77)  # exists, but has never written
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(77, "Hej")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.get_chat(77)


async def test_injected_retry_after(bot: Bot, fake: FakeBotApi, anna: SimUser) -> None:
    """Fault.retry_after raises RetryAfter with the given seconds, once."""
    fake.fail_next("sendMessage", Fault.retry_after(7))
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "Hej")
    assert retry_after_of(info.value) == 7
    await bot.send_message(USER, "Hej igen")
    assert fake.injected["retry_after"] == 1
    assert fake.count_429 == 1
    assert [m.text for m in fake.messages(USER)] == ["Hej igen"]


async def test_blocked_user(bot: Bot, fake: FakeBotApi, anna: SimUser) -> None:
    """A blocked chat answers 403 Forbidden until unblocked; Fault.blocked likewise."""
    fake.block(USER)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(USER, "Hej")
    fake.unblock(USER)
    await bot.send_message(USER, "Hej")
    fake.fail_next("sendMessage", Fault.blocked(), chat_id=USER)
    with pytest.raises(Forbidden):
        await bot.send_message(USER, "Hej")
    assert fake.injected["blocked"] == 2


async def test_server_error_is_network_error(bot: Bot, fake: FakeBotApi, anna: SimUser) -> None:
    """A 502 makes PTB raise a plain NetworkError."""
    fake.fail_next("sendMessage", Fault.server_error(502), times=2)
    for _ in range(2):
        with pytest.raises(NetworkError) as info:
            await bot.send_message(USER, "Hej")
        assert type(info.value) is NetworkError
    assert (await bot.send_message(USER, "Hej")).text == "Hej"


async def test_timeout_fault(bot: Bot, fake: FakeBotApi, anna: SimUser) -> None:
    """Fault.timeout holds the request so the client times out; deliver=True still sends."""
    fake.fail_next("sendMessage", Fault.timeout(2.0))
    start = time.monotonic()
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "lost", read_timeout=0.2)
    assert time.monotonic() - start < 1.5
    fake.fail_next("sendMessage", Fault.timeout(0.3, deliver=True))
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "arrives anyway", read_timeout=0.1)
    msg = await anna.next_message(timeout=2)
    assert msg.text == "arrives anyway"
    assert [m.text for m in fake.messages(USER)] == ["arrives anyway"]
    assert fake.injected["timeout"] == 2


async def test_long_poll_and_offset(bot: Bot, fake: FakeBotApi) -> None:
    """getUpdates returns as soon as an update arrives; offset confirms."""
    user = fake.user(USER, language_code="en")
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    start = time.monotonic()
    update_id = await user.send("/start@praktikbot_test_bot abc")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - start < 1
    assert [u.update_id for u in updates] == [update_id]
    message = updates[0].message
    assert message.text == "/start@praktikbot_test_bot abc"
    assert message.from_user.language_code == "en"
    assert message.entities[0].type == "bot_command"
    assert message.entities[0].length == len("/start@praktikbot_test_bot")
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [update_id]  # not confirmed yet
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == ()
    assert fake.pending_updates == []
    assert await fake.redeliver(update_id) is None  # polling: queued once more
    duplicate = await bot.get_updates(offset=update_id + 1, timeout=0)
    assert [u.update_id for u in duplicate] == [update_id]


async def test_second_poller_terminates_first(bot: Bot, fake: FakeBotApi) -> None:
    """Two bot instances polling at once: the older getUpdates gets 409 Conflict."""
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with Bot(TOKEN, base_url=f"{fake.base_url}/bot") as other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getupdates"):
        await asyncio.wait_for(first, 2)


async def test_set_webhook_conflicts_with_get_updates(bot: Bot, fake: FakeBotApi) -> None:
    """setWebhook ends a running long poll and makes getUpdates a 409 until deleted."""
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert await bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(Conflict, match=r"(?i)terminated by setwebhook"):
        await asyncio.wait_for(poll, 2)
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()
    assert (await bot.get_webhook_info()).url == "http://127.0.0.1:9/hook"
    assert await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


async def test_webhook_delivery_with_secret_and_redeliver(bot: Bot, fake: FakeBotApi) -> None:
    """Updates are POSTed with the secret header, retried after a 500, and redelivered."""
    received: list[tuple[str | None, dict]] = []
    answers = [500]

    async def hook(request: web.Request) -> web.Response:
        """Record the push; answer 500 the first time."""
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(status=answers.pop(0) if answers else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret_-")
        update_id = await fake.user(USER).send("hej")
        await fake.wait_for(lambda: (update_id, 200) in fake.webhook_deliveries, 3)
        assert fake.webhook_deliveries == [(update_id, 500), (update_id, 200)]
        assert [secret for secret, _ in received] == ["s3cret_-", "s3cret_-"]
        assert Update.de_json(received[-1][1], bot).message.text == "hej"
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 0
        assert info.last_error_message.startswith("Wrong response from the webhook: 500")
        assert await fake.redeliver(update_id) == 200
        assert [body["update_id"] for _, body in received] == [update_id] * 3
    finally:
        await bot.delete_webhook()
        await runner.cleanup()


async def test_commands_per_scope_and_language(bot: Bot, fake: FakeBotApi) -> None:
    """setMyCommands is stored per (scope, language_code) and read back exactly."""
    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands(
        [BotCommand("hjaelp", "Hjælp"), BotCommand("stop", "Stop")],
        scope=BotCommandScopeChat(5),
        language_code="da",
    )
    assert fake.commands[("default", "")] == [{"command": "start", "description": "Start"}]
    assert [c["command"] for c in fake.commands[("chat:5", "da")]] == ["hjaelp", "stop"]
    got = await bot.get_my_commands(scope=BotCommandScopeChat(5), language_code="da")
    assert [c.command for c in got] == ["hjaelp", "stop"]
    assert await bot.get_my_commands(scope=BotCommandScopeChat(5)) == ()
    await bot.delete_my_commands(scope=BotCommandScopeChat(5), language_code="da")
    assert ("chat:5", "da") not in fake.commands
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Command", "x")])


async def test_photo_and_document_uploads(bot: Bot, fake: FakeBotApi, anna: SimUser) -> None:
    """Multipart uploads keep name, bytes and caption; results are valid messages."""
    photo = await bot.send_photo(
        USER, TINY_PNG, caption="<b>Kort</b>", parse_mode="HTML", filename="kort.png"
    )
    assert photo.caption == "Kort"
    assert (photo.photo[-1].width, photo.photo[-1].height) == (64, 48)
    doc = await bot.send_document(USER, b"Noter\n", filename="noter.txt", caption="Dine noter")
    assert doc.document.file_name == "noter.txt"
    assert doc.document.file_size == 6
    first, second = fake.messages(USER)
    assert (first.kind, first.file_name, first.file_bytes, first.caption) == (
        "photo",
        "kort.png",
        TINY_PNG,
        "Kort",
    )
    assert (second.kind, second.file_name, second.file_bytes) == (
        "document",
        "noter.txt",
        b"Noter\n",
    )
    again = await bot.send_document(USER, doc.document.file_id)
    assert again.document.file_id == doc.document.file_id
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(USER, b"x", filename="x.txt", caption="c" * 1025)


async def test_user_files_can_be_downloaded(bot: Bot, fake: FakeBotApi) -> None:
    """Updates of every SimUser kind de_json; a user's document downloads via getFile."""
    user = fake.user(USER)
    await user.send_sticker()
    await user.send_photo(caption="foto")
    await user.send_voice()
    await user.send_document(b"PDF bytes", file_name="plan.pdf")
    updates = await bot.get_updates(timeout=0)
    sticker, photo, voice, document = (u.message for u in updates)
    assert sticker.sticker.emoji == "👍"
    assert (photo.photo[-1].width, photo.caption) == (64, "foto")
    assert voice.voice.duration == 3
    assert document.document.file_name == "plan.pdf"
    file = await bot.get_file(document.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"PDF bytes"


async def test_flood_limits_recorded(bot: Bot, fake: FakeBotApi, anna: SimUser) -> None:
    """Five messages to one chat within a second: the 4th and 5th are violations."""
    for i in range(5):
        await bot.send_message(USER, f"besked {i}")
    assert len(fake.messages(USER)) == 5
    flood = [v for v in fake.violations if "flood limit" in v]
    assert len(flood) == 2
    assert "chat=42" in flood[0]
    assert fake.count_429 == 0


async def test_flood_limits_enforced(fake: FakeBotApi, anna: SimUser) -> None:
    """With enforce_limits the 4th message within a second is a 429 with retry_after >= 1."""
    fake.enforce_limits = True
    async with Bot(TOKEN, base_url=f"{fake.base_url}/bot") as bot:
        for i in range(3):
            await bot.send_message(USER, f"besked {i}")
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(USER, "for meget")
    assert retry_after_of(info.value) >= 1
    assert fake.count_429 == 1
    assert len(fake.messages(USER)) == 3
    assert any("flood limit" in v for v in fake.violations)


async def test_group_limit(bot: Bot, fake: FakeBotApi) -> None:
    """The 21st message to one group within a minute is a violation."""
    fake.add_chat(-100123, title="Hold 3")
    for i in range(21):
        await bot.send_message(-100123, f"besked {i}")
    flood = [v for v in fake.violations if "flood limit" in v]
    assert len(flood) == 1
    assert "20 messages/minute to group -100123" in flood[0]


def test_global_and_private_rules() -> None:
    """31 sends in a second break the global rule; 1/s to one chat never breaks its bucket."""
    limiter = RateLimiter()
    for i in range(30):
        assert limiter.check(1000 + i, 0.01 * i) == []
        limiter.record(1000 + i, 0.01 * i)
    (breach,) = limiter.check(5000, 0.5)
    assert (breach.rule, breach.retry_after) == ("global", 1)
    assert limiter.check(5000, 1.01) == []
    steady = RateLimiter()
    for second in range(10):
        assert steady.check(9, float(second)) == []
        steady.record(9, float(second))


async def test_injected_bad_request_on_any_method(bot: Bot, fake: FakeBotApi) -> None:
    """fail_next works for any method, e.g. getMe."""
    fake.fail_next("getMe", Fault.bad_request("injected"))
    with pytest.raises(BadRequest, match=r"(?i)injected"):
        await bot.get_me()
    assert (await bot.get_me()).username == "praktikbot_test_bot"
    assert fake.injected["bad_request"] == 1


async def test_fault_rate_is_reproducible(bot: Bot, fake: FakeBotApi, anna: SimUser) -> None:
    """fault_rate fails a fixed share of sends, the same ones for the same seed."""
    fake.fault_rate(0.5, [Fault.server_error(500)], seed=3)
    failures = 0
    for i in range(12):
        fake.reset_limits()
        try:
            await bot.send_message(USER, f"m{i}")
        except NetworkError:
            failures += 1
    assert 0 < failures < 12
    assert fake.injected["server_error"] == failures
    assert len(fake.messages(USER)) == 12 - failures


async def test_press_callback_and_answer(bot: Bot, fake: FakeBotApi, anna: SimUser) -> None:
    """press sends a callback query for an existing button only; answers reach the user."""
    await bot.send_message(USER, "Vælg", reply_markup=keyboard(("Ja tak", "yes"), ("Nej", "no")))
    msg = await anna.next_message()
    with pytest.raises(AssertionError, match="no button 'Måske'"):
        await anna.press(msg, "Måske")
    await bot.get_updates(offset=-1, timeout=0)  # confirm /start
    await anna.press(msg, "ja")  # unique case-insensitive substring
    updates = await bot.get_updates(offset=-1, timeout=0)
    query = updates[-1].callback_query
    assert query.data == "yes"
    assert query.message.message_id == msg.message_id
    assert query.message.reply_markup.inline_keyboard[0][1].text == "Nej"
    await bot.answer_callback_query(query.id, text="Gemt")
    answer = await anna.wait_callback_answer()
    assert answer["text"] == "Gemt"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    await anna.press_data(999, "forged")
    forged = (await bot.get_updates(offset=-1, timeout=0))[-1].callback_query
    assert forged.data == "forged"


async def test_replies_carry_the_replied_message(
    bot: Bot, fake: FakeBotApi, anna: SimUser
) -> None:
    """A bot message sent as a reply nests the user's message (one level deep) in the
    message a button press carries, until the user deletes it."""
    await bot.get_updates(offset=-1, timeout=0)  # confirm /start
    await anna.send("Min tekst")
    (update,) = await bot.get_updates(offset=-1, timeout=0)
    original = update.message
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(USER, "Svar", reply_parameters=ReplyParameters(9999))
    await bot.send_message(
        USER,
        "Vælg",
        reply_markup=keyboard(("A", "a")),
        reply_parameters=ReplyParameters(original.message_id),
    )
    choice = await anna.next_message()
    await anna.press(choice, "A")
    query = (await bot.get_updates(offset=-1, timeout=0))[-1].callback_query
    replied = query.message.reply_to_message
    assert (replied.message_id, replied.text) == (original.message_id, "Min tekst")
    assert replied.from_user.id == USER
    await anna.edit(original.message_id, "Min rettede tekst")
    await anna.press(choice, "A")
    query = (await bot.get_updates(offset=-1, timeout=0))[-1].callback_query
    assert query.message.reply_to_message.text == "Min rettede tekst"
    anna.delete(original.message_id)
    await anna.press(choice, "A")
    query = (await bot.get_updates(offset=-1, timeout=0))[-1].callback_query
    assert query.message.reply_to_message is None
    gone = ReplyParameters(original.message_id, allow_sending_without_reply=True)
    sent = await bot.send_message(USER, "Alligevel", reply_parameters=gone)
    assert sent.reply_to_message is None


async def test_allowed_updates_filter(bot: Bot, fake: FakeBotApi, anna: SimUser) -> None:
    """Updates of types left out of allowed_updates are not delivered."""
    await bot.get_updates(timeout=0, allowed_updates=["callback_query"], offset=-1)
    await bot.get_updates(offset=max(fake.updates) + 1, timeout=0)
    await anna.send("ignored")
    await bot.send_message(USER, "Vælg", reply_markup=keyboard(("A", "a")))
    await anna.press(await anna.next_message(), "A")
    updates = await bot.get_updates(timeout=0)
    assert [u.callback_query.data for u in updates] == ["a"]


async def test_simuser_waits(bot: Bot, fake: FakeBotApi, anna: SimUser) -> None:
    """expect_text, no_message, wait_edit and edit work and fail with useful messages."""

    async def later() -> None:
        """Send two messages a moment later."""
        await asyncio.sleep(0.05)
        await bot.send_message(USER, "Velkommen, Anna!")
        await bot.send_message(USER, "Hvad vil du lære i dag?")

    task = asyncio.create_task(later())
    msg = await anna.expect_text("LÆRE")
    await task
    assert msg.text == "Hvad vil du lære i dag?"
    await anna.no_message(within=0.1)
    with pytest.raises(AssertionError, match="Velkommen"):
        await anna.next_message(timeout=0.05)
    edit_task = asyncio.create_task(
        bot.edit_message_text("Hvad vil du lære nu?", USER, msg.message_id)
    )
    assert (await anna.wait_edit(msg, timeout=2)).text == "Hvad vil du lære nu?"
    await edit_task
    with pytest.raises(AssertionError, match="was not edited"):
        await anna.wait_edit(msg, timeout=0.05)
    update_id = await anna.send("hej")
    edited_id = await anna.edit(update_id, "hej igen")
    assert fake.updates[edited_id]["edited_message"]["text"] == "hej igen"
    assert (await bot.get_chat(USER)).first_name == "Anna"
    assert await bot.send_chat_action(USER, "typing")
    assert fake.chat_actions[-1][:2] == (USER, "typing")


async def test_application_conversation(fake: FakeBotApi) -> None:
    """A real PTB Application polling the fake talks with a SimUser."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Ask with a button."""
        await update.message.reply_text("Klar?", reply_markup=keyboard(("Ja", "go")))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer the press and edit the message."""
        await update.callback_query.answer("OK")
        await update.callback_query.edit_message_text("Så kører vi")

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{fake.base_url}/bot")
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    user = fake.user(7, first_name="Bo")
    async with app:
        await app.updater.start_polling(timeout=1)
        await app.start()
        try:
            await user.send("/start")
            msg = await user.expect_text("Klar?")
            await user.press(msg, "Ja")
            assert (await user.wait_callback_answer())["text"] == "OK"
            assert (await user.wait_edit(msg)).text == "Så kører vi"
            await user.no_message(within=0.1)
        finally:
            await app.updater.stop()
            await app.stop()
    assert fake.violations == []


async def test_stop_releases_long_poll(bot: Bot, fake: FakeBotApi) -> None:
    """stop() ends a waiting long poll at once."""
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.1)
    start = time.monotonic()
    await fake.stop()
    assert await asyncio.wait_for(poll, 2) == ()
    assert time.monotonic() - start < 1
