"""The in-memory records the export reads beyond the domains' repositories."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
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


class FakeRetention:
    """Retention over the fake store: ended cohorts' memberships and questions, and the people
    left in no cohort (feedback, conversations and the outbox live in other fakes and are
    covered by the SQL tests)."""

    def __init__(self, store: Any) -> None:
        self.s = store

    async def purge_cohorts(self, cohort_ids: Sequence[int]) -> int:
        """Drop the cohorts' memberships and questions, then people in no cohort."""
        ended = set(cohort_ids)
        self.s.questions = {
            k: q for k, q in self.s.questions.items() if getattr(q, "cohort_id", None) not in ended
        }
        leaving = {m.person_id for m in self.s.memberships if m.cohort_id in ended}
        self.s.memberships = [m for m in self.s.memberships if m.cohort_id not in ended]
        staying = {m.person_id for m in self.s.memberships}
        gone = leaving - staying
        self.s.people = {k: p for k, p in self.s.people.items() if k not in gone}
        return len(gone)

    async def purge_older(
        self,
        *,
        anonymous_before: datetime,
        digests_before: datetime,
        uploads_before: datetime,
        payloads_before: datetime,
    ) -> int:
        """Drop anonymous questions asked before the limit."""
        old = [
            k
            for k, q in self.s.questions.items()
            if q.person_id is None and q.asked_at < anonymous_before
        ]
        self.s.questions = {k: q for k, q in self.s.questions.items() if k not in old}
        return len(old)

    async def scrub_about(self, person_id: int) -> int:
        """Nothing to scrub: the fake outbox of the unit tests keeps no rows about people."""
        return 0
