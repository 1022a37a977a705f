"""What a person awaits: one parser for the stored strings, and who registers to take it."""

from __future__ import annotations

import pytest
from telegram.ext import Application

from bot.context import CONTEXT_TYPES, BotApplication
from bot.services.broadcasts.types import Step, awaited_step, awaiting
from bot.services.identity.awaiting import Awaiting, AwaitKind, awaited
from bot.tg.kit.awaited import AwaitedRegistry, Receiver
from bot.tg.routing import register_all

# The strings rows hold today: they must keep meaning the same, so no migration is needed.
STORED = {
    "display_name": Awaiting(AwaitKind.NAME),
    "question": Awaiting(AwaitKind.QUESTION),
    "bc:text:3": Awaiting(AwaitKind.BROADCAST_TEXT, 3),
    "bc:file:3": Awaiting(AwaitKind.BROADCAST_FILE, 3),
    "bc:when:3": Awaiting(AwaitKind.BROADCAST_WHEN, 3),
    "welcome:2": Awaiting(AwaitKind.WELCOME, 2),
    "reply:41": Awaiting(AwaitKind.REPLY, 41),
    "fb:12": Awaiting(AwaitKind.FEEDBACK, 12),
    "cv:7": Awaiting(AwaitKind.PLAN, 7),
    "goal:0": Awaiting(AwaitKind.GOAL, 0),
    "goal:5": Awaiting(AwaitKind.GOAL, 5),
}


@pytest.mark.parametrize(("stored", "meaning"), STORED.items())
def test_stored_values_round_trip(stored: str, meaning: Awaiting) -> None:
    assert Awaiting.parse(stored) == meaning
    assert meaning.format() == stored


def test_every_kind_round_trips() -> None:
    for kind in AwaitKind:
        value = Awaiting(kind, 0 if kind in (AwaitKind.NAME, AwaitKind.QUESTION) else 9)
        assert Awaiting.parse(value.format()) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "fb:",
        "fb:x",
        "fb:-1",
        "fb:1.5",
        "fb:²",  # a digit to str.isdigit, not to int()
        "fb:" + "9" * 19,
        "fb:1:2",
        "display_name:3",
        "question:1",
        "bc:9",
        "bc:text",
        "bc:later:3",
        "welcome",
        ":5",
        "nope:1",
        "FB:1",
    ],
)
def test_unknown_or_malformed_values_mean_nothing(value: str | None) -> None:
    assert Awaiting.parse(value) is None
    assert awaited(value, AwaitKind.FEEDBACK) is None


def test_awaited_gives_the_target_of_its_own_kind_only() -> None:
    assert awaited("fb:12", AwaitKind.FEEDBACK) == 12
    assert awaited("fb:12", AwaitKind.PLAN) is None
    assert awaited("goal:0", AwaitKind.GOAL) == 0


def test_broadcast_steps_keep_their_strings() -> None:
    for step in Step:
        assert awaiting(step, 4) == f"bc:{step.value}:4"
        assert awaited_step(awaiting(step, 4)) == (step, 4)
    assert awaited_step("fb:4") is None
    assert awaited_step("bc:later:4") is None


async def _nothing(*_args: object) -> None:
    """Take nothing."""


def test_an_unregistered_or_unknown_kind_has_no_receiver() -> None:
    registry = AwaitedRegistry()
    registry.register(AwaitKind.FEEDBACK, Receiver(_nothing, after_replies=True))
    assert registry.receiver(Awaiting(AwaitKind.FEEDBACK, 3)) == Receiver(
        _nothing, after_replies=True
    )
    assert registry.receiver(Awaiting(AwaitKind.GOAL, 3)) is None
    assert registry.receiver(Awaiting.parse("fb:x")) is None
    assert registry.receiver(None) is None


def test_the_handler_modules_register_every_kind_but_a_question() -> None:
    app: BotApplication = (
        Application.builder().token("1:x").context_types(CONTEXT_TYPES).updater(None).build()
    )
    register_all(app)
    registry = app.bot_data.awaited
    taken = {kind for kind in AwaitKind if registry.receiver(Awaiting(kind, 1)) is not None}
    # A question waits for nothing special: it falls through to being answered as one.
    assert taken == set(AwaitKind) - {AwaitKind.QUESTION}
    with_media = {
        kind for kind in taken if (r := registry.receiver(Awaiting(kind, 1))) and r.media
    }
    assert with_media == {AwaitKind.BROADCAST_FILE}
    # Only writing feedback, a plan or a goal gives way to a reply to a forwarded question.
    after = {
        kind for kind in taken if (r := registry.receiver(Awaiting(kind, 1))) and r.after_replies
    }
    assert after == {AwaitKind.FEEDBACK, AwaitKind.PLAN, AwaitKind.GOAL}
