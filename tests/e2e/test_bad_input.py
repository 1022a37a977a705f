"""Bad input gets a clear, kind reply; Telegram errors never crash a handler."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.services.identity.domain import Role
from bot.storage.identity.models import PersonRow
from tests.e2e.conftest import World
from tests.e2e.flows import enrol
from tests.fakebotapi import FakeBotApi, Fault
from tests.support import eventually


async def test_media_unknown_commands_edits_and_long_text(
    fake_api: FakeBotApi, world: World
) -> None:
    user = fake_api.user(4001)
    await enrol(user, world.codes[Role.STUDENT])
    for send in (user.send_sticker, user.send_photo, user.send_voice, user.send_document):
        await send()
        assert "kun læse tekstbeskeder" in (await user.next_message()).text
    await user.send("/flyvemaskine")
    assert "kender jeg ikke" in (await user.next_message()).text
    first = await user.send("hej")
    await user.next_message()
    await user.edit(first, "hej igen")
    assert "rettet en besked" in (await user.next_message()).text
    await user.send("ø" * 4096)
    assert "/help" in (await user.next_message()).text
    # Replies to a user typing fast may exceed 1 msg/s in that chat (Telegram tolerates
    # bursts of replies); every other rule (length, HTML, buttons) must hold.
    assert [v for v in fake_api.violations if "flood limit" not in v] == []


async def test_stale_and_forged_buttons_are_answered(fake_api: FakeBotApi, world: World) -> None:
    user = fake_api.user(4002)
    await enrol(user, world.codes[Role.STUDENT])
    for data in ("zz:nonsense", "lk:v:a:b:c", "ob:l:xx:code", "lg:fr", "iv:r:1", ""):
        await user.press_data(user.messages[-1].message_id, data)
        answer = await user.wait_callback_answer()
        assert "ikke længere gyldig" in answer.get("text", "") or answer.get("callback_query_id")
    await user.no_message(within=0.3)


async def test_an_unknown_or_malformed_awaiting_falls_through_to_a_question(
    fake_api: FakeBotApi, world: World
) -> None:
    user = fake_api.user(4007)
    await enrol(user, world.codes[Role.STUDENT])
    await user.send("Hvornår skal jeg møde ind?")
    usual = (await user.next_message()).text
    for stored in ("fb:x", "nope:1", "goal:", "display_name:3", "question"):
        async with world.runtime.engine.begin() as conn:
            where = PersonRow.telegram_id == user.id
            await conn.execute(update(PersonRow).where(where).values(awaiting=stored))
        await user.send("Hvornår skal jeg møde ind?")
        assert (await user.next_message()).text == usual, stored
        await user.send_photo()
        assert "kun læse tekstbeskeder" in (await user.next_message()).text


async def test_stranger_writing_text_is_told_how_to_join(
    fake_api: FakeBotApi, world: World
) -> None:
    stranger = fake_api.user(4003, language_code="en")
    await stranger.send("Hvor skal jeg møde ind?")
    assert "invite link" in (await stranger.next_message()).text
    await stranger.send_sticker()
    assert "only read text" in (await stranger.next_message()).text


async def test_rate_limit_429_is_retried(fake_api: FakeBotApi, world: World) -> None:
    user = fake_api.user(4004)
    await enrol(user, world.codes[Role.STUDENT])
    fake_api.fail_next("sendMessage", Fault.retry_after(1), chat_id=user.id)
    await user.send("/help")
    assert "/sprog" in (await user.next_message(timeout=8)).text
    assert fake_api.count_429 >= 1


async def test_blocked_user_is_marked_inactive_without_crashing(
    fake_api: FakeBotApi, world: World
) -> None:
    user = fake_api.user(4005)
    other = fake_api.user(4006)
    await enrol(user, world.codes[Role.STUDENT])
    fake_api.block(user.id)
    await user.send("/help")
    await other.send("/start")  # the bot keeps serving others
    assert "invitationslinket" in (await other.next_message()).text

    async def inactive() -> bool:
        async with world.runtime.engine.connect() as conn:
            query = select(PersonRow.active, PersonRow.blocked_at)
            row = (await conn.execute(query.where(PersonRow.telegram_id == user.id))).one()
            return row.active is False and row.blocked_at is not None

    await eventually(inactive)


async def test_bad_request_and_server_error_get_logged_not_crashed(
    fake_api: FakeBotApi, world: World
) -> None:
    user = fake_api.user(4007)
    await enrol(user, world.codes[Role.STUDENT])
    fake_api.fail_next("sendMessage", Fault.bad_request("Bad Request: injected"), chat_id=user.id)
    await user.send("/help")
    apology = await user.next_message()
    assert "noget gik galt" in apology.text
    fake_api.fail_next("sendMessage", Fault.server_error(502), chat_id=user.id)
    await user.send("/help")
    assert "noget gik galt" in (await user.next_message()).text
    await user.send("/help")
    assert "/sprog" in (await user.next_message()).text


async def test_a_button_without_data_is_answered(fake_api: FakeBotApi, world: World) -> None:
    """Found by the fuzzer: PTB gives a query without data to the first callback handler
    whatever its pattern (onboarding's language choice), which returned without answering."""
    stranger = fake_api.user(4008, language_code="")
    enrolled = fake_api.user(4009)
    await enrol(enrolled, world.codes[Role.STUDENT])
    for user, message_id in ((stranger, 2**31 - 1), (enrolled, enrolled.messages[-1].message_id)):
        for data in ("", None):
            query_id = fake_api.open_query(user.id)
            query = {"id": query_id, "from": user.user_dict(), "chat_instance": "1"}
            query["message"] = {"message_id": message_id, "chat": user.chat_dict(), "date": 0}
            if data is not None:
                query["data"] = data
            before = len(user.callback_answers)
            fake_api.inject({"callback_query": query})
            await fake_api.wait_for(lambda u=user, n=before: len(u.callback_answers) > n)
            answer = user.callback_answers[before]
            assert answer["callback_query_id"] == query_id
            assert "ikke længere gyldig" in answer["text"]


async def test_forged_fields_for_a_known_prefix_are_answered(
    fake_api: FakeBotApi, world: World
) -> None:
    """Found by the fuzzer: a pattern that matched ("lg:", "ob:", "nm:", "del:") with fields
    the handler could not use returned without answering the query."""
    stranger = fake_api.user(4010, language_code="en")
    for data in ("lg:-1:²", "lg:fr", "ob:l:xx:code", "ob:y:", "nm:a:b", "del:1:2"):
        before = len(stranger.callback_answers)
        await stranger.press_data(2**31 - 1, data)
        await fake_api.wait_for(lambda n=before: len(stranger.callback_answers) > n)
        assert "no longer valid" in stranger.callback_answers[before]["text"], data


async def test_a_button_on_a_message_that_is_gone_gets_a_new_message(
    fake_api: FakeBotApi, world: World
) -> None:
    """Found by the fuzzer: a press whose message can no longer be edited (deleted, or never
    there) made the edit fail with "message to edit not found"; the answer now comes as a new
    message instead of an error."""
    karin = fake_api.user(4020, first_name="Karin")
    await enrol(karin, world.codes[Role.COORDINATOR])
    before = len(karin.messages)
    await karin.press_data(2**31 - 1, f"iv:l:{world.cohort.id}:-")
    listing = await karin.expect_text("Invitationer, der stadig virker")
    assert len(karin.messages) > before
    assert listing.message_id != 2**31 - 1
