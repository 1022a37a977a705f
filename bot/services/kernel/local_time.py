"""Reading a date and time as people write it, in their own time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.services.kernel.errors import Invalid

MAX_AHEAD = timedelta(days=366)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2})[:.](\d{2})$")
_DANISH = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})(?:\s+kl\.?)?\s+(\d{1,2})[:.](\d{2})$")


class WhenProblem(StrEnum):
    """Why a date and time cannot be used."""

    FORMAT = "format"
    PAST = "past"
    TOO_FAR = "too_far"


class InvalidWhen(Invalid):
    """A date and time that cannot be used; `problem` says why."""

    def __init__(self, problem: WhenProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def parse_local(text: str, timezone: str, now: datetime) -> datetime:
    """Return the UTC moment of "YYYY-MM-DD HH:MM" (or "DD-MM-YYYY HH:MM") in a time zone.

    Raises InvalidWhen when the text is no such moment, lies in the past, or more than a
    year ahead.
    """
    cleaned = " ".join(text.split())
    if match := _ISO.match(cleaned):
        year, month, day, hour, minute = (int(g) for g in match.groups())
    elif match := _DANISH.match(cleaned):
        day, month, year, hour, minute = (int(g) for g in match.groups())
    else:
        raise InvalidWhen(WhenProblem.FORMAT)
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(timezone))
    except ValueError as exc:
        raise InvalidWhen(WhenProblem.FORMAT) from exc
    moment = local.astimezone(UTC)
    if moment <= now:
        raise InvalidWhen(WhenProblem.PAST)
    if moment - now > MAX_AHEAD:
        raise InvalidWhen(WhenProblem.TOO_FAR)
    return moment
