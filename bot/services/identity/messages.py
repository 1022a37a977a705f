"""The notices a new supervisor link sends to both people, rendered in the reader's language
(the outbox stores messages ready to send)."""

from __future__ import annotations

import html
from typing import Any

from bot.i18n import N_, gettext_for
from bot.services.identity.domain import Person

TO_STUDENT = N_("Your supervisor is {supervisor}.")
TO_SUPERVISOR = N_("You are now supervisor for {student}.")
UNLINKED_STUDENT = N_(
    "{supervisor} is no longer linked to you as your supervisor. What you shared with them is "
    "private again. Your coordinator can link you to the right supervisor."
)
UNLINKED_SUPERVISOR = N_("You are no longer supervisor for {student}.")


def linked_payload(reader: Person, student: Person, supervisor: Person) -> dict[str, Any]:
    """Return the notice of a new link for the student or the supervisor (`reader`)."""
    text = TO_STUDENT if reader.id == student.id else TO_SUPERVISOR
    return _notice(text, reader, student, supervisor)


def unlinked_payload(reader: Person, student: Person, supervisor: Person) -> dict[str, Any]:
    """Return the notice of a removed link for the student or the supervisor (`reader`)."""
    text = UNLINKED_STUDENT if reader.id == student.id else UNLINKED_SUPERVISOR
    return _notice(text, reader, student, supervisor)


def _notice(text: str, reader: Person, student: Person, supervisor: Person) -> dict[str, Any]:
    _ = gettext_for(reader.language)
    names = {
        "student": html.escape(student.display_name, quote=False),
        "supervisor": html.escape(supervisor.display_name, quote=False),
    }
    return {"text": _(text).format(**names)}
