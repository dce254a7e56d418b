"""Load test of the web app: 8 concurrent clients ask mixed questions through the app's API for 60 s.

The app runs in its own process on a free loopback port (``build_app`` + ``launch``, extractive mode,
sample corpus and chart). Each client is a ``gradio_client.Client`` calling the ``/ask`` endpoint the
chat uses (the whole UI path: question, answer, citations, feature table and SVG map). Reported:
throughput, p50/p95/max latency and errors, against a baseline measured in the same run: the same
questions through ``Assistant.ask`` directly, in one thread, in this process (no HTTP, no map).
Target: zero errors, p95 under 3 s.

Both processes run under a socket audit hook: any connection or name lookup outside loopback (by
Gradio, gradio_client, or anything they import) is reported and fails the run.

Usage::

    .venv/bin/python benchmarks/bench_app.py [--clients 8] [--seconds 60] [--index DIR]

Without ``--index`` the sample corpus and chart are ingested into a temporary index first (not timed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from maritime.netguard import free_loopback_port, watch_outbound

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "Quel est le feu le plus proche de 48°21,5'N 004°33,0'O ?",
    "Which wrecks are within 3 NM of 48°20'N 4°32'W?",
    "Is 48°18.5'N 4°31'W in a restricted area?",
    "Quelles épaves à moins de 2 M de 48°20'N 004°30'O ?",
    "vitesse maximale en rade de Brest",
    "anchoring prohibited in the roadstead",
    "Quels feux balisent le Goulet de Brest ?",
    "What is the least depth in the Goulet de Brest fairway?",
]
ASK_PARAMS = {
    "history": [],
    "area": "none",
    "position": "",
    "radius_nm": 3,
    "bbox": "",
    "doc_language": "any",
    "doc_type": "any",
    "answer_language": "auto",
    "top_k": 5,
}

SERVER = r"""
import json, signal, sys, threading
from maritime.netguard import watch_outbound
OUTBOUND = []
watch_outbound(OUTBOUND.append)
index, port, report = sys.argv[1], int(sys.argv[2]), sys.argv[3]
from maritime import Assistant
from maritime.app import build_app
app = build_app(assistant=Assistant.open(index, embedder="none"))
app.launch(server_port=port, prevent_thread_lock=True, quiet=True)
print("ready", flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: stop.set())
stop.wait()
app.close()
with open(report, "w") as fh:
    json.dump({"outbound": OUTBOUND}, fh)
