"""The unit of work of reflection prompts, answers, the logbook and goals."""

from __future__ import annotations

from typing import Protocol

from bot.services.identity.ports import IdentityUnitOfWork
from bot.services.reflection.types import GoalRepo, ReflectionRepo, ScheduleRepo


class ReflectionUnitOfWork(IdentityUnitOfWork, Protocol):
    """The repositories the reflection services need, in one transaction."""

    @property
    def schedules(self) -> ScheduleRepo:
        """Prompt schedules."""
        ...

    @property
    def reflections(self) -> ReflectionRepo:
        """Reflections (the logbook)."""
        ...

    @property
    def goals(self) -> GoalRepo:
        """Learning goals."""
        ...
