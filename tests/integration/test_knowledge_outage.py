"""The knowledge base when its index cannot be opened: a Chroma server that is not up,
a corrupt embedded store; retried with backoff (a controllable clock), then open."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from bot.retrieval.setup import (
    RETRY_MAX_SECONDS,
    IndexUnavailable,
    KnowledgeBase,
    KnowledgeConfig,
    ResilientKnowledge,
    open_knowledge,
)


class Ticker:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _restore(backup: Path, store: Path) -> None:
    shutil.rmtree(store)
    shutil.copytree(backup, store)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


def test_a_chroma_server_that_is_not_up_is_retried_with_backoff(
    knowledge_corpus: Path, tmp_path: Path
) -> None:
    config = KnowledgeConfig(
        knowledge_dir=knowledge_corpus,
        chroma_dir=tmp_path / "chroma",
        chroma_url=f"http://127.0.0.1:{_closed_port()}",
    )
    ticker = Ticker()
    knowledge = ResilientKnowledge(
        config, lambda: open_knowledge(config), retry_seconds=30, monotonic=ticker
    )
    assert not knowledge.try_open()
    assert not knowledge.available
    assert knowledge.error
    with pytest.raises(IndexUnavailable):
        knowledge.current()
    assert not knowledge.sync()  # not due yet: no attempt
    assert knowledge.attempts == 1
    waits = []
    for _ in range(7):
        before = ticker.now
        while knowledge.attempts == len(waits) + 1:
            ticker.now += 1
            knowledge.sync()
        waits.append(ticker.now - before)
    assert waits == [30, 60, 120, 240, 480, RETRY_MAX_SECONDS, RETRY_MAX_SECONDS]


async def test_a_corrupt_store_opens_after_repair(
    knowledge_corpus: Path, knowledge_index_dir: Path, tmp_path: Path
) -> None:
    store = tmp_path / "chroma"
    store.mkdir()
    (store / "chroma.sqlite3").write_bytes(b"not a database " * 100)
    config = KnowledgeConfig(knowledge_dir=knowledge_corpus, chroma_dir=store)
    ticker = Ticker()
    knowledge = ResilientKnowledge(
        config, lambda: open_knowledge(config), retry_seconds=5, monotonic=ticker
    )
    assert not knowledge.try_open()
    with pytest.raises(IndexUnavailable):
        await knowledge.answer("Hvem er formelle vejledere?", ["all"])
    assert await knowledge.section("anything") is None
    _restore(knowledge_index_dir, store)  # the operator puts the backup back
    ticker.now += 5
    assert knowledge.sync()  # Chroma's cached broken store was forgotten
    assert isinstance(knowledge.current(), KnowledgeBase)
    answer = await knowledge.answer(
        "Kan jeg øve kateteranlæggelse, før jeg møder patienten?", ["all"]
    )
    assert not answer.abstained
