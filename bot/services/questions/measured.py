"""A measuring decorator of the Answerer port: questions answered or abstained on."""

from __future__ import annotations

from collections.abc import Sequence

from bot.services.kernel.telemetry import Telemetry
from bot.services.questions.knowledge import AbstainReason, Answer, Answerer

ANSWERED = "answered"


class MeasuredAnswerer:
    """Counts each answer: "answered", or the abstention's reason ("unavailable" when the
    answerer raised, which the question service turns into the unavailable reply)."""

    def __init__(self, answerer: Answerer, telemetry: Telemetry) -> None:
        self._answerer, self._telemetry = answerer, telemetry

    async def answer(self, question: str, scopes: Sequence[str]) -> Answer:
        """Answer through the wrapped answerer and count the outcome."""
        try:
            answer = await self._answerer.answer(question, scopes)
        except Exception:
            self._telemetry.question_answered(AbstainReason.UNAVAILABLE)
            raise
        outcome = (answer.reason or "abstained") if answer.abstained else ANSWERED
        self._telemetry.question_answered(outcome)
        return answer
