"""A browser test asserts through Playwright's `expect`, which waits for the page to settle; a bare
`assert locator.is_visible()` (or `.count() ==`, `.inner_text() ==`) reads the page once, at
whatever moment the click's navigation or swap has reached, and fails only now and then."""

from __future__ import annotations

import re
from pathlib import Path

BROWSER_TESTS = Path(__file__).parents[1] / "browser"
SNAPSHOT_ASSERT = re.compile(
    r"^\s*assert (not )?.+\.(is_visible\(\)|count\(\) ==|inner_text\(\) ==)"
)


def test_browser_tests_wait_for_what_they_assert() -> None:
    snapshots = [
        f"{path.name}:{number}"
        for path in sorted(BROWSER_TESTS.glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SNAPSHOT_ASSERT.match(line)
    ]
    assert snapshots == [], (
        f"use expect(locator).to_be_visible() / to_have_count / to_have_text: {snapshots}"
    )
