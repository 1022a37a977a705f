"""Reusable conversations for end-to-end tests."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from bot.bootstrap import Runtime
from bot.i18n import gettext_for
from bot.services.identity.access import Actor
from bot.services.identity.messages import TO_STUDENT, TO_SUPERVISOR
from bot.services.kernel.ports import Clock
from bot.storage.delivery.models import OutboxRow
from tests.fakebotapi import BotMessage, SimUser
from tests.support import eventually


async def enrol(user: SimUser, code: str, language: str = "da", name_ok: bool = True) -> None:
    """Walk a newcomer through /start <code>, language, consent and name confirmation."""
    await user.send(f"/start {code}")
    invitation = await user.next_message()
    await user.press(invitation, "Dansk" if language == "da" else "English")
    consent = await user.wait_edit(invitation)
    await user.press(consent, "Ja, det accepterer jeg" if language == "da" else "Yes, I agree")
    await user.wait_edit(consent)
    question = await user.next_message()
    if name_ok:
        await user.press(question, "nm:ok")
        await user.wait_edit(question)
        await user.next_message()  # the help text that follows


async def join(user: SimUser, code: str) -> None:
    """Join one more cohort as someone who has enrolled before (no consent step again)."""
    await user.send(f"/start {code}")
    await user.expect_text("du er nu med på")
    await user.next_message()  # the help text that follows


async def link(runtime: Runtime, cohort_id: int, student: SimUser, supervisor: SimUser) -> None:
    """Link a student to a supervisor as the operator, and wait for the notice each of them
    gets through the outbox (in their language)."""
    services = runtime.services
    people = []
    for user in (student, supervisor):
        profile = await services.access.profile(user.id)
        assert profile is not None
        people.append(profile.person)
    await services.coordination.link(Actor.cli(), cohort_id, people[0].id, people[1].id)
    for user, person, notice in zip(
        (student, supervisor), people, (TO_STUDENT, TO_SUPERVISOR), strict=True
    ):
        await user.expect_text(gettext_for(person.language)(notice).split("{")[0])


async def draft_broadcast(
    user: SimUser, cohorts: list[str], audience: str, text: str
) -> BotMessage:
    """Walk a coordinator through /broadcast up to the question about an attachment."""
    await user.send("/broadcast")
    choice = await user.next_message()
    for name in cohorts:
        if not any(label.startswith("✅") and name in label for label in choice.button_texts()):
            await user.press(choice, name)
            await user.wait_edit(choice)
    await user.press(choice, "Næste")
    await user.wait_edit(choice)
    await user.press(choice, audience)
    await user.wait_edit(choice)
    await user.send(text)
    return await user.expect_text("vedhæfte")


async def preview_broadcast(
    user: SimUser, cohorts: list[str], audience: str, text: str
) -> tuple[BotMessage, BotMessage]:
    """Write a broadcast without attachment; return the preview and the message with the
    recipient count and the Send now / Schedule / Cancel buttons."""
    question = await draft_broadcast(user, cohorts, audience, text)
    await user.press(question, "Ingen vedhæftning")
    await user.wait_edit(question)
    return await user.next_message(), await user.next_message()


async def write_reflection(user: SimUser, words: str) -> None:
    """Write a whole reflection with /refleksion, answering question n with `words n`."""
    await user.send("/refleksion")
    first = await user.next_message()
    total = int(first.text.split("Spørgsmål 1 af ")[1][0])
    for number in range(total):
        await user.send(f"{words} {number + 1}")
        await user.next_message()


async def press_forged(user: SimUser, message_id: int, data: str) -> str:
    """Press a button with forged data; return the text of the callback answer."""
    before = len(user.callback_answers)
    await user.press_data(message_id, data)

    async def answered() -> bool:
        return len(user.callback_answers) > before

    await eventually(answered)
    return str(user.callback_answers[before].get("text", ""))


async def outbox_drained(runtime: Runtime, clock: Clock, timeout: float = 15.0) -> None:  # noqa: ASYNC109
    """Wait until the dispatcher has sent what is due at the (manual) clock's now.

    A test that moves the clock by hours between ticks would otherwise outrun the dispatcher,
    and a message due on Tuesday, sent only when the test reaches Saturday, is skipped as past
    its useful time (as it should be): deliver each moment's messages at that moment."""

    async def drained() -> bool:
        due = or_(
            OutboxRow.status == "sending",
            (OutboxRow.status == "pending") & (OutboxRow.not_before <= clock.now()),
        )
        async with runtime.engine.connect() as conn:
            count = (await conn.execute(select(func.count()).where(due))).scalar_one()
        return count == 0

    await eventually(drained, timeout)
