"""Compact callback data: "prefix:field:field", always re-validated on the server."""

from __future__ import annotations

from bot.tg.kit.render import CALLBACK_LIMIT


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
    return int(value) if value.isdigit() and len(value) < 19 else None
