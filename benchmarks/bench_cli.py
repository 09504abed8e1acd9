"""Benchmark: wall time of the CLI's start-up path, as a user feels it.

Runs `archgen --help` and `archgen recommend --answers
examples/credit-decisions/.archgen.yaml --json` as subprocesses several times
and reports the median of each (`cli_help_s`, `cli_recommend_s`). The command
is `python -m archgen` of the interpreter running the benchmark, so the figure
covers interpreter start-up plus archgen's imports.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "credit-decisions" / ".archgen.yaml"
RUNS = 7


def median_seconds(argv: Sequence[str], runs: int = RUNS) -> float:
    """Median wall time of `argv` over `runs` runs; a failing run raises RuntimeError."""
    times: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(list(argv), capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()[-300:]}"
            )
    return statistics.median(times)


def run() -> list[tuple[str, float, str]]:
    """`(name, value, unit)` lines for benchmarks/run.py."""
    cli = [sys.executable, "-m", "archgen"]
    help_s = median_seconds([*cli, "--help"])
    recommend_s = median_seconds([*cli, "recommend", "--answers", str(EXAMPLE), "--json"])
    return [
        ("cli_help_s", round(help_s, 3), "s"),
        ("cli_recommend_s", round(recommend_s, 3), "s"),
    ]


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name}: {value} {unit}")
