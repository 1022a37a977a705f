"""The unit of work of the coordinator's figures."""

from __future__ import annotations

from typing import Protocol

from bot.services.identity.ports import IdentityUnitOfWork
from bot.services.pulse.types import PulseRepo
from bot.services.reports.types import ReportRepo


class ReportsUnitOfWork(IdentityUnitOfWork, Protocol):
    """The repositories the reports services need, in one transaction."""

    @property
    def reports(self) -> ReportRepo:
        """Aggregated counts, computed in SQL."""
        ...

    @property
    def pulse(self) -> PulseRepo:
        """The pulse's weekly distribution."""
        ...
