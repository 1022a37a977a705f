"""The digest settings, read from `Settings` by bootstrap."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DigestConfig:
    """When supervisors get their weekly digest (their local time; 0 = Monday)."""

    weekday: int = 0
    hour: int = 8
