"""Reusable conversations for end-to-end tests."""

from __future__ import annotations

from tests.fakebotapi import SimUser


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
