"""Compact callback data: "prefix:field:field", always re-validated on the server."""

from __future__ import annotations

from collections.abc import Callable

from bot.services.delivery.choices import Choice
from bot.tg.kit.render import CALLBACK_LIMIT

# Turns an outbox choice into the callback data its domain's handler parses.
ChoiceData = Callable[[Choice], str]


def pack(*parts: object) -> str:
    """Join parts with ':'; raise when the result exceeds Telegram's 64 bytes."""
    data = ":".join(str(part) for part in parts)
    if len(data.encode()) > CALLBACK_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_LIMIT} bytes: {data!r}")
    return data


def unpack(data: str | None, prefix: str, size: int) -> list[str] | None:
    """Return the fields after prefix when data has exactly `size` of them, else None."""
    if not data:
        return None
    parts = data.split(":")
    if parts[0] != prefix or len(parts) != size + 1:
        return None
    return parts[1:]


def as_int(value: str) -> int | None:
    """Parse a non-negative integer field, or None when it is not one (forged data)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def verb_data(prefix: str, verb: str) -> ChoiceData:
    """Return the data maker of a choice sent as "prefix:verb:<target id>"."""

    def data(choice: Choice) -> str:
        """Return "prefix:verb:<target id>" for the choice."""
        return pack(prefix, verb, choice.target_id)

    return data
