"""The outcomes dashboard as a physician gets it: the page over the real app (sign-in, audit,
aggregates, template) and then every figure image it links, timed in-process; and the Python
memory one dashboard build allocates at its peak (flat: no per-row objects).

Used by bench_reports.py, which prints these rows beside the aggregates of the same database.
"""

from __future__ import annotations

import re
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from sclero.app import create_app
from sclero.core.db import Database
from sclero.core.settings import get_settings
from sclero.demo.staff import DEMO_PASSWORD

FIGURE = re.compile(r'src="(/reports/outcomes/figures/[^"]+\.svg[^"]*)"')


def signed_in_physician(database: Database) -> TestClient:
    """A client of the real app on `database`, signed in as the demo physician."""
    client = TestClient(create_app(get_settings(), database))
    client.get("/login")
    answer = client.post(
        "/login",
        data={
            "username": "physician",
            "password": DEMO_PASSWORD,
            "csrf_token": client.cookies["sclero_csrf"],
        },
        follow_redirects=False,
    )
    if answer.status_code >= 400:
        raise SystemExit(f"the demo physician cannot sign in ({answer.status_code})")
    return client


def _get(client: TestClient, path: str) -> Any:
    answer = client.get(path)
    if answer.status_code != 200:
        raise SystemExit(f"{path} answered {answer.status_code}")
    return answer


def page_rows(label: str, database: Database, repeat: int) -> list[list[str]]:
    """Median ms of the dashboard page (one year, no filter) and of its page plus all figures."""
    client = signed_in_physician(database)
    page_times, whole_times, figures = [], [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        html = _get(client, "/reports/outcomes").text
        page_times.append(time.perf_counter() - started)
        sources = [src.replace("&amp;", "&") for src in FIGURE.findall(html)]
        for source in sources:
            _get(client, source)
        whole_times.append(time.perf_counter() - started)
        figures = len(sources)
    client.close()
    page, whole = statistics.median(page_times), statistics.median(whole_times)
    return [
        [label, "dashboard page over the app (HTML), ms", f"{page * 1000:.0f}"],
        [label, f"dashboard page + its {figures} figure images, ms", f"{whole * 1000:.0f}"],
    ]


def peak_memory_row(label: str, build: Callable[[], Any]) -> list[str]:
    """The peak of Python allocations while one dashboard is built from the summary."""
    tracemalloc.start()
    try:
        build()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return [label, "peak Python memory of one dashboard build (MB)", f"{peak / 2**20:.1f}"]
