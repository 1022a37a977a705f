"""/eksport over real HTTP (#15 point 5): a student with a reflection, a feedback loop and
a question gets a Danish PDF and a JSON file with everything; her supervisor, in English,
gets the feedback she wrote."""

from __future__ import annotations

import io
import json

import pypdf

from bot.services.identity.domain import Role
from bot.services.privacy.export_json import SECTIONS
from tests.e2e.conftest import World
from tests.e2e.flows import enrol, link, write_reflection
from tests.fakebotapi import BotMessage, FakeBotApi, SimUser

SITUATION = "Sårskift hos en ældre patient på stue 4"
FEEDBACK = "Du spurgte patienten om smerter, før du begyndte."
REFLECTION = "Jeg lærte at lægge en blærekateter"


def _pdf_text(message: BotMessage) -> str:
    assert message.kind == "document"
    assert message.file_bytes.startswith(b"%PDF-")
    pages = pypdf.PdfReader(io.BytesIO(message.file_bytes)).pages
    return "\n".join(page.extract_text() for page in pages)


async def _export(user: SimUser, command: str) -> tuple[str, dict]:
    """Send the command; return the PDF's text and the parsed JSON."""
    await user.send(command)
    pdf, data = await user.next_message(), await user.next_message()
    assert pdf.file_name is not None
    assert pdf.file_name.endswith(".pdf")
    assert data.kind == "document"
    assert data.file_name is not None
    assert data.file_name.endswith(".json")
    return _pdf_text(pdf), json.loads(data.file_bytes)


async def _feedback_loop(student: SimUser, supervisor: SimUser) -> None:
    """The student asks for feedback on a situation; the supervisor writes it (in English)."""
    await student.send("/feedback")
    await student.expect_text("Hvilken situation")
    await student.send(SITUATION)
    await student.expect_text("Hvad gik godt")
    await student.send("Jeg var rolig")
    await student.expect_text("Hvad vil du blive bedre til")
    await student.send("Tempoet")
    ready = await student.expect_text("Din selvevaluering er klar")
    await student.press(ready, "Send til Vera")
    request = await supervisor.expect_text("asks for your feedback")
    await supervisor.press(request, "Give feedback")
    await supervisor.press(await supervisor.expect_text("which situation"), "As described")
    await supervisor.expect_text("what did you see the student do")
    await supervisor.send(FEEDBACK)
    await supervisor.expect_text("what effect did it have")
    await supervisor.send("The patient relaxed.")
    well = await supervisor.expect_text("went well")
    await supervisor.press(well, "Agree with the self-assessment")
    await supervisor.expect_text("adjust")
    await supervisor.send("Keep the dressing tray within reach.")
    await supervisor.expect_text("Your feedback is on its way")
    await student.expect_text("Feedback fra Vera")


async def test_student_gets_a_danish_pdf_and_a_complete_json(
    fake_api: FakeBotApi, world: World
) -> None:
    anna = fake_api.user(8601, first_name="Anna", last_name="Ærø")
    vera = fake_api.user(8602, first_name="Vera")
    await enrol(anna, world.codes[Role.STUDENT])
    await enrol(vera, world.codes[Role.SUPERVISOR], language="en")
    await link(world.runtime, world.cohort.id, anna, vera)
    await write_reflection(anna, REFLECTION)
    await _feedback_loop(anna, vera)

    text, data = await _export(anna, "/eksport")
    for heading in ("Dine data i Praktikbot", "Profil", "Din logbog", "Feedback du har bedt om"):
        assert heading in text
    assert "Anna Ærø" in text
    assert f"{REFLECTION} 1" in text
    assert SITUATION in text
    assert FEEDBACK in text  # written about her by Vera
    assert data["schema_version"] == 1
    assert set(SECTIONS) <= set(data)
    assert data["language"] == "da"
    assert data["profile"]["display_name"] == "Anna Ærø"
    assert data["settings"]["prompts_on"] is True
    assert [m["cohort"] for m in data["memberships"]] == ["Sygeplejersker F27"]
    assert data["supervision_links"][0]["supervisor"] == "Vera"
    answers = [a["text"] for e in data["logbook"] for a in e["answers"]]
    assert f"{REFLECTION} 1" in answers
    [request] = data["feedback_about_me"]
    assert request["fields"]["situation"] == SITUATION
    assert request["fields"]["fb_behaviour"] == FEEDBACK
    assert data["pulse"] == {"asked": 0, "answered": 0}

    text, data = await _export(vera, "/export")
    for heading in ("Your data in Praktikbot", "Profile", "Feedback you gave"):
        assert heading in text
    assert FEEDBACK in text
    assert "Dine data" not in text
    [written] = data["feedback_i_wrote"]
    assert written["student"] == "Anna Ærø"
    assert written["fields"]["fb_behaviour"] == FEEDBACK
    assert "situation" not in written["fields"]  # Anna's self-assessment stays hers
    assert data["logbook"] == []
