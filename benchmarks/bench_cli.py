"""Benchmark `sclero evaluate` as a whole process against a bare interpreter in the same run.

Run: `uv run python benchmarks/bench_cli.py [--runs N]`. Starts, alternately, the baseline
`python -c "import yaml, pydantic"` and `sclero evaluate CASE.json` (one case) N times each and
prints the median and the fastest wall time of each, and the ratio evaluate / baseline. The
targets (issue: fast command line) are ≤ 150 ms for one case and ≤ 3 × the baseline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASE = {
    "patient": {"age_years": 44, "sex": "female", "weight_kg": 68, "pregnant": False,
                "breastfeeding": False, "conditions": [], "medications": [], "allergies": []},
    "findings": [{"id": 1, "side": "left", "region": "leg_lateral", "diameter_mm": 0.6},
                 {"id": 2, "side": "right", "region": "thigh_medial", "diameter_mm": 2.2}],
    "proposed_date": "2026-12-01",
}  # fmt: skip


def _wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    sclero = str(Path(sys.executable).with_name("sclero"))
    with tempfile.TemporaryDirectory() as folder:
        case = Path(folder) / "case.json"
        case.write_text(json.dumps(CASE))
        baseline_cmd = [sys.executable, "-c", "import yaml, pydantic"]
        evaluate_cmd = [sclero, "evaluate", str(case)]
        _wall(evaluate_cmd)  # warm the file-system cache and byte-code once
        baseline: list[float] = []
        evaluate: list[float] = []
        for _ in range(args.runs):
            baseline.append(_wall(baseline_cmd))
            evaluate.append(_wall(evaluate_cmd))
    rows = (("python -c 'import yaml, pydantic'", baseline), ("sclero evaluate (1 case)", evaluate))
    print(f"{'command':<36} {'median ms':>10} {'fastest ms':>11}")
    for name, times in rows:
        print(f"{name:<36} {statistics.median(times) * 1000:>10.0f} {min(times) * 1000:>11.0f}")
    ratio = statistics.median(evaluate) / statistics.median(baseline)
    fastest = min(evaluate) / min(baseline)
    print(f"ratio evaluate / baseline: median {ratio:.2f} ×, fastest {fastest:.2f} ×")
    print("targets: ≤ 150 ms for one case, ≤ 3 × the baseline")


if __name__ == "__main__":
    main()
