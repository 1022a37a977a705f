"""Turn an outbox payload's choices into Telegram's inline keyboard, at send time.

Each domain that offers choices in the outbox says how its actions become callback data
(`CHOICE_DATA` next to its texts, beside the handler that parses them); this table is
static, so the sender renders every queued choice whether or not handlers are registered.
Labels are translated here, in the language the payload was written for, so a choice reads
exactly as the message's text does. A payload queued before choices existed holds a ready
`reply_markup` with the same callback data, and is sent as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.i18n import gettext_for
from bot.services.delivery.choices import CHOICES, LANGUAGE, choices_of
from bot.tg.conversations.texts import CHOICE_DATA as CONVERSATION_CHOICES
from bot.tg.feedback.texts import CHOICE_DATA as FEEDBACK_CHOICES
from bot.tg.kit.callbacks import ChoiceData
from bot.tg.pulse.texts import CHOICE_DATA as PULSE_CHOICES
from bot.tg.questions.texts import CHOICE_DATA as QUESTION_CHOICES
from bot.tg.reflection.texts import CHOICE_DATA as PROMPT_CHOICES

log = logging.getLogger(__name__)

CALLBACKS: Mapping[str, ChoiceData] = {
    **FEEDBACK_CHOICES,
    **CONVERSATION_CHOICES,
    **PULSE_CHOICES,
    **PROMPT_CHOICES,
    **QUESTION_CHOICES,
}


def choice_rows(
    payload: Mapping[str, Any], callbacks: Mapping[str, ChoiceData] = CALLBACKS
) -> list[list[tuple[str, str]]]:
    """Return the payload's choices as rows of (label, callback data).

    A choice no domain knows, or whose data cannot be made, is left out (and logged): the
    message still arrives, one button short, rather than not at all.
    """
    _ = gettext_for(str(payload.get(LANGUAGE) or ""))
    rows: list[list[tuple[str, str]]] = []
    for choices in choices_of(payload):
        row: list[tuple[str, str]] = []
        for choice in choices:
            make = callbacks.get(choice.action)
            try:
                if make is None:
                    raise ValueError("unknown action")
                data = make(choice)
            except ValueError as exc:
                log.warning("choice %s left out: %s", choice.action, exc)
                continue
            row.append((_(choice.label) if choice.label else choice.label, data))
        if row:
            rows.append(row)
    return rows


def reply_markup(payload: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return the payload's inline keyboard as Telegram's JSON, or None when it has none.

    A payload with choices gets them rendered; one queued before choices existed carries its
    keyboard in `reply_markup` already, with the callback data the handlers still parse.
    """
    if CHOICES not in payload:
        markup = payload.get("reply_markup")
        return dict(markup) if markup else None
    rows = choice_rows(payload)
    if not rows:
        return None
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row] for row in rows
        ]
    }
