"""The ports every domain shares: the clock, health probes, and the transaction that each
domain's unit of work extends with the repositories it needs."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self, TypeVar


class Clock(Protocol):
    """Tells the time (injected so tests can control it)."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware UTC."""
        ...


class HealthProbe(Protocol):
    """Checks that a backing service answers."""

    async def ping(self) -> None:
        """Return when healthy; raise otherwise."""
        ...


class Transaction(Protocol):
    """One transaction; commit explicitly, roll back whatever was not committed on exit.

    Each domain declares its own unit of work as a Transaction with the repositories it
    needs (read-only properties, so the SQL adapter and the fakes satisfy them structurally).
    """

    async def __aenter__(self) -> Self:
        """Begin the transaction."""
        ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed and release the connection."""
        ...

    async def commit(self) -> None:
        """Commit the transaction."""
        ...


UoW_co = TypeVar("UoW_co", bound=Transaction, covariant=True)


class UnitOfWorkFactory(Protocol[UoW_co]):
    """Creates a fresh unit of work of one domain's kind."""

    def __call__(self) -> UoW_co:
        """Return a new, not yet entered, unit of work."""
        ...
