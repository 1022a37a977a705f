"""Texts of the replies to a pulse answer (the question itself is rendered by the service,
for the outbox), and the callback data of its choices."""

from __future__ import annotations

from datetime import date

from bot.i18n import N_
from bot.services.delivery.choices import Choice
from bot.services.pulse.messages import PulseAction
from bot.services.pulse.types import PulseOutcome
from bot.tg.kit.callbacks import ChoiceData, pack

# "pu:<week start as YYYYMMDD>:<score>": no person in it, the presser is known from the update.
PREFIX = "pu"

THANKS = N_("Thank you. Your answer is counted, without your name.")
ALREADY = N_("Thank you, your answer is already counted.")
CLOSED = N_("That week's pulse has closed. A new question comes next week.")
INVALID = N_("That button is no longer valid. Please start again.")

REPLIES = {
    PulseOutcome.COUNTED: THANKS,
    PulseOutcome.ALREADY: ALREADY,
    PulseOutcome.CLOSED: CLOSED,
    PulseOutcome.INVALID: INVALID,
}


def answer_data(choice: Choice) -> str:
    """Return "pu:<week start as YYYYMMDD>:<score>"; raise ValueError for a malformed choice."""
    if choice.value is None:
        raise ValueError("a pulse answer without a score")
    week = date.fromisoformat(str(choice.target_id))
    return pack(PREFIX, f"{week:%Y%m%d}", choice.value)


CHOICE_DATA: dict[str, ChoiceData] = {PulseAction.ANSWER: answer_data}
