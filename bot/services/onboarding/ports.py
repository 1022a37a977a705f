"""The unit of work of enrolment: who is who, and a new student's prompt schedule."""

from __future__ import annotations

from typing import Protocol

from bot.services.reflection.ports import ReflectionUnitOfWork


class OnboardingUnitOfWork(ReflectionUnitOfWork, Protocol):
    """The repositories enrolment needs (identity, and schedules for new students)."""
