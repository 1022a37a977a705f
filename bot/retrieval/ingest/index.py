"""The knowledge index: chunks in Chroma (cosine space), kept in step with knowledge/ by
LangChain's indexing API and a record manager, so unchanged documents are never embedded
again and removed documents leave the index. Beside chunks and their sentences, a third
collection holds the Danish vocabulary of the indexed text (one word per entry), which
translates English questions word by word (bot/retrieval/text/crosslingual.py).

Every ingestion that changes something writes a new version stamp into the chunk
collection's metadata, where every process using the index (the bot, `praktikbot ingest`,
on one embedded folder or one Chroma server) reads it: a process whose in-memory indexes were
built from an older version knows it must rebuild them (bot/retrieval/setup.py)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import InternalError
from langchain_chroma import Chroma
from langchain_classic.indexes import SQLRecordManager
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.indexing import index as sync_index

from bot.retrieval.ingest.chunking import MAX_WORDS, chunk_sections, sentence_documents
from bot.retrieval.ingest.loaders import Folder, folder_of, knowledge_files, load_path
from bot.retrieval.text.crosslingual import vocabulary

log = logging.getLogger(__name__)
CHUNKS = "knowledge_chunks"
SENTENCES = "knowledge_sentences"
WORDS = "knowledge_words"
VOCABULARY_SOURCE = "vocabulary"
VERSION_KEY = "praktikbot_version"


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What an ingestion changed."""

    files: int
    chunks: int
    added: int
    updated: int
    skipped: int
    deleted: int


@dataclass(frozen=True, slots=True)
class StoredChunk:
    """A chunk as stored: id, full text (prefix + body) and metadata."""

    id: str
    text: str
    metadata: dict

    @property
    def body(self) -> str:
        """The text without its "title › section" (or "section: ") prefix."""
        return self.text[int(self.metadata.get("prefix_len", 0)) :]


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """One indexed document: its source id, metadata (of its first chunk) and chunk count."""

    source: str
    metadata: dict
    chunks: int


