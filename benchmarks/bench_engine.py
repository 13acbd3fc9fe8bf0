"""Benchmark the protocol engine on generated, realistic cases, against a same-run baseline.

Run: `uv run python benchmarks/bench_engine.py [--cases N] [--seed S] [--repeat R]`.
Prints cases/second for a JSON round-trip of the case (the baseline), `parse_case`, `evaluate`
on parsed cases and `evaluate_document` end to end, each as a ratio to the baseline.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from sclero.rules import default_protocol, evaluate, evaluate_document, parse_case
from sclero.rules import vocabulary as v

LEGS = [r for r in sorted(v.Region.codes()) if r not in {"face", "other"}]
CONDITIONS = sorted(v.Condition.codes())
MEDICATIONS = sorted(v.Medication.codes())
ALLERGIES = sorted(v.Allergy.codes())
START = date(2025, 1, 6)


def _patient(rng: random.Random) -> dict[str, Any]:
    female = rng.random() < 0.85
    return {
        "age_years": rng.randint(18, 85),
        "sex": "female" if female else "male",
        "weight_kg": round(rng.gauss(72, 14), 1) if rng.random() < 0.99 else 45.0,
        "pregnant": female and rng.random() < 0.02,
        "breastfeeding": female and rng.random() < 0.03,
        "conditions": rng.sample(CONDITIONS, k=rng.choice([0] * 7 + [1, 1, 2])),
        "medications": rng.sample(MEDICATIONS, k=rng.choice([0] * 6 + [1, 1, 1, 2])),
        "allergies": rng.sample(ALLERGIES, k=rng.choice([0] * 12 + [1])),
    }


def _finding(rng: random.Random, index: int) -> dict[str, Any]:
    finding: dict[str, Any] = {
        "id": f"f{index}",
        "side": rng.choice(["left", "right"]),
        "region": rng.choice(LEGS) if rng.random() < 0.98 else "face",
    }
    roll = rng.random()
    if roll < 0.03:
        finding["vein_type"] = rng.choice(["saphenous_trunk", "perforator"])
    elif roll < 0.55:
        finding["diameter_mm"] = round(rng.uniform(0.1, 0.99), 2)
    elif roll < 0.9:
        finding["diameter_mm"] = round(rng.uniform(1.0, 2.9), 1)
    else:
        finding["diameter_mm"] = round(rng.uniform(3.0, 8.0), 1)
    return finding


def make_case(rng: random.Random) -> dict[str, Any]:
    """One realistic case document (most patients healthy, mostly spider and reticular veins)."""
    proposed = START + timedelta(days=rng.randint(0, 365))
    findings = [_finding(rng, i) for i in range(rng.randint(1, 6))]
    sessions = [
        {
            "date": (proposed - timedelta(days=rng.randint(7, 200))).isoformat(),
            "regions": rng.sample(LEGS, k=rng.randint(1, 3)),
        }
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3]))
    ]
    document: dict[str, Any] = {
        "patient": _patient(rng),
        "findings": findings,
        "previous_sessions": sessions,
        "proposed_date": proposed.isoformat() if rng.random() < 0.9 else None,
    }
    if rng.random() < 0.3:
        document["duplex"] = {
            "performed": True,
            "saphenous_reflux": rng.random() < 0.2,
            "perforator_reflux": rng.random() < 0.05,
            "deep_reflux": rng.random() < 0.02,
        }
    return document


def _round_trip(document: dict[str, Any]) -> object:
    return json.loads(json.dumps(document))


def _each(work: Callable[[Any], object], items: list[Any]) -> Callable[[], None]:
    def run() -> None:
        for item in items:
            work(item)

    return run


def rate(run: Callable[[], object], count: int, repeat: int) -> float:
    """Cases per second, best of `repeat` runs."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return count / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    protocol = default_protocol()
    documents = [make_case(rng) for _ in range(args.cases)]
    cases = [parse_case(d, protocol) for d in documents]
    n, r = args.cases, args.repeat

    # Results are discarded one by one, as a server does: keeping 20 000 result documents
    # alive would measure the garbage collector walking them, not the engine.
    rates = {
        "baseline: JSON round-trip of the case": rate(_each(_round_trip, documents), n, r),
        "parse_case": rate(_each(lambda d: parse_case(d, protocol), documents), n, r),
        "evaluate (parsed cases)": rate(_each(lambda c: evaluate(c, protocol), cases), n, r),
        "evaluate + to_document": rate(
            _each(lambda c: evaluate(c, protocol).to_document(), cases), n, r
        ),
        "evaluate_document (end to end)": rate(
            _each(lambda d: evaluate_document(d, protocol), documents), n, r
        ),
    }
    decisions: dict[str, int] = {}
    for case in cases:
        decision = evaluate(case, protocol).decision
        decisions[decision] = decisions.get(decision, 0) + 1
    _report(rates, decisions, args)


def _report(rates: dict[str, float], decisions: dict[str, int], args: argparse.Namespace) -> None:
    baseline = next(iter(rates.values()))
    table = Table(
        title=f"Sclero protocol engine — {args.cases} cases, seed {args.seed}, "
        f"best of {args.repeat}"
    )
    table.add_column("measure")
    table.add_column("cases/s", justify="right")
    table.add_column("× baseline", justify="right")
    for name, value in rates.items():
        table.add_row(name, f"{value:,.0f}", f"{value / baseline:.2f}")
    console = Console()
    console.print(table)
    mix = ", ".join(f"{k}: {decisions[k] / args.cases:.0%}" for k in sorted(decisions))
    console.print(f"decision mix: {mix}")
    target = rates["evaluate (parsed cases)"]
    verdict = "meets" if target >= 20_000 else "misses"
    console.print(f"evaluate {verdict} the 20 000 cases/s target ({target:,.0f}/s on one core).")


if __name__ == "__main__":
    main()
