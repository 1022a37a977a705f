"""The fitted ranking models: fitting recovers what separates relevant rows, the packaged
parameters match the features the code computes, and they round-trip through JSON."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest

from bench.fit_ranker import scope_margin, threshold_for
from bot.retrieval.answers.extractive import CONFIDENCE_FEATURES
from bot.retrieval.ranking.features import CHUNK_FEATURES, UNIT_FEATURES
from bot.retrieval.ranking.hybrid import MODES
from bot.retrieval.ranking.ranker import Fitted, Group, fit_listwise, fit_logistic, softmax


def _groups(seed: int, language: str, informative: int, n: int = 60) -> list[Group]:
    """Questions of 12 candidates each; only feature `informative` tells the relevant one."""
    rng = np.random.default_rng(seed)
    groups = []
    for _ in range(n):
        rows = rng.normal(size=(12, 3))
        relevant = np.zeros(12, bool)
        relevant[rng.integers(12)] = True
        rows[relevant, informative] += 2.5
        groups.append(Group(rows, relevant, language))
    return groups


def _top1(model, groups: list[Group]) -> float:
    return float(
        np.mean([g.relevant[int(np.argmax(model.score(g.rows, g.language)))] for g in groups])
    )


def test_the_listwise_fit_finds_the_feature_that_ranks_and_it_carries_over() -> None:
    train = _groups(1, "da", informative=1)
    model = fit_listwise(("a", "b", "c"), train, penalty=1.0, pull=10.0)
    assert int(np.argmax(model.weights["da"])) == 1
    assert _top1(model, _groups(2, "da", informative=1)) > 0.6  # chance is 1/12


def test_each_language_gets_its_own_weights_pulled_toward_the_pooled_ones() -> None:
    train = _groups(3, "da", informative=0) + _groups(4, "en", informative=2)
    model = fit_listwise(("a", "b", "c"), train, penalty=1.0, pull=1.0)
    assert int(np.argmax(model.weights["da"])) == 0
    assert int(np.argmax(model.weights["en"])) == 2
    stiff = fit_listwise(("a", "b", "c"), train, penalty=1.0, pull=1e6)
    assert np.allclose(stiff.weights["da"], stiff.weights["en"], atol=1e-2)


def test_logistic_calibration_and_the_threshold_meet_targets_where_they_can() -> None:
    rng = np.random.default_rng(5)
    rows = np.vstack([rng.normal(1.5, 1, (200, 2)), rng.normal(-1.5, 1, (60, 2))])
    labels = np.r_[np.ones(200), np.zeros(60)]
    model = fit_logistic(("x", "y"), rows, labels, ["da"] * 260, penalty=1.0, pull=10.0)
    z = ((rows - model.mean) / model.scale) @ model.weights["da"] + model.bias["da"]
    p = 1 / (1 + np.exp(-z))
    threshold, how = threshold_for(p, labels)
    assert "met" in how
    assert "not" not in how
    assert (p[labels == 1] >= threshold).mean() >= 0.95
    assert (p[labels == 0] < threshold).mean() >= 0.90


def test_the_scope_margin_separates_out_of_scope_from_answerable_questions() -> None:
    margin = scope_margin(inside=[-3.0, -1.0, -0.5, 0.2], outside=[1.5, 2.0, 3.0])
    assert 0.2 < margin < 1.5


def test_softmax_is_a_distribution() -> None:
    p = softmax(np.array([1000.0, 0.0, -5.0]))
    assert abs(p.sum() - 1.0) < 1e-12
    assert p[0] > 0.99


def test_the_packaged_parameters_fit_the_features_the_code_computes(tmp_path: Path) -> None:
    fitted = Fitted.load()
    assert fitted.chunk.features == CHUNK_FEATURES
    assert fitted.unit.features == UNIT_FEATURES
    assert set(fitted.confidence) == set(MODES)
    for calibrator in fitted.confidence.values():
        assert calibrator.model.features == CONFIDENCE_FEATURES
        assert 0.0 < calibrator.threshold < 1.0
    for model in (fitted.chunk, fitted.unit):
        assert set(model.weights) == {"da", "en"}
        assert all(len(w) == len(model.features) for w in model.weights.values())
    copy = tmp_path / "fitted.json"
    fitted.save(copy)
    again = Fitted.load(copy)
    rows = np.random.default_rng(0).normal(size=(5, len(CHUNK_FEATURES)))
    assert np.allclose(again.chunk.score(rows, "en"), fitted.chunk.score(rows, "en"), atol=1e-4)


def test_the_parameters_are_read_once_per_process_and_again_after_a_refit(tmp_path: Path) -> None:
    path = tmp_path / "fitted.json"
    Fitted.load().save(path)
    first = Fitted.load(path)
    assert Fitted.load(path) is first  # each retriever rebuild reuses the parsed models
    refit = dataclasses.replace(first, scope_margin=first.scope_margin + 0.25)
    refit.save(path)
    os.utime(path, ns=(path.stat().st_mtime_ns + 1, path.stat().st_mtime_ns + 1_000_000))
    again = Fitted.load(path)
    assert again is not first
    assert again.scope_margin == pytest.approx(first.scope_margin + 0.25)
