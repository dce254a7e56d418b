"""Helpers of the robustness tests: files made here (PDFs, variants of the sample S-57 cell), snapshots
of what an index serves, per-file passage sets, and the command line as a real process that can be killed.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pymupdf
from click.testing import CliRunner, Result

from maritime import Assistant
from maritime.cli import main
from maritime.enc.store import ChartStore

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CELL = REPO / "charts" / "FR_BREST_SAMPLE.000"
SHARED_ENC = (REPO / ".." / "shared" / "data" / "enc").resolve()
#: The console script of the interpreter running the tests.
MARITIME = Path(sys.executable).with_name("maritime")
#: No local model (answers are extractive), no index or embedder from the caller's environment.
CLEAN_ENV: dict[str, str | None] = {
    "MARITIME_LLM_URL": None,
    "MARITIME_LLM_MODEL": None,
    "MARITIME_GGUF": None,
    "MARITIME_INDEX": None,
    "MARITIME_EMBEDDER": None,
    "MARITIME_INGEST_WORKERS": None,
}
REFERENCE_QUERY = "feu du Portzic dans le Goulet"


# --------------------------------------------------------------------------------------------------
# command line


def run_cli(*args: str | Path) -> Result:
    """``maritime ARGS`` in this process through click's CliRunner (stderr kept apart)."""
    return CliRunner().invoke(main, [str(a) for a in args], env=CLEAN_ENV, prog_name="maritime")


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    env.update({"HAYSTACK_TELEMETRY_ENABLED": "False", "PYTHONWARNINGS": "ignore", **extra})
    return env


def start_cli(args: Sequence[str | Path], **env: str) -> subprocess.Popen[str]:
    """``maritime ARGS`` as a process of its own group (so that a kill reaches its converter workers)."""
    return subprocess.Popen(
        [str(MARITIME), *(str(a) for a in args)],
        env=subprocess_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def kill_after(proc: subprocess.Popen[str], delay_s: float) -> bool:
    """SIGKILL the process group of ``proc`` after ``delay_s`` seconds; True when it was still running."""
    deadline = time.monotonic() + delay_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.01)
    alive = proc.poll() is None
    if alive:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    if not alive:
        return False
    # Converter workers of the killed ingest belong to the same group; make sure none is left.
    for _ in range(200):
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.01)
    return True


# --------------------------------------------------------------------------------------------------
# what an index serves


@dataclass(frozen=True)
class Snapshot:
    """Everything a bad input must leave as it was."""

    documents: int
    files: tuple[tuple[str, str, str, int], ...]
    datasets: tuple[tuple[str, str | None, int | None, int], ...]
    search: tuple[tuple[str, str], ...]
    chart_features: int


def snapshot(index: Path) -> Snapshot:
    """What a freshly opened index holds and answers (BM25, so no model is loaded)."""
    asst = Assistant.open(index, embedder="none")
    try:
        files = tuple((f.path, f.source, f.sha256, f.n_passages) for f in asst.files())
        datasets = tuple(
            (m.cell, m.file_sha256, m.update_number, sum(m.feature_counts.values()))
            for m in asst.charts.datasets()
        )
        hits = tuple((d.id, d.meta["source"]) for d in asst.search(REFERENCE_QUERY, top_k=5, mode="bm25"))
        return Snapshot(asst.store.count_documents(), files, datasets, hits, len(asst.charts))
    finally:
        asst.close()


Passage = tuple[str, int | None, str | None]


def passages_by_file(index: Path) -> dict[str, frozenset[Passage]]:
    """(content, page, section) of every passage, by the file it came from, read in ONE statement
    (a consistent snapshot of the WAL database)."""
    conn = sqlite3.connect(f"file:{index / 'documents.sqlite'}?mode=ro", uri=True, timeout=30)
    try:
        rows = conn.execute("SELECT source_path, content, meta FROM documents").fetchall()
    finally:
        conn.close()
    out: dict[str, set[Passage]] = {}
    for path, content, meta in rows:
        m = json.loads(meta)
        out.setdefault(path, set()).add((content, m.get("page"), m.get("section")))
    return {k: frozenset(v) for k, v in out.items()}


