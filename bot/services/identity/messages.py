"""The notices a new supervisor link sends to both people, rendered in the reader's language
(the outbox stores messages ready to send)."""

from __future__ import annotations

import html
from typing import Any

from bot.i18n import N_, gettext_for
from bot.services.identity.domain import Person

TO_STUDENT = N_("Your supervisor is {supervisor}.")
TO_SUPERVISOR = N_("You are now supervisor for {student}.")


def linked_payload(reader: Person, student: Person, supervisor: Person) -> dict[str, Any]:
    """Return the notice of a new link for the student or the supervisor (`reader`)."""
    _ = gettext_for(reader.language)
    text = TO_STUDENT if reader.id == student.id else TO_SUPERVISOR
    names = {
        "student": html.escape(student.display_name, quote=False),
        "supervisor": html.escape(supervisor.display_name, quote=False),
    }
    return {"text": _(text).format(**names)}
