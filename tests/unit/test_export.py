"""The export builders: every section in the JSON, every heading in the PDF, in the
person's language; and the service collects every part through the ports."""

from __future__ import annotations

import io
import json
from datetime import date

import pypdf

from bot.i18n import gettext_for
from bot.services.identity.domain import Profession, Role
from bot.services.privacy.export_json import SCHEMA_VERSION, SECTIONS, export_document, export_json
from bot.services.privacy.service import PrivacyService
from bot.services.privacy.types import PersonalRecords
from bot.services.reflection.types import Schedule
from bot.tg.privacy.export_pdf import export_pdf
from tests.support import ManualClock
from tests.unit.export_sample import AT, MARK, sample
from tests.unit.fakes import FakeUowFactory

DANISH_HEADINGS = (
    "Dine data i Praktikbot",
    "Profil",
    "Dine indstillinger",
    "Hold og roller",
    "Dine læringsmål",
    "Din logbog",
    "Praktiksamtaler",
    "Feedback du har bedt om",
    "Feedback du har givet",
    "Dine spørgsmål",
    "Dine svar på spørgsmål",
    "Ugentlig tryghedsmåling",
    "Det du har lavet til andre",
)
ENGLISH_HEADINGS = (
    "Your data in Praktikbot",
    "Profile",
    "Your settings",
    "Cohorts and roles",
    "Your learning goals",
    "Your logbook",
    "Placement conversations",
    "Feedback you asked for",
    "Feedback you gave",
    "Your questions",
    "Your answers to questions",
    "Weekly pulse",
    "What you made for others",
)


def pdf_text(document: bytes) -> str:
    """Return the text of a PDF, as a reader extracts it."""
    assert document.startswith(b"%PDF-")
    pages = pypdf.PdfReader(io.BytesIO(document)).pages
    return "\n".join(page.extract_text() for page in pages)


def test_json_holds_every_section_with_a_schema_version_and_iso_dates() -> None:
    parsed = json.loads(export_json(sample()))
    assert parsed["schema"] == "praktikbot-export"
    assert parsed["schema_version"] == SCHEMA_VERSION
    assert parsed["exported_at"] == AT.isoformat()
    assert set(SECTIONS) <= set(parsed)
    for section in SECTIONS:
        assert parsed[section], f"{section} is empty although the sample fills it"
    assert parsed["logbook"][0]["answers"][0]["text"] == f"{MARK} reflection ✨"
    assert parsed["logbook"][0]["shared_with_supervisor_at"] == AT.isoformat()
    assert parsed["feedback_about_me"][0]["fields"]["fb_behaviour"] == f"{MARK} feedback about me"
    assert parsed["feedback_i_wrote"][0] == {
        "student": "Carl",
        "created_at": AT.isoformat(),
        "status": "answered",
        "verbal": False,
        "answered_at": None,
        "fields": {"fb_well": f"{MARK} I wrote"},
    }
    assert parsed["questions"][0]["coordinator_reply"] == f"{MARK} coordinator reply"
    assert parsed["pulse"] == {"asked": 3, "answered": 2}
    assert parsed["settings"]["paused_until"] == "2027-03-10"
    assert parsed["settings"]["working_days"] == [0, 1, 2, 3, 4]
    assert parsed["conversations"][0] == {
        "kind": "midway",
        "due_on": "2027-04-01",
        "plan": f"{MARK} plan",
        "plan_at": None,
    }


def test_json_keys_do_not_depend_on_the_language() -> None:
    danish, english = export_document(sample("da")), export_document(sample("en"))
    assert list(danish) == list(english)
    assert danish["profile"].keys() == english["profile"].keys()


def test_pdf_in_danish_has_every_heading_the_texts_and_danish_dates() -> None:
    text = pdf_text(export_pdf(sample("da"), gettext_for("da")))
    for heading in DANISH_HEADINGS:
        assert heading in text
    for written in ("reflection", "goal", "plan", "situation", "feedback about me", "I wrote"):
        assert f"{MARK} {written}" in text
    assert "Åse Ørsted" in text  # the emoji after the name is dropped, the letters stay
    assert "🌷" not in text
    assert "4. marts 2027" in text  # the logbook entry's date, in Danish
    assert "Spurgt 3 gange, svaret 2 gange." in text
    assert "Delt med din vejleder" in text


def test_pdf_in_english_has_english_headings_and_dates() -> None:
    text = pdf_text(export_pdf(sample("en"), gettext_for("en")))
    for heading in ENGLISH_HEADINGS:
        assert heading in text
    assert "March 4, 2027" in text
    assert "Dine data" not in text


def test_pdf_is_a4() -> None:
    page = pypdf.PdfReader(io.BytesIO(export_pdf(sample(), gettext_for("da")))).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_an_empty_export_says_so_per_section() -> None:
    data = sample()
    empty = type(data)(data.person, AT)
    text = pdf_text(export_pdf(empty, gettext_for("da")))
    assert "Intet gemt." in text
    parsed = json.loads(export_json(empty))
    assert parsed["logbook"] == []
    assert parsed["settings"] is None
    assert set(SECTIONS) <= set(parsed)


async def test_the_service_collects_every_part_through_the_ports() -> None:
    uow = FakeUowFactory()
    clock = ManualClock(AT)
    async with uow() as u:
        org = await u.organisations.get_or_create_organisation("Region H")
        dep = await u.organisations.add_department(org.id, "M2", "m2")
        cohort = await u.cohorts.add(
            dep.id, "F27", Profession.NURSING, date(2027, 2, 1), date(2027, 6, 30)
        )
        person = await u.people.add(4711, "Åse", "da", "Europe/Copenhagen", AT)
        await u.memberships.add(person.id, cohort.id, Role.STUDENT)
        await u.schedules.save(Schedule(person.id, cohort.id))
        await u.goals.add(person.id, cohort.id, f"{MARK} goal", AT)
        await u.commit()
    uow.store.records[person.id] = PersonalRecords(pulse_asked=2, pulse_answered=1)
    data = await PrivacyService(uow, clock).export(4711)
    assert data.schedule is not None
    assert data.schedule.person_id == person.id
    assert [g.text for g in data.goals] == [f"{MARK} goal"]
    assert [m.cohort.name for m in data.memberships] == ["F27"]
    assert (data.records.pulse_asked, data.records.pulse_answered) == (2, 1)