def integrity_ok(index: Path) -> bool:
    conn = sqlite3.connect(index / "documents.sqlite", timeout=30)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def chart_state(folder: Path) -> tuple[dict[str, object], dict[str, frozenset[tuple[str, str | None]]]]:
    """The catalogue entries and, per cell, (feature_id, name) of the features a fresh store serves."""
    store = ChartStore.open(folder)
    frame = store.features()  # first: loading may find a newer catalogue, which the entries then follow
    entries = {cell: store.dataset_info(cell) for cell in (m.cell for m in store.datasets())}
    features: dict[str, set[tuple[str, str | None]]] = {}
    for cell, fid, name in zip(frame["cell"], frame["feature_id"], frame["name"], strict=True):
        features.setdefault(str(cell), set()).add((str(fid), name if isinstance(name, str) else None))
    return entries, {k: frozenset(v) for k, v in features.items()}


# --------------------------------------------------------------------------------------------------
# files


def write_text_pdf(path: Path, pages: Sequence[Sequence[str]], *, title: str = "") -> Path:
    """A PDF whose pages hold the given paragraphs (10 pt), each page headed by a bold line."""
    doc = pymupdf.open()
    for number, paragraphs in enumerate(pages, start=1):
        page = doc.new_page(width=595, height=842)
        page.insert_text((60, 70), f"{title or path.stem} - part {number}", fontsize=15, fontname="hebo")
        y = 100.0
        for text in paragraphs:
            rect = pymupdf.Rect(60, y, 535, y + 150)
            spare = page.insert_textbox(rect, text, fontsize=10, fontname="helv")
            assert spare >= 0, "test paragraph does not fit"
            y += 150 - spare + 12
    if title:
        doc.set_metadata({"title": title})
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    doc.close()
    return path


def write_huge_pdf(path: Path, n_pages: int) -> Path:
    """``n_pages`` pages, each with a heading and four numbered paragraphs carrying a page marker."""
    doc = pymupdf.open()
    for i in range(1, n_pages + 1):
        page = doc.new_page(width=595, height=842)
        page.insert_text((60, 80), f"Chapter {i}", fontsize=16, fontname="hebo")
        for j in range(4):
            rect = pymupdf.Rect(60, 110 + 140 * j, 540, 230 + 140 * j)
            page.insert_textbox(
                rect,
                f"{i}.{j + 1} Marker pg{i:03d}p{j}. The buoyage of sector {i} is kept by the lighthouse "
                f"service; vessels keep to starboard when entering channel number {i * 7 + j}.",
                fontsize=10,
            )
    doc.save(path)
    doc.close()
    return path


def write_encrypted_pdf(path: Path) -> Path:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Restricted sailing directions for the Goulet de Brest.")
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="user", owner_pw="owner")
    doc.close()
    return path


def png_bytes() -> bytes:
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 64, 64), 0)
    pix.clear_with(180)
    return pix.tobytes("png")


def write_image_only_pdf(path: Path) -> Path:
    """One page holding only a picture (a scan without a text layer)."""
    doc = pymupdf.open()
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 64, 64), 0)
    pix.clear_with(180)
    doc.new_page().insert_image(pymupdf.Rect(50, 50, 400, 400), pixmap=pix)
    doc.save(path)
    doc.close()
    return path


def record_offsets(data: bytes) -> list[int]:
    """Start of each ISO 8211 record of an S-57 file (the record length is in its first 5 bytes)."""
    offsets, position = [], 0
    while position < len(data):
        offsets.append(position)
        position += int(data[position : position + 5])
    return offsets


def patched_cell(data: bytes, old: bytes, new: bytes) -> bytes:
    """The cell with one byte string replaced by another of the same length (a valid ISO 8211 file)."""
    assert len(old) == len(new) and data.count(old) >= 1, (old, data.count(old))
    return data.replace(old, new)
