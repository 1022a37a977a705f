"""The in-memory records the export reads beyond the domains' repositories."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.services.privacy.types import LinkRecord, PersonalRecords


class FakeRecords:
    """Records planted per person in `store.records`, with the links read from the store."""

    def __init__(self, store: Any) -> None:
        self.s = store

    async def read(self, person_id: int) -> PersonalRecords:
        """Return the planted records, with the person's supervision links filled in."""
        planted: PersonalRecords = self.s.records.get(person_id, PersonalRecords())
        links = tuple(
            LinkRecord(
                cohort=self.s.cohorts[link.cohort_id].name,
                supervisor=self.s.people[link.supervisor_id].display_name,
                student=self.s.people[link.student_id].display_name,
                since=None,
            )
            for link in self.s.links
            if person_id in (link.supervisor_id, link.student_id)
        )
        return dataclasses.replace(planted, links=planted.links + links)
