"""Issue #4: `praktikbot broadcast send|status|cancel` and `cohort welcome` as real processes,
with the running bot's dispatcher sending what the command line put in the outbox."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.services.identity.access import Actor
from bot.services.identity.domain import Role
from tests.e2e.conftest import TOKEN, World
from tests.e2e.flows import enrol
from tests.e2e.processes import clean_env, run_praktikbot
from tests.fakebotapi import FakeBotApi
from tests.support import ManualClock

COHORT = "Sygeplejersker F27"


def _cli_env(fake_api: FakeBotApi, database_url: str, tmp_path: Path) -> dict[str, str]:
    return clean_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        DATABASE_URL=database_url,
        DATA_DIR=str(tmp_path / "cli"),
        TIMEZONE="Europe/Copenhagen",
    )


async def test_cli_broadcast_send_status_and_cancel(
    fake_api: FakeBotApi, world: World, database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    students = [fake_api.user(3401, first_name="Ida"), fake_api.user(3402, first_name="Ole")]
    for student in students:
        await enrol(student, world.codes[Role.STUDENT])
    env = _cli_env(fake_api, database_url, tmp_path)
    message = tmp_path / "besked.txt"
    message.write_text("Husk <mødet> i morgen & tag kittel på\n", encoding="utf-8")
    send = ["broadcast", "send", "--cohort", COHORT, "--audience", "students"]
    code, out, err = await run_praktikbot([*send, "--text-file", str(message)], env, tmp_path)
    assert code == 0, err
    broadcast_id = re.search(r"broadcast (\d+): 2 recipients, sending now", out)[1]
    clock.set(max(clock.now(), datetime.now(UTC)) + timedelta(minutes=2))  # the CLI's real time
    for student in students:
        got = await student.expect_text("Husk")
        assert got.text == "Husk <mødet> i morgen & tag kittel på"
    await fake_api.wait_for(lambda: all(s.messages for s in students))
    code, out, err = await _until_settled(["broadcast", "status", broadcast_id], env, tmp_path)
    assert f"broadcast {broadcast_id} (done): 2 recipients" in out
    assert "sent 2, failed 0, blocked 0, pending 0, cancelled 0" in out


async def _until_settled(args: list[str], env: dict[str, str], cwd: Path) -> tuple:
    """Run `broadcast status` until nothing is pending (the report job marks it done)."""
    for _attempt in range(20):
        result = await run_praktikbot(args, env, cwd)
        if "pending 0" in result[1] and "(done)" in result[1]:
            return result
    return result


async def test_cli_schedules_cancels_and_sets_the_welcome_text(
    fake_api: FakeBotApi, world: World, database_url: str, tmp_path: Path
) -> None:
    await enrol(fake_api.user(3403, first_name="Ida"), world.codes[Role.STUDENT])
    env = _cli_env(fake_api, database_url, tmp_path)
    message = tmp_path / "besked.txt"
    message.write_text("Planlagt besked", encoding="utf-8")
    later = datetime.now(ZoneInfo("Europe/Copenhagen")) + timedelta(days=300)
    send = ["broadcast", "send", "--cohort", COHORT, "--audience", "both"]
    args = [*send, "--text-file", str(message), "--at", f"{later:%Y-%m-%d %H:%M}"]
    code, out, err = await run_praktikbot(args, env, tmp_path)
    assert code == 0, err
    broadcast_id = re.search(r"broadcast (\d+): 1 recipients, scheduled for", out)[1]
    code, out, _err = await run_praktikbot(["broadcast", "status", broadcast_id], env, tmp_path)
    assert "(scheduled)" in out
    assert "pending 1" in out
    code, out, _err = await run_praktikbot(["broadcast", "cancel", broadcast_id], env, tmp_path)
    assert "1 messages cancelled" in out
    code, out, _err = await run_praktikbot(["broadcast", "status", broadcast_id], env, tmp_path)
    assert "(cancelled)" in out
    assert "cancelled 1" in out
    code, _out, err = await run_praktikbot(
        [*send, "--text-file", str(message), "--at", "i går"], env, tmp_path
    )
    assert code == 1
    assert "YYYY-MM-DD HH:MM" in err
    welcome = tmp_path / "velkomst.txt"
    welcome.write_text("Hej {name}, velkommen til {cohort} <3", encoding="utf-8")
    args = ["cohort", "welcome", "--cohort", COHORT, "--text-file", str(welcome)]
    code, out, err = await run_praktikbot(args, env, tmp_path)
    assert code == 0, err
    shown = await world.runtime.services.introductions.welcome(Actor.cli(), world.cohort.id, "da")
    assert shown.custom
    assert shown.template == "Hej {name}, velkommen til {cohort} &lt;3"
