"""CLI subcommands for the knowledge base: ingest, search and ask."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from bot.bootstrap import knowledge_config, open_services
from bot.config import Settings
from bot.retrieval.setup import KnowledgeBase, open_knowledge
from bot.services.identity.access import Actor
from bot.services.knowledge.types import check_file
from bot.services.questions.knowledge import Citation


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add `ingest`, `search` and `ask` to the CLI."""
    ingest = sub.add_parser(
        "ingest",
        help="index KNOWLEDGE_DIR and the documents coordinators added (only what changed); "
        "a running bot picks the change up within KNOWLEDGE_SYNC_SECONDS",
    )
    ingest.add_argument("paths", nargs="*", type=Path, help="only these files (default: all)")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    for name, text in (
        ("search", "show the passages found for a question"),
        ("ask", "answer a question as the bot would"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("question")
        command.add_argument("--json", action="store_true", help="print JSON")
        command.add_argument(
            "--scope", action="append", help="limit to scopes (repeatable; default: every scope)"
        )
        if name == "search":
            command.add_argument("-k", type=int, default=5, help="how many passages")


def describe(citation: Citation) -> str:
    """Return a citation as "title — section, s. N"."""
    parts = [citation.title]
    if citation.section:
        parts.append(f" — {citation.section}")
    if citation.page:
        parts.append(f", s. {citation.page}")
    return "".join(parts)


async def _open(settings: Settings) -> KnowledgeBase:
    knowledge = await asyncio.to_thread(open_knowledge, knowledge_config(settings))
    if knowledge.index.is_empty():
        await asyncio.to_thread(knowledge.ingest, True)
    return knowledge


def read_guide(path: Path) -> bytes:
    """Return a guide's bytes, or raise ValueError for a missing or unsupported file."""
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    check_file(path.name, path.stat().st_size)
    return path.read_bytes()


async def add_guide(settings: Settings, department: str, file_name: str, content: bytes) -> None:
    """Copy a department's onboarding guide into the managed folder, scoped to it, and
    index it (a running bot picks it up within KNOWLEDGE_SYNC_SECONDS)."""
    knowledge = await asyncio.to_thread(open_knowledge, knowledge_config(settings))
    async with open_services(settings, knowledge=knowledge) as services:
        dept, indexed = await services.knowledge.add_guide(
            Actor.cli(), department, file_name, content
        )
    verb = "replaced" if indexed.replaced else "added"
    print(
        f"guide {verb} for {dept.name} (scope dept:{dept.key}): {indexed.title}, "
        f"{indexed.chunks} passages ({indexed.source})"
    )


async def ingest_cmd(args: argparse.Namespace, settings: Settings) -> int:
    """Index the knowledge base."""
    knowledge = await asyncio.to_thread(open_knowledge, knowledge_config(settings))
    paths = [p.resolve() for p in args.paths] or None
    report = await asyncio.to_thread(knowledge.ingest, not args.quiet, paths)
    print(
        f"{report.files} files, {report.chunks} chunks: {report.added} embedded, "
        f"{report.skipped} unchanged, {report.deleted} removed"
    )
    return 0


async def search_cmd(args: argparse.Namespace, settings: Settings) -> int:
    """Print the passages found for a question."""
    knowledge = await _open(settings)
    scopes = args.scope or knowledge.retriever.scopes()
    passages = await knowledge.retriever.search(args.question, args.k, scopes)
    rows = [
        {
            "source": p.citation.source,
            "title": p.citation.title,
            "section": p.citation.section,
            "page": p.citation.page,
            "url": p.citation.url,
            "text": p.text,
            "score": round(p.score, 5),
        }
        for p in passages
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for i, (row, p) in enumerate(zip(rows, passages, strict=True), 1):
            print(f"[{i}] {describe(p.citation)}  (score {row['score']})\n    {p.text}\n")
    return 0


async def ask_cmd(args: argparse.Namespace, settings: Settings) -> int:
    """Print the answer the bot would give, with its sources."""
    knowledge = await _open(settings)
    scopes = args.scope or knowledge.retriever.scopes()
    answer = await knowledge.answerer.answer(args.question, scopes)
    sources = [
        {"title": c.title, "section": c.section, "page": c.page, "source": c.source, "url": c.url}
        for c in answer.citations
    ]
    if args.json:
        payload = {"answer": answer.text, "abstained": answer.abstained, "sources": sources}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    elif answer.abstained:
        print(
            f"Det ved jeg ikke (sikkerhed {answer.confidence:.2f}); spørgsmålet bør gå til en koordinator."
        )
    else:
        print(answer.text + "\n\nKilder:")
        for i, citation in enumerate(answer.citations, 1):
            print(f"[{i}] {describe(citation)}")
    return 0


COMMANDS = {("ingest", None): ingest_cmd, ("search", None): search_cmd, ("ask", None): ask_cmd}
