"""The weekly supervisor digest as a message, in the supervisor's language.

It holds names, counts and dates only; the content of what students wrote stays in the bot
(/delt shows what they chose to share).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.lists import format_list

from bot.i18n import N_, Gettext, gettext_for
from bot.services.conversations.messages import kind_name, long_date
from bot.services.conversations.types import StudentConversation

TITLE = N_("📋 <b>Your week as a supervisor, week {week}</b>")
STUDENTS = N_("<b>Your students:</b> {names}")
WAITING = N_("<b>Feedback requests waiting for you:</b> {count}")
NO_WAITING = N_("No feedback requests are waiting for you.")
WAITING_LINE = N_("{name}, waiting {days}")
TODAY = N_("since today")
ONE_DAY = N_("1 day")
DAYS = N_("{count} days")
UPCOMING = N_("<b>Conversations in the next 14 days</b>")
NO_UPCOMING = N_("No placement conversations in the next 14 days.")
UPCOMING_LINE = N_("{date}: {kind} with {name}")
SHARED = N_("<b>Shared with you in the last 7 days</b>")
NO_SHARED = N_("Nothing new was shared with you in the last 7 days.")
ONE_ENTRY = N_("1 entry")
ENTRIES = N_("{count} entries")
HINT = N_(
    "Read what your students shared with /delt, and see all conversation dates with /samtaler."
)
MAX_LINES = 15


@dataclass(frozen=True, slots=True)
class Digest:
    """One supervisor's week: names, counts and dates, never what anyone wrote."""

    week_start: date
    students: Sequence[str]
    waiting: Sequence[tuple[str, int]]  # (student, days waiting), oldest first
    conversations: Sequence[StudentConversation]
    shared: Sequence[tuple[str, int]]  # (student, entries shared)


def digest_payload(digest: Digest, language: str) -> dict[str, Any]:
    """Return the digest as an outbox payload."""
    _ = gettext_for(language)
    esc = _escape
    week = digest.week_start.isocalendar().week
    names = format_list([esc(n) for n in digest.students], locale=language)
    lines = [_(TITLE).format(week=week), "", _(STUDENTS).format(names=names), ""]
    if digest.waiting:
        lines.append(_(WAITING).format(count=len(digest.waiting)))
        lines += [
            "• " + _(WAITING_LINE).format(name=esc(name), days=_days(days, _))
            for name, days in digest.waiting[:MAX_LINES]
        ]
    else:
        lines.append(_(NO_WAITING))
    lines += ["", _(UPCOMING) if digest.conversations else _(NO_UPCOMING)]
    for talk in digest.conversations[:MAX_LINES]:
        lines.append(
            "• "
            + _(UPCOMING_LINE).format(
                date=long_date(talk.due_on, language),
                kind=kind_name(talk.kind, _),
                name=esc(talk.student),
            )
        )
    lines += ["", _(SHARED) if digest.shared else _(NO_SHARED)]
    lines += [f"• {esc(name)}: {_entries(count, _)}" for name, count in digest.shared]
    lines += ["", f"<i>{_(HINT)}</i>"]
    return {"text": "\n".join(lines)}


def _days(days: int, _: Gettext) -> str:
    """Return "since today", "1 day" or "N days"."""
    if days <= 0:
        return _(TODAY)
    return _(ONE_DAY) if days == 1 else _(DAYS).format(count=days)


def _entries(count: int, _: Gettext) -> str:
    """Return "1 entry" or "N entries"."""
    return _(ONE_ENTRY) if count == 1 else _(ENTRIES).format(count=count)


def _escape(text: str) -> str:
    """Escape a name for Telegram's HTML."""
    return html.escape(text, quote=False)
