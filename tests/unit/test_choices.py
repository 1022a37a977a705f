"""Choices in outbox payloads: plain JSON in, the same Telegram keyboards out as before."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.services.conversations.messages import ConversationAction, plan_question
from bot.services.conversations.types import Kind
from bot.services.delivery.choices import Choice, choices_of, with_choices
from bot.services.feedback.messages import (
    FeedbackAction,
    declined_payload,
    expired_payload,
    feedback_payload,
    nudge_payload,
    reminder_payload,
    request_payload,
)
from bot.services.feedback.types import FeedbackRequest, RequestStatus
from bot.services.pulse.messages import PulseAction, pulse_payload
from bot.services.questions.messages import QuestionAction
from bot.services.reflection.flow import StepText
from bot.services.reflection.messages import PromptAction, prompt_payload
from bot.services.reflection.types import EntryStatus, Reflection
from bot.tg.delivery.choices import CALLBACKS, choice_rows, reply_markup

NOW = datetime(2027, 3, 4, 12, 0, tzinfo=UTC)
REQUEST = FeedbackRequest(7, 1, 2, 3, RequestStatus.OPEN, NOW, situation="Stuegang")
ENTRY = Reflection(42, 1, 2, "gibbs", EntryStatus.PROMPTED, date(2027, 3, 4), NOW)


def _markup(*rows: list[tuple[str, str]]) -> dict[str, Any]:
    """Return an inline keyboard as the services stored it before choices existed."""
    return {"inline_keyboard": [[{"text": t, "callback_data": d} for t, d in row] for row in rows]}


def _stored(payload: dict[str, Any]) -> dict[str, Any]:
    """Return the payload as it comes back from the outbox's JSON column."""
    return json.loads(json.dumps(payload))


def test_a_choice_survives_json_and_holds_no_telegram_terms() -> None:
    rows = [[Choice(PulseAction.ANSWER, "2027-03-08", "3", value=3)], [Choice("x.y", 5, "Z")]]
    payload = _stored(with_choices({"text": "Hej"}, rows, "da"))
    assert choices_of(payload) == rows
    assert payload["language"] == "da"
    assert "callback_data" not in json.dumps(payload)
    assert "reply_markup" not in payload


@pytest.mark.parametrize(
    "item",
    [
        None,
        "fb:new:0",
        {"action": 5, "target_id": 1, "label": "A"},
        {"action": "a", "target_id": None, "label": "A"},
        {"action": "a", "target_id": True, "label": "A"},
        {"action": "a", "target_id": 1},
        {"action": "a", "target_id": 1, "label": "A", "value": "3"},
    ],
)
def test_a_malformed_choice_is_left_out(item: object) -> None:
    payload = {"text": "Hej", "choices": [[item, {"action": "a", "target_id": 1, "label": "A"}]]}
    assert Choice.from_json(item) is None
    assert choices_of(payload) == [[Choice("a", 1, "A")]]


def test_malformed_rows_give_no_choices() -> None:
    assert choices_of({"text": "Hej"}) == []
    assert choices_of({"choices": "fb:new:0"}) == []
    assert choices_of({"choices": [None, [], [None]]}) == []


# Each message as the services queue it now, and the keyboard they queued before choices:
# the callback data the handlers parse and the labels in the reader's language stay the same.
CASES = [
    (
        nudge_payload("da"),
        _markup([("✍️ Selvevaluering", "fb:new:0"), ("Ikke i dag", "fb:later:0")]),
    ),
    (
        nudge_payload("en"),
        _markup([("✍️ Self-assessment", "fb:new:0"), ("Not today", "fb:later:0")]),
    ),
    (
        request_payload(REQUEST, "Anna", "da"),
        _markup(
            [("✍️ Giv feedback", "fq:go:7")],
            [("↪️ Giv videre til en kollega", "fq:pass:7"), ("Ikke muligt", "fq:no:7")],
        ),
    ),
    (
        reminder_payload(REQUEST, "Anna", 3, "en"),
        _markup(
            [("✍️ Give feedback", "fq:go:7")],
            [("↪️ Pass to a colleague", "fq:pass:7"), ("Not possible", "fq:no:7")],
        ),
    ),
    (feedback_payload(REQUEST, "Bo", "da"), _markup([("✍️ Næste vagt vil jeg …", "fb:act:7")])),
    (
        declined_payload(REQUEST, "Bo", "da"),
        _markup([("📝 Skriv mundtlig feedback ind", "fb:verbal:7")]),
    ),
    (
        expired_payload(REQUEST, "4. marts", 14, "en"),
        _markup([("📝 Record verbal feedback", "fb:verbal:7")]),
    ),
    (
        plan_question(Kind.MIDWAY, date(2027, 3, 4), 9, "da"),
        _markup(
            [("✍️ Skriv planen", "cv:w:9")], [("Ikke holdt endnu – spørg mig om 3 dage", "cv:l:9")]
        ),
    ),
    (
        pulse_payload(date(2027, 3, 8), "da", 5),
        _markup([(str(s), f"pu:20270308:{s}") for s in range(1, 6)]),
    ),
    (
        prompt_payload(ENTRY, "Vagt", StepText("what", "Hvad skete der?"), 6, "da", gibbs=True),
        _markup(
            [("✍️ Svar nu", "rf:go:42"), ("⏰ Om 1 time", "rf:snz:42")],
            [("Spring over i dag", "rf:skip:42"), ("Kort version i stedet", "rf:short:42")],
        ),
    ),
    (
        prompt_payload(ENTRY, "Vagt", StepText("what", "What happened?"), 3, "en", gibbs=False),
        _markup(
            [("✍️ Answer now", "rf:go:42"), ("⏰ In 1 hour", "rf:snz:42")],
            [("Skip today", "rf:skip:42"), ("😣 Hard shift", "rf:hard:42")],
        ),
    ),
]


@pytest.mark.parametrize(("payload", "before"), CASES)
def test_choices_render_to_the_keyboard_queued_before(
    payload: dict[str, Any], before: dict[str, Any]
) -> None:
    assert reply_markup(_stored(payload)) == before


@pytest.mark.parametrize(("payload", "before"), CASES)
def test_a_row_queued_before_choices_is_sent_as_it_was(
    payload: dict[str, Any], before: dict[str, Any]
) -> None:
    old = _stored({"text": payload["text"], "reply_markup": before})
    assert reply_markup(old) == before


def test_a_message_without_buttons_has_no_markup() -> None:
    assert reply_markup({"text": "Hej"}) is None
    assert reply_markup(with_choices({"text": "Hej"}, [], "da")) is None


def test_every_outbox_action_has_callback_data() -> None:
    actions = [*FeedbackAction, *ConversationAction, *PulseAction, *PromptAction, *QuestionAction]
    assert set(CALLBACKS) == {str(a) for a in actions}


def test_an_unknown_or_broken_choice_is_left_out_and_the_rest_is_sent() -> None:
    rows = [
        [Choice("gone.action", 1, "Old"), Choice(FeedbackAction.START, 0, "Not today")],
        [Choice(PulseAction.ANSWER, "not a date", "1", value=1)],
        [Choice(PulseAction.ANSWER, "2027-03-08", "2")],  # no score
        [Choice(FeedbackAction.ANSWER, "x" * 70, "Long")],  # over Telegram's 64 bytes
    ]
    payload = _stored(with_choices({"text": "Hej"}, rows, "da"))
    assert choice_rows(payload) == [[("Ikke i dag", "fb:new:0")]]
