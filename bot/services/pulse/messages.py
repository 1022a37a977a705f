"""The weekly pulse question as the outbox stores it, in the student's language.

Its five choices answer the week (the target, an ISO date) with a score (the value). They
carry no person: whoever presses is known from the update, and the service checks that they
were asked that week.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from bot.i18n import N_, gettext_for
from bot.services.delivery.choices import Choice, with_choices
from bot.services.pulse.types import SCORES


class PulseAction(StrEnum):
    """What the pulse question offers."""

    ANSWER = "pulse.answer"


TITLE = N_("Weekly pulse")
QUESTION = N_("How safe do you feel asking questions and learning in your unit this week?")
SCALE = N_("1 = not safe at all, 5 = very safe.")
PROMISE = N_(
    "Your answer is anonymous: it is stored without your name, and coordinators only see "
    "totals from at least {count} answers."
)


def pulse_payload(week_start: date, language: str, min_group: int) -> dict[str, Any]:
    """Return the outbox payload of the question: text and one row of five scores."""
    _ = gettext_for(language)
    text = "\n".join(
        (
            f"<b>{_(TITLE)}</b>",
            "",
            _(QUESTION),
            _(SCALE),
            "",
            f"<i>{_(PROMISE).format(count=min_group)}</i>",
        )
    )
    week = week_start.isoformat()
    row = [Choice(PulseAction.ANSWER, week, str(score), value=score) for score in SCORES]
    return with_choices({"text": text}, [row], language)
