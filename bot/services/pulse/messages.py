"""The weekly pulse question as the outbox stores it, in the student's language.

Callback data: "pu:<week start as YYYYMMDD>:<score>". It carries no person: whoever presses
is known from the update, and the server checks that they were asked that week.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.i18n import N_, gettext_for
from bot.services.pulse.types import SCORES

PREFIX = "pu"
TITLE = N_("Weekly pulse")
QUESTION = N_("How safe do you feel asking questions and learning in your unit this week?")
SCALE = N_("1 = not safe at all, 5 = very safe.")
PROMISE = N_(
    "Your answer is anonymous: it is stored without your name, and coordinators only see "
    "totals from at least {count} answers."
)


def week_key(week_start: date) -> str:
    """Return the week as it travels in callback data."""
    return f"{week_start:%Y%m%d}"


def pulse_payload(week_start: date, language: str, min_group: int) -> dict[str, Any]:
    """Return the outbox payload of the question: text and one row of five buttons."""
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
    week = week_key(week_start)
    buttons = [{"text": str(s), "callback_data": f"{PREFIX}:{week}:{s}"} for s in SCORES]
    return {"text": text, "reply_markup": {"inline_keyboard": [buttons]}}
