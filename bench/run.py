"""Run the named benchmarks, print their figures and append them to a results file.

Every module ``bench/bench_<name>.py`` exposes ``run() -> list[dict]``: one dict per
figure set, with at least ``benchmark`` (a name) and the figures themselves (wall
seconds, peak MB, rates, and ratios against peers measured in the same run).

Usage: ``python -m bench.run [NAME ...]`` (all benchmarks when no name is given).
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_FILE = BENCH_DIR / "results" / "results.jsonl"


def available_benchmarks() -> list[str]:
    """Names of the benchmark modules, in a stable order."""
    return sorted(path.stem.removeprefix("bench_") for path in BENCH_DIR.glob("bench_*.py"))


def _format(figures: dict[str, object]) -> str:
    parts = []
    for key, value in figures.items():
        if key == "benchmark":
            continue
        parts.append(f"{key}={value:.3f}" if isinstance(value, float) else f"{key}={value}")
    return "  ".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks named in ``argv`` (or all) and record their results."""
    names = (argv if argv is not None else sys.argv[1:]) or available_benchmarks()
    unknown = sorted(set(names) - set(available_benchmarks()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; have {available_benchmarks()}")
        return 2
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    failed = 0
    for name in names:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"bench.bench_{name}")
        try:
            results = module.run()
        except Exception as error:  # a failing benchmark is reported, the others still run
            print(f"   FAILED: {error}", flush=True)
            failed += 1
            continue
        with RESULTS_FILE.open("a") as handle:
            for figures in results:
                print(f"   {figures['benchmark']}: {_format(figures)}", flush=True)
                record = {"at": stamp, "machine": platform.node(), **figures}
                handle.write(json.dumps(record) + "\n")
    print(f"results appended to {RESULTS_FILE}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
