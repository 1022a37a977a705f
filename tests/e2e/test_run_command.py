"""The real `praktikbot` processes: the CLI and `praktikbot run` against the fake server."""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path

from tests.e2e.conftest import TOKEN
from tests.e2e.flows import enrol
from tests.e2e.processes import PRAKTIKBOT, clean_env, run_praktikbot
from tests.fakebotapi import FakeBotApi
from tests.support import eventually


async def test_run_without_token_explains_botfather(tmp_path: Path) -> None:
    code, _out, err = await run_praktikbot(["run"], clean_env(), tmp_path)
    assert code == 2
    assert "@BotFather" in err
    assert ".env" in err
    assert "TELEGRAM_BOT_TOKEN=" in err


async def test_invalid_setting_names_the_key(tmp_path: Path) -> None:
    code, _out, err = await run_praktikbot(
        ["run"], clean_env(TIMEZONE="Mars/Olympus", TELEGRAM_BOT_TOKEN=TOKEN), tmp_path
    )
    assert code == 2
    assert "TIMEZONE" in err


async def test_cli_sets_up_a_cohort_and_the_running_bot_enrols_a_user(
    fake_api: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    env = clean_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        DATABASE_URL=database_url,
        DATA_DIR=str(tmp_path / "data"),
        WEB_PORT="0",
    )
    steps = [
        ["department", "create", "Akutmodtagelsen", "--organisation", "Region Hovedstaden"],
        [
            "cohort",
            "create",
            "--name",
            "SOSU F27",
            "--department",
            "akutmodtagelsen",
            "--profession",
            "sosu_assistant",
            "--start",
            "2026-01-05",
            "--end",
            "2099-06-30",
        ],
    ]
    for args in steps:
        code, out, err = await run_praktikbot(args, env, tmp_path)
        assert code == 0, err
    code, out, err = await run_praktikbot(
        [
            "invite",
            "create",
            "--cohort",
            "SOSU F27",
            "--role",
            "student",
            "--max-uses",
            "25",
            "--expires",
            "14d",
        ],
        env,
        tmp_path,
    )
    assert code == 0, err
    link = re.search(r"https://t\.me/praktikbot_test_bot\?start=([\w-]+)", out)
    assert link, out
    qr = Path(re.search(r"QR code: (.+)", out)[1].strip())
    qr = qr if qr.is_absolute() else tmp_path / qr
    assert qr.read_bytes().startswith(b"\x89PNG")
    bot = await asyncio.create_subprocess_exec(
        PRAKTIKBOT, "run", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )
    try:

        async def polling() -> bool:  # started: it has asked for updates (slow on a busy box)
            return any(name == "getUpdates" for name, _params, _at in fake_api.calls)

        await eventually(polling, timeout=60)
        user = fake_api.user(7001, first_name="Jonas")
        await enrol(user, link[1])
        code, out, err = await run_praktikbot(["people", "--cohort", "SOSU F27"], env, tmp_path)
        assert "student\tJonas" in out
    finally:
        bot.send_signal(signal.SIGTERM)
        _out, err_bytes = await asyncio.wait_for(bot.communicate(), 30)
    assert bot.returncode == 0, err_bytes.decode()[-2000:]
    assert TOKEN not in err_bytes.decode()  # the token never reaches the logs
