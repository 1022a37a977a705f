"""Run the real `praktikbot` command as a child process, with an environment of our own."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

PRAKTIKBOT = str(Path(sys.executable).with_name("praktikbot"))
# The developer's own settings must not leak into a child: only what a test gives it counts.
OWN_KEYS = re.compile(
    r"^(TELEGRAM_|DATABASE_URL|DATA_DIR|BOT_MODE|WEBHOOK_|WEB_|ADMIN_|TIMEZONE|OUTBOX_|LOG_LEVEL)"
)


def clean_env(**values: str) -> dict[str, str]:
    """Return this process's environment without Praktikbot's settings, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not OWN_KEYS.match(k)}
    return env | values


async def run_praktikbot(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """Run `praktikbot <args>` to the end; return its exit code, stdout and stderr."""
    proc = await asyncio.create_subprocess_exec(
        PRAKTIKBOT,
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()