class KnowledgeIndex:
    """Chunks, their sentences and the Danish vocabulary in three Chroma collections
    (embedded in `folder`, or on a server at CHROMA_URL), each with its LangChain record
    manager (kept in `folder`)."""

    def __init__(
        self, embeddings: Embeddings, folder: Path, chroma_url: str | None = None
    ) -> None:
        self.embeddings = embeddings
        self.folder, self.chroma_url = folder, chroma_url
        folder.mkdir(parents=True, exist_ok=True)
        client = self._client = _client(folder, chroma_url)
        self.stores = {
            name: Chroma(
                collection_name=name,
                embedding_function=embeddings,
                client=client,
                collection_configuration={"hnsw": {"space": "cosine"}},
            )
            for name in (CHUNKS, SENTENCES, WORDS)
        }
        self.records = {
            name: SQLRecordManager(
                f"chroma/{name}", db_url=f"sqlite:///{folder / 'records.sqlite'}"
            )
            for name in (CHUNKS, SENTENCES, WORDS)
        }
        for records in self.records.values():
            records.create_schema()

    @property
    def embedded(self) -> bool:
        """Whether Chroma runs inside this process (on `folder`), not on a server."""
        return not self.chroma_url

    def reopened(self) -> KnowledgeIndex:
        """Return the index opened again, so it sees what other processes wrote.

        An embedded Chroma keeps its vector index in memory, one per folder and process, and
        never reloads it: after another process wrote, dense searches here would miss the new
        entries (and find removed ones). Chroma caches that state per folder, so the cached
        system is forgotten first; searches running on this index keep theirs. A server
        (CHROMA_URL) is shared by every process already: nothing to reopen.
        """
        if not self.embedded:
            return self
        forget_embedded(self.folder)
        return KnowledgeIndex(self.embeddings, self.folder, self.chroma_url)

    def version(self) -> str:
        """Return the version stamp of the newest ingestion ("" before the first)."""
        collection = self._client.get_collection(CHUNKS)
        return str((collection.metadata or {}).get(VERSION_KEY, ""))

    def stamp(self) -> str:
        """Write a new version stamp (after a change) and return it."""
        version = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        self._client.get_collection(CHUNKS).modify(metadata={VERSION_KEY: version})
        return version

    def ingest(
        self,
        folders: Path | Sequence[Folder],
        paths: Sequence[Path] | None = None,
        progress: bool = False,
        max_words: int = MAX_WORDS,
    ) -> IngestReport:
        """Index the documents of the folders (or only `paths`, each cited by the folder that
        holds it); returns what changed. A full run removes every document not found."""
        roots = [Folder(folders)] if isinstance(folders, Path) else list(folders)
        files = list(paths) if paths else [f for r in roots for f in knowledge_files(r.path)]
        sections = (doc for path in files for doc in load_path(path, folder_of(path, roots)))
        chunks = chunk_sections(sections, max_words)
        docs = {CHUNKS: chunks, SENTENCES: sentence_documents(chunks)}
        totals = {"num_added": 0, "num_updated": 0, "num_skipped": 0, "num_deleted": 0}
        for name, batch in docs.items():
            result = self._index(name, batch, progress, "incremental" if paths else "full")
            for key in totals:
                totals[key] += int(result.get(key, 0))
        # The vocabulary is cut from everything stored (not only this run's files), so it
        # is always re-indexed in full: words of a removed document leave with it.
        result = self._index(WORDS, self._vocabulary_documents(), progress, "full")
        for key in totals:
            totals[key] += int(result.get(key, 0))
        return IngestReport(
            files=len(files),
            chunks=len(chunks),
            added=totals["num_added"],
            updated=totals["num_updated"],
            skipped=totals["num_skipped"],
            deleted=totals["num_deleted"],
        )

    def remove(self, source: str) -> int:
        """Remove one document's chunks and sentences (and its words from the vocabulary);
        return how many entries went."""
        removed = 0
        for name in (CHUNKS, SENTENCES):
            keys = self.records[name].list_keys(group_ids=[source])
            if keys:
                self.stores[name].delete(keys)
                self.records[name].delete_keys(keys)
            removed += len(keys)
        if removed:
            self._index(WORDS, self._vocabulary_documents(), False, "full")
        return removed

    def sources(self, scopes: Sequence[str]) -> list[SourceSummary]:
        """Return the documents indexed within the scopes, in source order."""
        where: dict[str, Any] = {"scope": {"$in": list(scopes)}}
        got = self.stores[CHUNKS].get(where=where, include=["metadatas"])
        found: dict[str, SourceSummary] = {}
        for meta in got["metadatas"]:
            source = str((meta or {}).get("source", ""))
            seen = found.get(source)
            found[source] = SourceSummary(
                source,
                seen.metadata if seen else dict(meta or {}),
                (seen.chunks if seen else 0) + 1,
            )
        return [found[source] for source in sorted(found)]

    def _index(self, name: str, batch: list[Document], progress: bool, cleanup: str) -> dict:
        self._forget_records_if_store_was_emptied(name)
        return dict(
            sync_index(
                _progress(batch, progress, name),
                self.records[name],
                self.stores[name],
                cleanup=cleanup,  # type: ignore[arg-type]
                source_id_key="source",
                batch_size=64,
                key_encoder="sha256",
            )
        )

    def _vocabulary_documents(self) -> list[Document]:
        danish = (
            entry.body
            for entry in self.stored(SENTENCES)
            if str(entry.metadata.get("language", "da")).startswith("da")
        )
        return [
            Document(word, metadata={"source": VOCABULARY_SOURCE}) for word in vocabulary(danish)
        ]

    def word_vectors(self) -> tuple[list[str], np.ndarray]:
        """Return the Danish vocabulary and its embeddings (for WordTranslator)."""
        got = self.stores[WORDS].get(include=["documents", "embeddings"])
        words = [text or "" for text in got["documents"]]
        vectors = got["embeddings"]
        if not words or vectors is None:
            return [], np.zeros((0, 0), dtype=np.float32)
        return words, np.asarray(vectors, dtype=np.float32)

    def stored(self, name: str = CHUNKS) -> list[StoredChunk]:
        """Return every stored chunk (or sentence); the lexical indexes are built from these."""
        got = self.stores[name].get(include=["documents", "metadatas"])
        return [
            StoredChunk(i, text or "", meta or {})
            for i, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]

    def stored_with_vectors(self, name: str = CHUNKS) -> tuple[list[StoredChunk], np.ndarray]:
        """Return every stored entry with its embedding (rows in the same order)."""
        got = self.stores[name].get(include=["documents", "metadatas", "embeddings"])
        entries = [
            StoredChunk(i, text or "", meta or {})
            for i, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        vectors = got["embeddings"]
        if vectors is None or not len(entries):
            return entries, np.zeros((len(entries), 0), dtype=np.float32)
        return entries, np.asarray(vectors, dtype=np.float32)

    def dense(
        self, vector: list[float], k: int, scopes: Sequence[str], name: str = CHUNKS
    ) -> list[tuple[str, float]]:
        """Return (id, cosine similarity) of the k nearest entries within the scopes."""
        where: dict[str, Any] = {"scope": {"$in": list(scopes)}}
        try:
            found = self.stores[name].similarity_search_by_vector_with_relevance_scores(
                vector, k=k, filter=where
            )
        except InternalError as exc:
            # Another process is rewriting an embedded index that this one holds in memory:
            # until its new version is picked up (KnowledgeBase.sync), the lexical channels
            # answer alone rather than the question failing.
            log.warning("dense search of %s failed (%s): index changed elsewhere?", name, exc)
            return []
        return [(doc.id or "", 1.0 - distance) for doc, distance in found]

    def is_empty(self, name: str = CHUNKS) -> bool:
        """Return whether nothing is indexed yet."""
        return not self.stores[name].get(limit=1)["ids"]

    def _forget_records_if_store_was_emptied(self, name: str) -> None:
        # If the Chroma data was wiped but the records survived, every document would count
        # as "unchanged" and nothing would be embedded again.
        records = self.records[name]
        if self.is_empty(name) and records.list_keys(limit=1):
            log.warning("the %s store is empty but records remain: re-indexing", name)
            records.delete_keys(records.list_keys())


def forget_embedded(folder: Path) -> None:
    """Forget the embedded Chroma this process keeps for a folder, so the next client opens
    it afresh (Chroma caches one per folder, a broken one too, after a failed open)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(str(folder), None)
    SharedSystemClient._identifier_to_refcount.pop(str(folder), None)


def _client(folder: Path, chroma_url: str | None) -> chromadb.ClientAPI:
    settings = ChromaSettings(anonymized_telemetry=False)
    if not chroma_url:
        return chromadb.PersistentClient(path=str(folder), settings=settings)
    url = urlparse(chroma_url)
    return chromadb.HttpClient(
        host=url.hostname or "localhost",
        port=url.port or 8000,
        ssl=url.scheme == "https",
        settings=settings,
    )


def _progress(docs: list[Document], enabled: bool, name: str) -> Iterable[Document]:
    if not enabled:
        return docs
    from tqdm import tqdm

    return iter(tqdm(docs, desc=f"indexing {name}", unit="doc"))
