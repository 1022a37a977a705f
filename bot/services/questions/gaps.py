"""Question text rules and knowledge gaps: what the documents could not answer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.services.identity.domain import GapReason, Question
from bot.services.kernel.cpr import contains_cpr
from bot.services.kernel.errors import ContainsCpr, Invalid

_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(slots=True)
class Gap:
    """Questions that read the same, with how often and why they were not answered well.

    `question_id` is the newest of them asked in a cohort (None: only anonymous askers): a
    coordinator's answer to the gap, kept as a FAQ, goes to that cohort's department.
    """

    text: str
    count: int
    last_asked: datetime
    reasons: set[GapReason] = field(default_factory=set)
    cohort_ids: set[int | None] = field(default_factory=set)
    question_id: int | None = None


def clean_text(raw: str, limit: int) -> str:
    """Return the trimmed text, or raise ContainsCpr (checked first) or Invalid."""
    if contains_cpr(raw):
        raise ContainsCpr("holds a CPR number")
    text = raw.strip()
    if not text:
        raise Invalid("empty")
    if len(text) > limit:
        raise Invalid("too long")
    return text


def normalise(text: str) -> str:
    """Return the text folded for grouping: case, punctuation and spacing ignored."""
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def group_gaps(questions: Sequence[Question]) -> list[Gap]:
    """Group gap questions (newest first) by normalised text; groups stay newest first."""
    groups: dict[str, Gap] = {}
    for question in questions:
        reasons = question.gap_reasons()
        if not reasons:
            continue
        key = normalise(question.text)
        gap = groups.get(key)
        if gap is None:
            gap = groups[key] = Gap(question.text, 0, question.asked_at)
        gap.count += 1
        gap.last_asked = max(gap.last_asked, question.asked_at)
        gap.reasons |= reasons
        gap.cohort_ids.add(question.cohort_id)
        if gap.question_id is None and question.cohort_id is not None:
            gap.question_id = question.id
    return sorted(groups.values(), key=lambda g: g.last_asked, reverse=True)
