"""A repeating failure is logged once with its traceback, then summarised at most a minute."""

from __future__ import annotations

import logging

import pytest

from bot.services.kernel.repeats import RepeatedFailure


def test_a_failure_every_half_second_logs_one_traceback_and_a_line_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    failures = RepeatedFailure(
        logging.getLogger("t"), "dispatcher round", monotonic=lambda: now[0]
    )
    caplog.set_level(logging.INFO, "t")
    for _ in range(600):  # five minutes of a database outage, a try every 0.5 s
        try:
            raise ConnectionRefusedError("db down")
        except ConnectionRefusedError as exc:
            failures.failed(exc)
        now[0] += 0.5
    assert failures.failing
    failures.succeeded()
    records = caplog.records
    assert len(records) == 1 + 4 + 1  # the first, a summary a minute, the recovery
    assert records[0].exc_info is not None
    assert records[0].getMessage() == "dispatcher round failed"
    assert all(r.exc_info is None for r in records[1:])
    assert records[1].getMessage() == (
        "dispatcher round still failing (repeated 120 times in 60 s): ConnectionRefusedError"
    )
    assert records[-1].getMessage() == "dispatcher round works again after 600 failures"
    assert not failures.failing


def test_success_without_failure_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    failures = RepeatedFailure(logging.getLogger("t"), "x")
    with caplog.at_level(logging.DEBUG, "t"):
        failures.succeeded()
    assert caplog.records == []
