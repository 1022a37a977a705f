"""The DocumentLibrary port: documents coordinators add, kept in the managed folder
(DATA_DIR/knowledge) and indexed beside KNOWLEDGE_DIR's.

    <managed>/dept/<department key>/<file>            uploads and guides
    <managed>/dept/<department key>/<file>.meta.yaml  their metadata (PDF and Word files)
    <managed>/dept/<department key>/faq/faq-<id>.md   FAQ entries

Every file gets the department's scope, the department as publisher, the day it was added
as its date and a language guess, written where the loaders read them (a Markdown file's
own front matter is rewritten, so an upload can never widen its own scope). Source ids start
with "managed:", so they never collide with KNOWLEDGE_DIR's, and a full `praktikbot ingest`
walks both folders, so it keeps them.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.retrieval.ingest.loaders import Folder, load_path, split_front_matter
from bot.retrieval.setup import MANAGED_PREFIX, KnowledgeBase, ResilientKnowledge
from bot.retrieval.text.language import looks_english
from bot.services.identity.coordination import slugify
from bot.services.knowledge.types import (
    MAX_FILE_NAME,
    DocumentInfo,
    DocumentKind,
    Indexed,
    NewDocument,
    NoText,
    Staged,
    department_scope,
)

INCOMING = ".incoming"  # hidden: never indexed
SIDECAR = ".meta.yaml"
MARKDOWN = (".md", ".markdown")
_TITLE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def safe_name(file_name: str) -> str:
    """Return a file name safe to keep: a slug of its stem and its lower-case suffix."""
    stem, dot, suffix = Path(file_name).name.rpartition(".")
    if not dot:
        stem, suffix = suffix, ""
    stem = slugify(stem)[:MAX_FILE_NAME] if any(ch.isalnum() for ch in stem) else "dokument"
    return f"{stem}.{suffix.lower()}" if suffix else stem


class ManagedLibrary:
    """Implements the DocumentLibrary port over a KnowledgeBase with a managed folder."""

    def __init__(self, knowledge: KnowledgeBase | ResilientKnowledge) -> None:
        if knowledge.config.managed_dir is None:
            raise ValueError("the knowledge base has no managed folder")
        self._source = knowledge
        self.root = knowledge.config.managed_dir
        self.folder = Folder(self.root, MANAGED_PREFIX)

    @property
    def knowledge(self) -> KnowledgeBase:
        """The open knowledge base (IndexUnavailable while the index cannot be opened)."""
        return self._source.current()

    async def read(self, document: NewDocument) -> Staged:
        """Write the document to a staging folder with its metadata and read it."""
        return await asyncio.to_thread(self._read, document)

    async def store(self, staged: Staged) -> Indexed:
        """Move a staged document into its department's folder and index it."""
        return await asyncio.to_thread(self._store, staged)

    async def discard(self, staged: Staged) -> None:
        """Delete a staged document."""
        await asyncio.to_thread(shutil.rmtree, Path(staged.handle).parent, True)

    async def documents(self, scopes: Sequence[str]) -> list[DocumentInfo]:
        """Return the indexed documents within the scopes (managed ones and KNOWLEDGE_DIR's)."""
        summaries = await asyncio.to_thread(self.knowledge.index.sources, scopes)
        found = []
        for summary in summaries:
            meta = summary.metadata
            managed = summary.source.startswith(MANAGED_PREFIX)
            kind = DocumentKind.FOLDER
            if managed:
                stored = str(meta.get("kind") or "")
                kind = DocumentKind(stored) if stored in set(DocumentKind) else DocumentKind.UPLOAD
            found.append(
                DocumentInfo(
                    source=summary.source,
                    title=str(meta.get("title", "")),
                    scope=str(meta.get("scope", "all")),
                    kind=kind,
                    date=str(meta.get("date", "")),
                    chunks=summary.chunks,
                    section=str(meta.get("section", "")) if kind is DocumentKind.FAQ else "",
                )
            )
        return found

    async def remove(self, source: str) -> bool:
        """Delete a managed document's file (and metadata) and take it out of the index."""
        return await asyncio.to_thread(self._remove, source)

    async def sync(self) -> bool:
        """Rebuild the in-memory indexes when another process changed the index."""
        return await asyncio.to_thread(self._source.sync)  # also retries a failed open

    def target(self, document: NewDocument, name: str) -> Path:
        """Return where a document is kept."""
        folder = self.root / "dept" / document.department.key
        if document.kind is DocumentKind.FAQ:
            folder = folder / "faq"
        return folder / name

    def _read(self, document: NewDocument) -> Staged:
        name = safe_name(document.file_name)
        staging = self.root / INCOMING / uuid.uuid4().hex
        staging.mkdir(parents=True)
        path = staging / name
        try:
            meta = self._write(path, document)
            sections = load_path(path, Folder(staging, MANAGED_PREFIX))
        except Exception as exc:  # a damaged file reads as no text at all
            shutil.rmtree(staging, ignore_errors=True)
            raise NoText(type(exc).__name__) from exc
        sections = [s for s in sections if s.page_content.strip()]
        if not sections:
            shutil.rmtree(staging, ignore_errors=True)
            raise NoText("no text")
        if "language" not in meta:  # a guess from the text itself
            meta["language"] = _language(" ".join(s.page_content for s in sections[:20]))
            self._write_metadata(path, meta)
        title = str(sections[0].metadata.get("title") or name)
        return Staged(document, str(path), len(sections), title)

    def _write(self, path: Path, document: NewDocument) -> dict[str, Any]:
        """Write the file and the metadata this library decides; return that metadata."""
        meta: dict[str, Any] = {
            "publisher": document.department.name,
            "date": document.added_on.isoformat(),
            "scope": department_scope(document.department.key),
            "kind": document.kind.value,
        }
        if document.title:
            meta["title"] = document.title
        if path.suffix.lower() in MARKDOWN:
            own, body = split_front_matter(document.content.decode("utf-8", errors="replace"))
            for key in ("title", "language", "source_url"):
                if own.get(key) and key not in meta:
                    meta[key] = str(own[key])
            heading = _TITLE.search(body)
            if "title" not in meta and heading:  # else the loader falls back to the file name
                meta["title"] = heading[1].strip()
            path.write_text(_front_matter(meta) + body, encoding="utf-8")
        else:
            path.write_bytes(document.content)
            self._write_metadata(path, meta)
        return meta

    def _write_metadata(self, path: Path, meta: dict[str, Any]) -> None:
        if path.suffix.lower() in MARKDOWN:
            _own, body = split_front_matter(path.read_text(encoding="utf-8"))
            path.write_text(_front_matter(meta) + body, encoding="utf-8")
        else:
            sidecar = path.with_name(path.name + SIDECAR)
            sidecar.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")

    def _store(self, staged: Staged) -> Indexed:
        source_path = Path(staged.handle)
        target = self.target(staged.document, source_path.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        replaced = target.exists()
        try:
            sidecar = source_path.with_name(source_path.name + SIDECAR)
            if sidecar.exists():
                os.replace(sidecar, target.with_name(target.name + SIDECAR))
            os.replace(source_path, target)
        finally:
            shutil.rmtree(source_path.parent, ignore_errors=True)
        report = self.knowledge.ingest(paths=[target])
        return Indexed(self.folder.source(target), staged.title, report.chunks, replaced)

    def _remove(self, source: str) -> bool:
        if not source.startswith(MANAGED_PREFIX):
            return False
        path = (self.root / source.removeprefix(MANAGED_PREFIX)).resolve()
        if not path.is_relative_to(self.root.resolve()):
            return False
        existed = path.exists()
        path.unlink(missing_ok=True)
        path.with_name(path.name + SIDECAR).unlink(missing_ok=True)
        return bool(self.knowledge.remove(source)) or existed


def _front_matter(meta: dict[str, Any]) -> str:
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n"


def _language(text: str) -> str:
    """Guess a document's language (Danish unless it reads as English)."""
    return "en" if looks_english(text) else "da"
