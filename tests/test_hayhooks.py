"""Hayhooks serves the ask pipeline (hayhooks/ask/pipeline_wrapper.py), on loopback, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from maritime.netguard import free_loopback_port
from tests.conftest import REPO

pytest.importorskip("hayhooks", reason="hayhooks is not installed (pip install 'maritime[serve]')")

GUARD = r"""
import os, sys
_log = os.environ["MARITIME_TEST_NET_LOG"]
def _hook(event, args):
    if event == "socket.connect":
        address = args[1]
        host = address[0] if isinstance(address, tuple) else str(address)
        if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("/"):
            with open(_log, "a") as fh:
                fh.write(f"connect {host}\n")
    elif event == "socket.getaddrinfo" and args[0] not in (None, "localhost", "127.0.0.1", "::1"):
        with open(_log, "a") as fh:
            fh.write(f"resolve {args[0]}\n")
sys.addaudithook(_hook)
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, corpus_pdf_dir: Path) -> Path:
    from maritime import Assistant

    folder = tmp_path_factory.mktemp("hh") / "index"
    asst = Assistant.open(folder, embedder="none")
    report = asst.ingest([corpus_pdf_dir, REPO / "charts" / "FR_BREST_SAMPLE.000"])
    assert report.charts_ingested and report.ingested
    return folder


def test_hayhooks_serves_ask(index: Path, tmp_path: Path) -> None:
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(GUARD)
    net_log = tmp_path / "net.log"
    port = free_loopback_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MARITIME_")},
        "MARITIME_INDEX": str(index),
        "PYTHONPATH": str(guard_dir),
        "MARITIME_TEST_NET_LOG": str(net_log),
    }
    hayhooks = Path(sys.executable).parent / "hayhooks"
    proc = subprocess.Popen(
        [
            str(hayhooks),
            "run",
            "--pipelines-dir",
            str(REPO / "hayhooks"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=REPO,
    )
    try:
        deadline = time.monotonic() + 90
        body = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"hayhooks exited early: {out[-2000:]}")
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/ask/run",
                    data=json.dumps({"question": "Which wrecks are within 3 NM of 48°20'N 4°32'W?"}).encode(),
                    headers={"content-type": "application/json"},
                )
                with urllib.request.urlopen(request, timeout=30) as response:
                    body = json.loads(response.read())
                break
            except OSError:
                time.sleep(0.5)
        assert body is not None, "hayhooks did not answer within 90 s"
        answer = body["result"]
        assert answer["language"] == "en" and answer["mode"] == "extractive"
        assert answer["chart_features"] and {f["object_class"] for f in answer["chart_features"]} == {
            "WRECKS"
        }
        assert answer["geojson"]["type"] == "FeatureCollection"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    attempts = net_log.read_text() if net_log.exists() else ""
    assert attempts == "", f"the Hayhooks server tried to reach outside the machine: {attempts}"
