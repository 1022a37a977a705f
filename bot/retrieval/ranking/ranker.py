"""Linear models fitted on the tune questions: which chunk answers (listwise softmax over the
candidates), which of its units is the answer (the same over units), and whether to answer at
all (logistic regression on the question's best evidence). One weight vector per language,
shrunk toward the weights fitted on both languages together, with the strength of that pull and
of the L2 penalty chosen by cross-validation (bench/fit_ranker.py). No weight is set by hand.

The fitted parameters live in bot/retrieval/ranking/fitted.json, written by bench/fit_ranker.py."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FITTED = Path(__file__).with_name("fitted.json")
LANGUAGES = ("da", "en")


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Standardised features times one weight vector per language, plus a bias."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: dict[str, np.ndarray]
    bias: dict[str, float]

    def score(self, rows: np.ndarray, language: str) -> np.ndarray:
        """Return the linear score of each row."""
        if not len(rows):
            return np.zeros(0)
        lang = language if language in self.weights else LANGUAGES[0]
        return ((rows - self.mean) / self.scale) @ self.weights[lang] + self.bias.get(lang, 0.0)

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "weights": {k: v.round(6).tolist() for k, v in self.weights.items()},
            "bias": {k: round(v, 6) for k, v in self.bias.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearModel:
        return cls(
            features=tuple(data["features"]),
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            weights={k: np.asarray(v, dtype=np.float64) for k, v in data["weights"].items()},
            bias={k: float(v) for k, v in data.get("bias", {}).items()},
        )


@dataclass(frozen=True, slots=True)
class Calibrator:
    """Probability that a question has its answer in the documents, and the threshold."""

    model: LinearModel
    threshold: float

    def probability(self, row: np.ndarray, language: str) -> float:
        return float(_sigmoid(self.model.score(row[None, :], language))[0])


@dataclass(frozen=True, slots=True)
class Fitted:
    """Every fitted part of the ranking, as read from fitted.json."""

    chunk: LinearModel
    unit: LinearModel
    confidence: dict[str, Calibrator]  # per retrieval mode
    scope_margin: float
    meta: dict[str, Any]

    @classmethod
    def load(cls, path: Path = FITTED) -> Fitted:
        """Read the fitted models, once per process for each version of the file."""
        stat = path.stat()
        return _read_fitted(str(path.resolve()), stat.st_mtime_ns, stat.st_size)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Fitted:
        return cls(
            chunk=LinearModel.from_json(data["chunk"]),
            unit=LinearModel.from_json(data["unit"]),
            confidence={
                mode: Calibrator(LinearModel.from_json(c["model"]), float(c["threshold"]))
                for mode, c in data["confidence"].items()
            },
            scope_margin=float(data.get("scope_margin", 0.0)),
            meta=dict(data.get("meta", {})),
        )

    def save(self, path: Path = FITTED) -> None:
        data = {
            "meta": self.meta,
            "chunk": self.chunk.to_json(),
            "unit": self.unit.to_json(),
            "confidence": {
                mode: {"model": c.model.to_json(), "threshold": round(c.threshold, 6)}
                for mode, c in self.confidence.items()
            },
            "scope_margin": round(self.scope_margin, 6),
        }
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def softmax(scores: np.ndarray) -> np.ndarray:
    """Probabilities from scores."""
    if not len(scores):
        return scores
    shifted = np.exp(scores - scores.max())
    return shifted / shifted.sum()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -35, 35)))


# ---------------------------------------------------------------- fitting


@dataclass(frozen=True, slots=True)
class Group:
    """One question's rows (candidates or units) and which of them hold the answer."""

    rows: np.ndarray
    relevant: np.ndarray  # bool per row
    language: str


