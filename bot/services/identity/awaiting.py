"""What a person's next text is for (`Person.awaiting`), parsed and formatted in one place.

The stored strings are "<kind>" for the kinds without a target ("display_name", "question")
and "<kind>:<target id>" for the others ("fb:12", "bc:file:3", "goal:0" for a new goal).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_DIGITS = 18  # an id, not a number too big for SQL's BIGINT


class AwaitKind(StrEnum):
    """What the bot waits for; the value is the stored prefix."""

    NAME = "display_name"
    QUESTION = "question"
    BROADCAST_TEXT = "bc:text"
    BROADCAST_FILE = "bc:file"
    BROADCAST_WHEN = "bc:when"
    WELCOME = "welcome"
    REPLY = "reply"
    FEEDBACK = "fb"
    PLAN = "cv"
    GOAL = "goal"
    FAQ = "faq"


UNTARGETED = frozenset({AwaitKind.NAME, AwaitKind.QUESTION})
TARGETED = {kind.value: kind for kind in AwaitKind if kind not in UNTARGETED}


@dataclass(frozen=True, slots=True)
class Awaiting:
    """A kind of awaited text and what it is about (0 for the kinds without a target).

    Attributes:
        kind: What the text is for.
        target_id: The draft, cohort, question, request, conversation or goal (0: a new goal);
            for a FAQ, the question of the knowledge gap it answers.
    """

    kind: AwaitKind
    target_id: int = 0

    def format(self) -> str:
        """Return the value stored in `Person.awaiting`."""
        if self.kind in UNTARGETED:
            return self.kind.value
        return f"{self.kind.value}:{self.target_id}"

    @classmethod
    def parse(cls, value: str | None) -> Awaiting | None:
        """Return what a stored value stands for, or None when it is empty, unknown or
        malformed (never raises)."""
        if not value:
            return None
        if value in UNTARGETED:
            return cls(AwaitKind(value))
        prefix, _colon, ident = value.rpartition(":")
        kind = TARGETED.get(prefix)
        if kind is None or not (ident.isascii() and ident.isdigit()) or len(ident) > MAX_DIGITS:
            return None
        return cls(kind, int(ident))


def awaiting(kind: AwaitKind, target_id: int = 0) -> str:
    """Return the `Person.awaiting` value for a kind and its target."""
    return Awaiting(kind, target_id).format()


def awaited(value: str | None, kind: AwaitKind) -> int | None:
    """Return the target when a stored value awaits that kind, else None."""
    parsed = Awaiting.parse(value)
    return parsed.target_id if parsed is not None and parsed.kind is kind else None
