"""Every "now" Sclero takes comes from sclero.core.time, so a test clock (and a clinic's time zone)
reaches all of it: no module reads the system clock by itself
(a line that must, such as one compared with file times, says so with "# system clock")."""

from __future__ import annotations

import re
from pathlib import Path

import sclero

SYSTEM_CLOCK = re.compile(r"\b(datetime\.now|datetime\.utcnow|date\.today|time\.time)\(")


def test_only_the_clock_module_reads_the_system_clock() -> None:
    package = Path(sclero.__file__).parent
    readers = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "time.py" or path.parent.name != "core"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SYSTEM_CLOCK.search(line) and "# system clock" not in line
    ]
    assert readers == [], f"read the clock through sclero.core.time instead: {readers}"