"""


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _check(output: Any, question: str) -> str | None:
    """None when the app answered ``question`` completely, else what is wrong."""
    chat, _, details, map_html, *_ = output
    text = chat[-1]["content"][0]["text"] if chat and chat[-1]["role"] == "assistant" else ""
    if not text or text.startswith("⚠"):
        return f"no answer: {text[:120]!r}"
    if f'data-question="{question.replace(chr(39), "&#x27;")}"' not in details:
        return "answer panel missing"
    if "<svg" not in map_html:
        return "map missing"
    return None


def _load(url: str, clients: int, seconds: float) -> tuple[list[float], list[str], float]:
    from gradio_client import Client

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start_line = threading.Barrier(clients + 1)
    # Set before any client can look at it; the real end is set once they are all at the start line.
    deadline = [time.perf_counter() + 3600.0]
    per_client = [0] * clients

    def client(n: int) -> None:
        api = Client(url, verbose=False)
        start_line.wait()
        i = n
        while time.perf_counter() < deadline[0]:
            question = QUESTIONS[i % len(QUESTIONS)]
            i += 1
            t0 = time.perf_counter()
            try:
                problem = _check(api.predict(question=question, api_name="/ask", **ASK_PARAMS), question)
            except Exception as exc:
                problem = f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                per_client[n] += 1
                if problem:
                    errors.append(f"{question!r}: {problem}")

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    start_line.wait()
    t_start = time.perf_counter()
    deadline[0] = t_start + seconds
    for t in threads:
        t.join(seconds + 120)
    wall = time.perf_counter() - t_start
    idle = [n for n, count in enumerate(per_client) if count == 0]
    if idle:
        errors.append(f"clients {idle} sent no request")
    print(f"requests per client: {per_client}")
    return latencies, errors, wall


def _baseline(index: Path, seconds: float) -> tuple[list[float], float]:
    from maritime import Assistant

    asst = Assistant.open(index, embedder="none")
    asst.ask(QUESTIONS[0])  # builds the pipeline, as the app's warm-up question does
    latencies: list[float] = []
    t_start = time.perf_counter()
    i = 0
    while time.perf_counter() - t_start < seconds:
        t0 = time.perf_counter()
        asst.ask(QUESTIONS[i % len(QUESTIONS)])
        latencies.append(time.perf_counter() - t0)
        i += 1
    return latencies, time.perf_counter() - t_start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of the load")
    parser.add_argument("--baseline-seconds", type=float, default=15.0, help="duration of the baseline")
    parser.add_argument("--index", type=Path, default=None, help="existing index with the sample data")
    args = parser.parse_args()

    client_outbound: list[str] = []
    watch_outbound(client_outbound.append)  # this process too: gradio_client must stay on loopback
    # Extractive mode and no login, in both processes.
    for name in [k for k in os.environ if k.startswith("MARITIME_LLM")] + [
        "MARITIME_GGUF",
        "MARITIME_APP_AUTH_FILE",
    ]:
        os.environ.pop(name, None)
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        index = args.index
        if index is None:
            index = Path(tmp) / "index"
            subprocess.run([sys.executable, str(REPO / "corpora" / "build_corpus.py")], check=True, cwd=REPO)
            maritime = str(Path(sys.executable).parent / "maritime")
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
        print(f"load average at start: {os.getloadavg()[0]:.2f}")

        base_lat, base_wall = _baseline(index, args.baseline_seconds)

        port = free_loopback_port()
        report = Path(tmp) / "server.json"
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(index), str(port), str(report)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            if server.stdout.readline().strip() != "ready":
                raise RuntimeError("the app did not start")
            url = f"http://127.0.0.1:{port}/"
            from gradio_client import Client

            warm = Client(url, verbose=False)  # first question builds the pipeline: not timed
            warm.predict(question=QUESTIONS[0], api_name="/ask", **ASK_PARAMS)
            latencies, errors, wall = _load(url, args.clients, args.seconds)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)
        server_outbound = json.loads(report.read_text())["outbound"] if report.exists() else ["no report"]

    outbound = [f"server: {x}" for x in server_outbound] + [f"client: {x}" for x in client_outbound]
    rows = [
        (
            f"app `/ask` over HTTP, {args.clients} clients (gradio_client)",
            len(latencies),
            len(latencies) / wall,
            statistics.median(latencies),
            _percentile(latencies, 0.95),
            max(latencies),
            len(errors),
        ),
        (
            "baseline: `Assistant.ask` in process, 1 thread",
            len(base_lat),
            len(base_lat) / base_wall,
            statistics.median(base_lat),
            _percentile(base_lat, 0.95),
            max(base_lat),
            0,
        ),
    ]
    print()
    print(
        "| mixed FR/EN chart and document questions, extractive | requests | req/s | p50 s | p95 s | max s | errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, n, rps, p50, p95, worst, n_err in rows:
        print(f"| {name} | {n} | {rps:.1f} | {p50:.3f} | {p95:.3f} | {worst:.3f} | {n_err} |")
    p95 = rows[0][4]
    verdict = "met" if not errors and p95 < 3.0 else "NOT met"
    print(f"\nload: {args.seconds:.0f} s; target zero errors and p95 < 3 s: {verdict}")
    print(f"outbound connections or lookups outside loopback: {outbound or 'none'}")
    for line in errors[:10]:
        print(f"error: {line}")
    return 1 if errors or outbound else 0


if __name__ == "__main__":
    sys.exit(main())
