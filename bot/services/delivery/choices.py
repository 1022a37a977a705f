"""Choices offered with an outbox message: what the reader may do next, in domain terms.

A service says "this message offers: start a self-assessment, not today" as rows of
`Choice`; the payload carries them as plain JSON (`choices`, with the reader's `language`
for the labels), and the Telegram side turns them into buttons and callback data when it
sends. Rows queued before choices existed carry a ready `reply_markup` instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CHOICES = "choices"
LANGUAGE = "language"


@dataclass(frozen=True, slots=True)
class Choice:
    """One thing the reader may do: `action` on `target_id` (with an optional `value`).

    Attributes:
        action: A domain action, e.g. "feedback.start" (a StrEnum member of the domain).
        target_id: What the action is about: a request, an entry, a week (ISO date).
        label: The gettext message id of the button, translated when the message is sent.
        value: A detail of the action, e.g. the score of a pulse answer.
    """

    action: str
    target_id: int | str
    label: str
    value: int | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the choice as plain JSON (the action as its string value)."""
        data: dict[str, Any] = {
            "action": str(self.action),
            "target_id": self.target_id,
            "label": self.label,
        }
        if self.value is not None:
            data["value"] = self.value
        return data

    @classmethod
    def from_json(cls, data: object) -> Choice | None:
        """Return the choice stored as JSON, or None when it is not one (never raises)."""
        if not isinstance(data, Mapping):
            return None
        action, target, label = data.get("action"), data.get("target_id"), data.get("label")
        value = data.get("value")
        if not isinstance(action, str) or not isinstance(label, str):
            return None
        if isinstance(target, bool) or not isinstance(target, int | str):
            return None
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            return None
        return cls(action, target, label, value)


def with_choices(
    payload: dict[str, Any], rows: Sequence[Sequence[Choice]], language: str
) -> dict[str, Any]:
    """Return the payload offering rows of choices, labelled later in `language`."""
    return {
        **payload,
        CHOICES: [[choice.to_json() for choice in row] for row in rows],
        LANGUAGE: language,
    }


def choices_of(payload: Mapping[str, Any]) -> list[list[Choice]]:
    """Return the payload's rows of choices; malformed entries and empty rows are left out."""
    rows = payload.get(CHOICES)
    if not isinstance(rows, list):
        return []
    parsed = [
        [c for c in (Choice.from_json(item) for item in row) if c is not None]
        for row in rows
        if isinstance(row, list)
    ]
    return [row for row in parsed if row]