def standardiser(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and scale per feature (a constant feature keeps scale 1)."""
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    return mean, np.where(scale < 1e-9, 1.0, scale)


def listwise_loss(
    w: np.ndarray, groups: Sequence[Group], prior: np.ndarray, penalty: float
) -> tuple[float, np.ndarray]:
    """-log of the probability the softmax gives the relevant rows, summed over questions,
    plus penalty/2 * |w - prior|^2; with its gradient."""
    loss = 0.5 * penalty * float((w - prior) @ (w - prior))
    grad = penalty * (w - prior)
    for g in groups:
        p = softmax(g.rows @ w)
        mass = float(p[g.relevant].sum())
        loss -= np.log(max(mass, 1e-300))
        target = np.where(g.relevant, p / max(mass, 1e-300), 0.0)
        grad += g.rows.T @ (p - target)
    return loss, grad


def logistic_loss(
    w: np.ndarray, rows: np.ndarray, labels: np.ndarray, prior: np.ndarray, penalty: float
) -> tuple[float, np.ndarray]:
    """Binary cross-entropy (last weight is the bias, not penalised) with its gradient."""
    x = np.hstack([rows, np.ones((len(rows), 1))])
    z = x @ w
    p = _sigmoid(z)
    eps = 1e-12
    loss = -float(np.sum(labels * np.log(p + eps) + (1 - labels) * np.log(1 - p + eps)))
    grad = x.T @ (p - labels)
    diff = (w - prior)[:-1]
    loss += 0.5 * penalty * float(diff @ diff)
    grad[:-1] += penalty * diff
    return loss, grad


def minimise(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    iterations: int = 300,
    memory: int = 10,
) -> np.ndarray:
    """L-BFGS with a backtracking (Armijo) line search; the losses here are convex."""
    x = start.astype(np.float64).copy()
    f, g = objective(x)
    s_list: list[np.ndarray] = []
    y_list: list[np.ndarray] = []
    for _ in range(iterations):
        q = g.copy()
        alphas = []
        for s, y in zip(reversed(s_list), reversed(y_list), strict=True):
            rho = 1.0 / float(y @ s)
            a = rho * float(s @ q)
            alphas.append((rho, a))
            q -= a * y
        if y_list:
            q *= float(s_list[-1] @ y_list[-1]) / float(y_list[-1] @ y_list[-1])
        for (rho, a), s, y in zip(reversed(alphas), s_list, y_list, strict=True):
            b = rho * float(y @ q)
            q += (a - b) * s
        direction = -q
        slope = float(g @ direction)
        if slope >= 0:
            direction, slope = -g, -float(g @ g)
        step = 1.0
        while True:
            x_new = x + step * direction
            f_new, g_new = objective(x_new)
            if f_new <= f + 1e-4 * step * slope or step < 1e-10:
                break
            step *= 0.5
        s, y = x_new - x, g_new - g
        x, f_old, f, g = x_new, f, f_new, g_new
        if float(s @ y) > 1e-12:
            s_list.append(s)
            y_list.append(y)
            if len(s_list) > memory:
                s_list.pop(0)
                y_list.pop(0)
        if abs(f_old - f) <= 1e-9 * max(1.0, abs(f)) or float(np.abs(g).max()) < 1e-6:
            break
    return x


def fit_listwise(
    features: Sequence[str], groups: Sequence[Group], penalty: float, pull: float
) -> LinearModel:
    """Fit one listwise model for both languages, then each language pulled toward it."""
    usable = [g for g in groups if g.relevant.any() and len(g.rows) > 1]
    stacked = np.vstack([g.rows for g in usable])
    mean, scale = standardiser(stacked)
    scaled = [Group((g.rows - mean) / scale, g.relevant, g.language) for g in usable]
    zero = np.zeros(len(features))
    pooled = minimise(_listwise(scaled, zero, penalty), zero)
    weights = {}
    for language in LANGUAGES:
        mine = [g for g in scaled if g.language == language]
        weights[language] = minimise(_listwise(mine, pooled, pull), pooled) if mine else pooled
    return LinearModel(tuple(features), mean, scale, weights, dict.fromkeys(LANGUAGES, 0.0))


def fit_logistic(
    features: Sequence[str],
    rows: np.ndarray,
    labels: np.ndarray,
    languages: Sequence[str],
    penalty: float,
    pull: float,
) -> LinearModel:
    """Fit a logistic model for both languages, then each language pulled toward it."""
    mean, scale = standardiser(rows)
    x = (rows - mean) / scale
    zero = np.zeros(len(features) + 1)
    pooled = minimise(_logistic(x, labels, zero, penalty), zero)
    weights, bias = {}, {}
    langs = np.asarray(languages)
    for language in LANGUAGES:
        mask = langs == language
        w = pooled
        if mask.any() and len(set(labels[mask].tolist())) > 1:
            w = minimise(_logistic(x[mask], labels[mask], pooled, pull), pooled)
        weights[language], bias[language] = w[:-1], float(w[-1])
    return LinearModel(tuple(features), mean, scale, weights, bias)


Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


def _listwise(groups: Sequence[Group], prior: np.ndarray, penalty: float) -> Objective:
    return lambda w: listwise_loss(w, groups, prior, penalty)


def _logistic(x: np.ndarray, labels: np.ndarray, prior: np.ndarray, penalty: float) -> Objective:
    return lambda w: logistic_loss(w, x, labels, prior, penalty)


@functools.lru_cache(maxsize=4)
def _read_fitted(path: str, _mtime_ns: int, _size: int) -> Fitted:
    """The parsed file; the modification time and size key the cache, so a refit is read."""
    return Fitted.parse(json.loads(Path(path).read_text(encoding="utf-8")))
