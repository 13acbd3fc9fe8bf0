"""A serving worker times its garbage collections and logs the long ones, without their content."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator

import pytest

from sclero.core.collector import PAUSE_LINE, PauseWatch, watch_pauses


@pytest.fixture
def unwatched() -> Iterator[None]:
    yield
    for callback in [c for c in gc.callbacks if isinstance(c, PauseWatch)]:
        gc.callbacks.remove(callback)


def _cycles(how_many: int) -> None:
    for _ in range(how_many):
        node: dict[str, object] = {"name": "Anna Example"}
        node["self"] = node


def test_a_pause_at_or_over_the_threshold_is_logged_without_what_was_freed(
    caplog: pytest.LogCaptureFixture, unwatched: None
) -> None:
    watch = watch_pauses(0)
    _cycles(1000)
    with caplog.at_level(logging.WARNING, logger="sclero.collector"):
        gc.collect()
    lines = [r.getMessage() for r in caplog.records if r.name == "sclero.collector"]
    assert lines and lines[-1].startswith(PAUSE_LINE)
    assert "generation 2" in lines[-1]
    assert "Anna" not in " ".join(lines)
    assert watch.collections >= 1 and watch.longest_ms > 0


def test_short_pauses_are_counted_not_logged(
    caplog: pytest.LogCaptureFixture, unwatched: None
) -> None:
    watch = watch_pauses(60_000)
    with caplog.at_level(logging.WARNING, logger="sclero.collector"):
        gc.collect()
    assert [r for r in caplog.records if r.name == "sclero.collector"] == []
    assert watch.collections >= 1


def test_one_watch_per_process(unwatched: None) -> None:
    watch_pauses(10)
    second = watch_pauses(20)
    assert [c for c in gc.callbacks if isinstance(c, PauseWatch)] == [second]
