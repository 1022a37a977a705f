"""Texts of the replies to a pulse answer (the question itself is rendered by the service,
for the outbox)."""

from __future__ import annotations

from bot.i18n import N_
from bot.services.pulse.types import PulseOutcome

THANKS = N_("Thank you. Your answer is counted, without your name.")
ALREADY = N_("Thank you, your answer is already counted.")
CLOSED = N_("That week's pulse has closed. A new question comes next week.")
INVALID = N_("That button is no longer valid. Please start again.")

REPLIES = {
    PulseOutcome.COUNTED: THANKS,
    PulseOutcome.ALREADY: ALREADY,
    PulseOutcome.CLOSED: CLOSED,
    PulseOutcome.INVALID: INVALID,
}
