"""Issue #6 point 6 over real HTTP: a coordinator's /status shows totals only (never what a
student wrote, never names), withholds figures about fewer than 5 students, lets a
coordinator of several cohorts choose one, and refuses students and supervisors kindly; the
CLI switches the pulse and exports the same figures as CSV. (The pulse in the chat, and the
feedback and conversation figures, are in test_pulse.py.)"""

from __future__ import annotations

import argparse
import csv
import io

import pytest

from bot.cli import build_parser
from bot.cli.reports import cohort_pulse, report_cmd
from bot.config import Settings
from bot.services.identity.domain import Role
from bot.services.onboarding.enrolment import Enrolled
from bot.services.reflection.answering import Finished
from tests.e2e.conftest import World, make_world
from tests.e2e.flows import enrol, join, write_reflection
from tests.fakebotapi import FakeBotApi
from tests.support import ManualClock

SECRET = "Fru Hansen græd under stuegangen"
REFUSAL = "kun for koordinatorer"


async def _quiet_students(world: World, first_id: int, count: int) -> list[int]:
    """Enrol students through the service (no chat needed); return their Telegram ids."""
    ids = list(range(first_id, first_id + count))
    for telegram_id in ids:
        result = await world.runtime.services.enrolment.enrol(
            telegram_id, world.codes[Role.STUDENT], language="da", display_name="Bodil"
        )
        assert isinstance(result, Enrolled)
    return ids


async def _reflect_quietly(world: World, telegram_id: int) -> None:
    """Write a whole reflection through the service, as the chat would."""
    reflections = world.runtime.services.reflections
    await reflections.start(telegram_id)
    while not isinstance(await reflections.answer(telegram_id, f"{SECRET}."), Finished):
        pass


async def test_small_cohort_shows_fewer_than_five_and_no_private_text(
    fake_api: FakeBotApi, world: World
) -> None:
    coordinator = fake_api.user(6601, first_name="Karin")
    student, supervisor = fake_api.user(6602, first_name="Ida"), fake_api.user(6603)
    for user, role in ((coordinator, Role.COORDINATOR), (student, Role.STUDENT)):
        await enrol(user, world.codes[role])
    await enrol(supervisor, world.codes[Role.SUPERVISOR])
    await write_reflection(student, SECRET)
    await coordinator.send("/status")
    report = await coordinator.expect_text("Status for Sygeplejersker F27")
    text = report.text
    assert "Studerende: 1" in text
    assert "Vejledere: 1" in text
    assert "Studerende, der har reflekteret denne uge: færre end 5" in text
    assert "Svarprocent: færre end 5" in text
    for private in (SECRET, "Fru Hansen", "Ida", "Karin"):
        assert private not in text
    for user in (student, supervisor):
        await user.send("/status")
        assert REFUSAL in (await user.next_message()).text


async def test_coordinator_of_two_cohorts_chooses_and_sees_the_figures(
    fake_api: FakeBotApi,
    world: World,
    bot_settings: Settings,
    clock: ManualClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    coordinator = fake_api.user(6611, first_name="Karin")
    await enrol(coordinator, world.codes[Role.COORDINATOR])
    other = await make_world(world.runtime, name="Sygeplejersker E27")
    await join(coordinator, other.codes[Role.COORDINATOR])
    writer = fake_api.user(6612, first_name="Ida")
    await enrol(writer, world.codes[Role.STUDENT])
    await write_reflection(writer, SECRET)
    for telegram_id in await _quiet_students(world, 6620, 5):
        if telegram_id < 6624:
            await _reflect_quietly(world, telegram_id)
    await coordinator.send("/status")
    choice = await coordinator.expect_text("Hvilket hold?")
    await coordinator.press(choice, "Sygeplejersker F27")
    report = (await coordinator.wait_edit(choice)).text
    assert "Studerende: 6" in report
    assert "Studerende, der har reflekteret denne uge: 5" in report
    assert "Færdige refleksioner pr. skrivende studerende pr. uge: 1,0" in report
    assert "Daglige spørgsmål sendt denne uge: færre end 5" in report  # no prompt went out
    assert "Studerende med mindst ét mål: 0\xa0%" in report  # Babel: no-break space
    for private in (SECRET, "Fru Hansen", "Ida", "Bodil"):
        assert private not in report
    capsys.readouterr()
    args = argparse.Namespace(cohort="Sygeplejersker F27", csv=True)
    assert await report_cmd(args, bot_settings, clock) == 0
    rows = dict(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows["figure"] == "value"
    assert (rows["students"], rows["active_students"], rows["answer_rate"]) == ("6", "5", "<5")
    assert rows["reflections_per_writer_week"] == "1.00"
    assert SECRET not in str(rows)


async def test_cli_switches_the_pulse_and_the_csv_shows_it(
    world: World, bot_settings: Settings, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    def csv_rows() -> dict[str, str]:
        return dict(csv.reader(io.StringIO(capsys.readouterr().out)))

    report = argparse.Namespace(cohort="Sygeplejersker F27", csv=True)
    assert await report_cmd(report, bot_settings, clock) == 0
    rows = csv_rows()
    assert rows["pulse_enabled"] == "no"
    assert not [key for key in rows if key.startswith("pulse_20")]
    assert (rows["feedback_sent"], rows["feedback_median_time"]) == ("<5", "<5")
    switch = build_parser().parse_args(
        ["cohort", "pulse", "--cohort", "Sygeplejersker F27", "--on"]
    )
    assert await cohort_pulse(switch, bot_settings, clock) == 0
    assert "Sygeplejersker F27: weekly pulse on" in capsys.readouterr().out
    assert await report_cmd(report, bot_settings, clock) == 0
    rows = csv_rows()
    assert rows["pulse_enabled"] == "yes"
    week = [key for key in rows if key.startswith("pulse_20")]
    assert week[:7] == [  # this week (the clock's Monday, 1 February 2027) first
        "pulse_2027-02-01_answers",
        "pulse_2027-02-01_mean",
        *(f"pulse_2027-02-01_score_{score}" for score in range(1, 6)),
    ]
    assert len(week) == 5 * 7
    assert {rows[key] for key in week} == {"<5"}
    off = build_parser().parse_args(["cohort", "pulse", "--cohort", "Sygeplejersker F27", "--off"])
    assert await cohort_pulse(off, bot_settings, clock) == 0
    assert "weekly pulse off" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # one of --on and --off is needed
        build_parser().parse_args(["cohort", "pulse", "--cohort", "Sygeplejersker F27"])
