"""Issue #15 point 7: the SQLite database, its folder and its WAL files are readable by their
owner only, also when the folder existed or the file was created with a looser mode."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.storage.db import create_engine

pytestmark = pytest.mark.integration


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def _touch_database(path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE IF NOT EXISTS t (x TEXT)"))
            await conn.execute(text("INSERT INTO t VALUES ('Hemmelig refleksion')"))
    finally:
        await engine.dispose()


async def test_new_database_folder_and_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a usual umask would make files world-readable
    try:
        database = tmp_path / "data" / "praktikbot.db"
        await _touch_database(database)
    finally:
        os.umask(old)
    assert _mode(database.parent) == 0o700
    assert _mode(database) == 0o600
    for side in database.parent.glob("praktikbot.db-*"):
        assert _mode(side) & 0o077 == 0, side


async def test_a_world_readable_database_is_tightened(tmp_path: Path) -> None:
    database = tmp_path / "praktikbot.db"
    database.touch(mode=0o644)
    database.chmod(0o644)
    await _touch_database(database)
    assert _mode(database) == 0o600
