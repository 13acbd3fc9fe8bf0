"""A clock the test moves by hand (sclero.core.time.clock): half an hour passes at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from sclero.core import time


class Clock:
    """Now, as the test says: starts at the real time, moves only when told."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Iterator[Clock]:
    moved = Clock()
    with time.clock(moved):
        yield moved
