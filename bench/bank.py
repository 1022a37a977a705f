"""The question sets of the retrieval benchmark, and the one fixed split of the bank.

- dev: ../shared/eval (25 answerable, 3 unanswerable), given with the project;
- own: bench/questions/extra_*.jsonl and english_questions.jsonl (29 + 10), written in
  earlier rounds and tuned on then;
- bank: bench/questions/bank.jsonl (337 answerable, 52 unanswerable, 15 out of scope), written
  from knowledge/ before anything was measured on it, split once by a fixed hash of the id into
  `tune` (fitting and calibration) and `holdout` (reported only, never used to fix a question).

A question is a dict with "id", "q", "scopes" (default ["all"]) and, when answerable, "key"
(a phrase, or a list of phrases any of which counts) that a right passage holds.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
OWN = ROOT / "bench" / "questions"
SALT = "praktikbot-bank:"


def split_of(question_id: str) -> str:
    """'tune' or 'holdout', by the first 32 bits of a salted SHA-256 of the id."""
    digest = hashlib.sha256(f"{SALT}{question_id}".encode()).hexdigest()
    return "tune" if int(digest[:8], 16) < 2**31 else "holdout"


def load(path: Path) -> list[dict]:
    """Read a JSONL question file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def norm(text: str) -> str:
    """Lower-case and keep letters and digits only."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def keys(question: dict) -> list[str]:
    """The normalised key phrases of an answerable question (none for an unanswerable one)."""
    key = question.get("key")
    if key is None:
        return []
    return [norm(k) for k in ([key] if isinstance(key, str) else key) if norm(k)]


def holds_key(question: dict, text: str) -> bool:
    """Whether a text holds one of the question's keys."""
    flat = norm(text)
    return any(k in flat for k in keys(question))


def language(question: dict) -> str:
    """The question's language: given, or guessed as the bot guesses it."""
    if "lang" in question:
        return str(question["lang"])
    from bot.retrieval.text.language import looks_english

    return "en" if looks_english(question["q"]) else "da"


def out_of_scope(question: dict) -> bool:
    return question.get("why") == "out of scope"


GUIDE_SCOPE = "dept:eksempel-m2"
OTHER_WARD = ["all", "dept:other-ward"]


def out_of_scope_copies(questions: list[dict]) -> list[dict]:
    """Each answerable question about the example department's guide, asked by a student of a
    department without a guide: the answer stands only in a guide they may not read, so the
    right reply is "I don't know" (derived, so every split has enough of them)."""
    return [
        {
            "id": f"{q['id']}~oos",
            "q": q["q"],
            "lang": language(q),
            "why": "out of scope",
            "derived": True,
            "scopes": OTHER_WARD,
        }
        for q in questions
        if "key" in q and GUIDE_SCOPE in q.get("scopes", [])
    ]


def sets(eval_dir: Path = EVAL) -> dict[str, list[dict]]:
    """Every question set by name: dev, own, tune, holdout (answerable and not together)."""
    dev = load(eval_dir / "dev_questions.jsonl") + load(eval_dir / "dev_unanswerable.jsonl")
    own = (
        load(OWN / "extra_questions.jsonl")
        + load(OWN / "extra_unanswerable.jsonl")
        + load(OWN / "english_questions.jsonl")
    )
    bank = load(OWN / "bank.jsonl")
    tune = [q for q in bank if split_of(q["id"]) == "tune"]
    holdout = [q for q in bank if split_of(q["id"]) == "holdout"]
    return {
        "dev": dev,
        "own": own + out_of_scope_copies(own),
        "tune": tune + out_of_scope_copies(tune),
        "holdout": holdout + out_of_scope_copies(holdout),
    }


def fitting_pool(eval_dir: Path = EVAL) -> list[dict]:
    """What the models are fitted and calibrated on: tune, dev and own (never holdout)."""
    named = sets(eval_dir)
    return named["tune"] + named["dev"] + named["own"]
