"""Cold-start latency of ``maritime ask`` on a chart question, extractive mode, sample data.

Each run is a new process (nothing cached in memory), as a user typing the command would see it.
Baselines measured in the same run: the bare Python interpreter, and ``maritime --version`` (the
cost of starting the CLI at all). Target: a chart question answered in under 2 s wall time.

Usage::

    .venv/bin/python benchmarks/bench_ask.py [--runs 7] [--index DIR]

Without ``--index`` the sample corpus and chart are ingested into a temporary index first (not timed).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "Quel est le feu le plus proche de 48°21,5'N 004°33,0'O ?",
    "Which wrecks are within 3 NM of 48°20'N 4°32'W?",
    "Is 48°18.5'N 4°31'W in a restricted area?",
]


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _summary(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="cold runs per command")
    parser.add_argument("--index", type=Path, default=None, help="existing index with the sample data")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith("MARITIME_LLM") and k != "MARITIME_GGUF"}
    maritime = str(Path(sys.executable).parent / "maritime")
    with tempfile.TemporaryDirectory() as tmp:
        index = args.index
        if index is None:
            index = Path(tmp) / "index"
            subprocess.run([sys.executable, str(REPO / "corpora" / "build_corpus.py")], check=True, cwd=REPO)
            subprocess.run(
                [
                    maritime,
                    "ingest",
                    "corpora/pdf",
                    "charts/FR_BREST_SAMPLE.000",
                    "--index",
                    str(index),
                    "-q",
                ],
                check=True,
                cwd=REPO,
                env=env,
                stdout=subprocess.DEVNULL,
            )
        print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        try:
            cpu = next(
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            )
            print(f"cpu: {cpu}")
        except (OSError, StopIteration):
            pass
        print(f"load average at start: {os.getloadavg()[0]:.2f}")
        rows = []
        python = [_timed([sys.executable, "-c", "pass"], env) for _ in range(args.runs)]
        rows.append(("baseline: bare Python interpreter", *_summary(python)))
        version = [_timed([maritime, "--version"], env) for _ in range(args.runs)]
        rows.append(("baseline: maritime --version", *_summary(version)))
        all_asks: list[float] = []
        for question in QUESTIONS:
            times = [
                _timed([maritime, "ask", question, "--index", str(index)], env) for _ in range(args.runs)
            ]
            all_asks += times
            rows.append((f"maritime ask {question!r}", *_summary(times)))
        print()
        print("| command (cold process, extractive) | p50 s | p95 s |")
        print("|---|---:|---:|")
        for name, p50, p95 in rows:
            print(f"| {name} | {p50:.2f} | {p95:.2f} |")
        p50, _p95 = _summary(all_asks)
        verdict = "met" if p50 < 2.0 else "NOT met"
        print(
            f"\nchart question, cold start, median over {len(all_asks)} runs: {p50:.2f} s (target < 2 s: {verdict})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
