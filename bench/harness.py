"""What every benchmark shares: scratch databases, common options, timing and tables.

A benchmark takes its options from `parser()` and `parse()`. With a database, it runs once per
`--database-url` (default: `sqlite`), each time in `scratch_database()`: a SQLite file in a
temporary folder, or a fresh database created on the given PostgreSQL server and dropped
afterwards, migrated to the newest revision either way. It times with `Timing` (repeated
awaited calls), `stopwatch()` (one block) or `best_rate()` (throughput), summarises with
`Spread` (p50 = median, p95 = nearest rank, max) and prints figures with `print_table()`,
its baseline as another row or column of the same table, measured in the same run.
"""

from __future__ import annotations

import argparse
import logging
import math
import re
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage import migrate
from bot.storage.db import create_engine

SQLITE = "sqlite"
T = TypeVar("T")


# Options


def parser(
    doc: str, *, databases: bool = False, repeat: int | None = None
) -> argparse.ArgumentParser:
    """Return a parser described by a docstring's first line, with the common options."""
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    result = argparse.ArgumentParser(
        prog=f"python -m {spec.name}" if spec else None,
        description=doc.strip().splitlines()[0],
    )
    if databases:
        result.add_argument(
            "--database-url",
            action="append",
            type=_database_target,
            metavar="URL",
            help="'sqlite' (a file in a temporary folder) or a PostgreSQL server URL (a "
            "scratch database is created there, migrated and dropped); repeat it to run on "
            "several, e.g. --database-url sqlite --database-url postgresql+asyncpg://"
            "postgres@127.0.0.1:5432/test (default: sqlite)",
        )
    if repeat is not None:
        result.add_argument(
            "--repeat", type=int, default=repeat, help="passes to take the best of"
        )
    return result


def parse(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse the command line (with --database-url defaulting to SQLite); log warnings only."""
    # the handler's own level too: some libraries (bm25s) set DEBUG on their loggers
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    args = parser.parse_args()
    if "database_url" in args and not args.database_url:
        args.database_url = [SQLITE]
    return args


def _database_target(value: str) -> str:
    """Accept `sqlite` or a PostgreSQL URL."""
    if value == SQLITE or make_url(value).get_backend_name() == "postgresql":
        return value
    raise argparse.ArgumentTypeError("expected 'sqlite' or a postgresql+asyncpg:// URL")


# Databases


def backend(target: str) -> str:
    """Return the backend's name of a database URL or target: sqlite or postgresql."""
    return SQLITE if target == SQLITE else make_url(target).get_backend_name()


@dataclass(frozen=True, slots=True)
class Scratch:
    """A migrated database for one run, and a temporary folder that lives as long."""

    url: str
    folder: Path

    @property
    def backend(self) -> str:
        """Return the backend's name: sqlite or postgresql."""
        return backend(self.url)


@asynccontextmanager
async def scratch_database(target: str) -> AsyncIterator[Scratch]:
    """Yield a fresh database, migrated, on `target` (`sqlite` or a PostgreSQL server URL);
    remove it afterwards."""
    with tempfile.TemporaryDirectory(prefix="pbbench_") as folder:
        if target == SQLITE:
            scratch = Scratch(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", Path(folder))
            await _migrate(scratch.url)
            yield scratch
            return
        name = f"pbbench_{uuid.uuid4().hex[:12]}"
        await _on_server(target, f'CREATE DATABASE "{name}"')
        try:
            url = make_url(target).set(database=name).render_as_string(hide_password=False)
            await _migrate(url)
            yield Scratch(url, Path(folder))
        finally:
            await _on_server(target, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _migrate(url: str) -> None:
    """Upgrade a database to the newest revision."""
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


async def _on_server(url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE) on a server."""
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(statement)
    finally:
        await admin.dispose()


# Timing


@dataclass(frozen=True, slots=True)
class Spread:
    """The median, the 95th percentile (nearest rank) and the maximum of some figures."""

    p50: float
    p95: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        """Summarise figures (at least one)."""
        return cls(statistics.median(values), percentile(values, 0.95), max(values))


def percentile(values: Sequence[float], share: float) -> float:
    """Return the nearest-rank percentile: the smallest value with `share` of them at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


@dataclass(slots=True)
class Lap:
    """Wall and CPU seconds of one timed block (this process's CPU, not a database server's)."""

    wall: float = 0.0
    cpu: float = 0.0


@contextmanager
def stopwatch() -> Iterator[Lap]:
    """Time the block; the lap is filled in when it ends."""
    lap, wall, cpu = Lap(), time.perf_counter(), time.process_time()
    try:
        yield lap
    finally:
        lap.wall, lap.cpu = time.perf_counter() - wall, time.process_time() - cpu


@dataclass(slots=True)
class Timing:
    """Wall and CPU milliseconds of repeated calls, and the counts they saw."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    new: list[int] = field(default_factory=list)

    async def measure(self, call: Awaitable[T]) -> T:
        """Await a call, record its wall and CPU time, return its result."""
        with stopwatch() as lap:
            result = await call
        self.wall.append(lap.wall * 1000)
        self.cpu.append(lap.cpu * 1000)
        return result

    def spread(self) -> Spread:
        """Summarise the wall times."""
        return Spread.of(self.wall)


def best_rate(count: int, repeat: int, run: Callable[[], Any]) -> float:
    """Return `count` per second over the fastest of `repeat` calls of `run`."""
    best = float("inf")
    for _ in range(repeat):
        with stopwatch() as lap:
            run()
        best = min(best, lap.wall)
    return count / best


def factor(baseline: float, result: float) -> str:
    """Return how many times the baseline's figure is the result's, as `x12`."""
    return f"x{baseline / result:.0f}"


def peak_rss_mb() -> float:
    """Return this process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# Tables


def print_table(columns: dict[str, str], rows: Iterable[Sequence[object]]) -> None:
    """Print a header, a rule and one line per row; `columns` maps each title to the format
    spec of its figures (text gets the spec's alignment and width only)."""
    print_head(columns)
    for row in rows:
        print_row(columns, row)


def print_head(columns: dict[str, str]) -> None:
    """Print a table's header and a rule under it (for rows printed as they are measured)."""
    head = " ".join(_cell(title, spec) for title, spec in columns.items())
    print(f"{head}\n{'-' * len(head)}", flush=True)


def print_row(columns: dict[str, str], row: Sequence[object]) -> None:
    """Print one row of a table."""
    print(" ".join(_cell(v, spec) for v, spec in zip(row, columns.values(), strict=True)))


def _cell(value: object, spec: str) -> str:
    """Format one cell: a number with the full spec, text with its alignment and width."""
    if isinstance(value, str):
        match = re.match(r"[<>^]?\d*", spec)
        return f"{value:{match.group() if match else ''}}"
    return f"{value:{spec}}"
