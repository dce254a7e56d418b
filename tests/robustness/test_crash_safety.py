"""Crash safety: ingests killed (SIGKILL) at random points leave an index that opens and answers, with
the old or the new content of each file, never a mix.

Publications: several files exist in two versions, A and B, at the same paths. The passages of each
version are taken from clean indexes built from A alone and from B alone. An index holding A is then
re-ingested 20 times from alternately B and A by a real ``maritime ingest`` process (one converter
process, or two) killed after a random delay (seeded); after each kill every file must hold exactly
A's passages or exactly B's, agree with ``files()``, be found by its own words in the full-text index,
and the database must pass ``PRAGMA integrity_check``.

Charts: the same with a changed S-57 cell (a light renamed), killed during ``maritime ingest`` of the
cell; and, since the moment when the files of a chart change is a few milliseconds that random kills
rarely hit, every crash point is also enumerated in process: the ingest dies just before each file
rename (the only moments the folder changes) and a fresh store must serve the old cell or the new
one, catalogue, features and gazetteer alike.
"""

from __future__ import annotations

import os
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from maritime import Assistant
from maritime.enc.store import ChartStore

from .helpers import SAMPLE_CELL, chart_state, kill_after, start_cli
from .library import Library, check_answers, check_publications

N_KILLS = 20
N_CHART_KILLS = 10
SEED = 20_260_611
CELL = "FR_BREST_SAMPLE"


@pytest.mark.slow
def test_killed_publication_ingests_leave_each_file_old_or_new(library: Library, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(library.index_a, index)
    library.put("A")
    assert set(check_publications(index, library).values()) == {"A"}

    # One full run A -> B, to know when an ingest writes on this machine: a progress line is printed
    # on stderr as each file is written.
    library.put("B")
    start = time.monotonic()
    proc = start_cli(["ingest", library.work, "--index", index, "--no-embed"], MARITIME_INGEST_WORKERS="1")
    assert proc.stderr is not None
    written = [time.monotonic() - start for line in proc.stderr if line.startswith("[")]
    proc.communicate(timeout=120)
    full = time.monotonic() - start
    assert proc.returncode == 0 and len(written) == len(library.paths), written
    assert set(check_publications(index, library).values()) == {"B"}
    per_file = (written[-1] - written[0]) / (len(written) - 1)
    window = (max(0.1, written[0] - 2 * per_file), written[-1] + per_file)

    def delay(rng: random.Random) -> float:
        """Two kills in three while files are being written, the others anywhere in the run."""
        return rng.uniform(*window) if rng.random() < 2 / 3 else rng.uniform(0.1, 1.1 * full)

    rng = random.Random(SEED)
    outcomes = []
    state = {path: "B" for path in library.paths}
    for run in range(N_KILLS):
        target = "A" if run % 2 == 0 else "B"
        library.put(target)
        workers = "2" if run % 3 == 2 else "1"
        wait = delay(rng)
        proc = start_cli(
            ["ingest", library.work, "--index", index, "--no-embed", "-q"], MARITIME_INGEST_WORKERS=workers
        )
        killed = kill_after(proc, wait)
        if not killed:
            assert proc.returncode == 0, f"run {run} failed on its own"
        before, state = state, check_publications(index, library)
        todo = sum(v != target for v in before.values())
        changed = sum(before[p] != state[p] for p in library.paths)
        assert all(state[p] == target for p in library.paths if before[p] != state[p])
        outcomes.append((run, workers, round(wait, 2), killed, f"{changed}/{todo}"))
    print("publication kills (run, workers, delay s, killed, files switched / to switch):", outcomes)
    check_answers(index)
    midway = [o for o in outcomes if o[3] and 0 < int(o[4].split("/")[0]) < int(o[4].split("/")[1])]
    assert sum(o[3] for o in outcomes) >= N_KILLS // 2, outcomes
    assert midway, f"no kill landed between two files: {outcomes}"

    # a clean run afterwards finishes the job
    library.put("B")
    proc = start_cli(["ingest", library.work, "--index", index, "--no-embed", "-q"])
    assert proc.communicate(timeout=120) and proc.returncode == 0
    assert set(check_publications(index, library).values()) == {"B"}


# --------------------------------------------------------------------------------------------------
# charts

CELL_B = SAMPLE_CELL.read_bytes().replace(b"Kermorvan", b"Kervorman")


@dataclass(frozen=True)
class ChartVersions:
    entries: dict[str, dict[str, object]]  # version -> catalogue entry
    features: dict[str, frozenset[tuple[str, str | None]]]  # version -> (feature_id, name)
    names: dict[str, frozenset[str]]  # version -> gazetteer names of the cell


@pytest.fixture(scope="module")
def chart_versions(tmp_path_factory: pytest.TempPathFactory) -> ChartVersions:
    root = tmp_path_factory.mktemp("crash-charts")
    entries, features, names = {}, {}, {}
    for version, data in (("A", SAMPLE_CELL.read_bytes()), ("B", CELL_B)):
        (root / version).mkdir()
        (root / version / SAMPLE_CELL.name).write_bytes(data)
        store = ChartStore.open(root / f"store-{version}")
        assert store.ingest([root / version / SAMPLE_CELL.name]).ingested
        entry, feats = chart_state(store.folder)
        entries[version] = _comparable(entry[CELL])
        features[version] = feats[CELL]
        names[version] = _names(store.folder)
    assert features["A"] != features["B"] and names["A"] != names["B"]
    return ChartVersions(entries, features, names)


def _comparable(entry: object) -> dict[str, object]:
    assert isinstance(entry, dict)
    out = dict(entry)
    out["metadata"] = {k: v for k, v in entry["metadata"].items() if k != "source_path"}
    return out


def _names(folder: Path) -> frozenset[str]:
    entries = ChartStore.open(folder).gazetteer.entries
    return frozenset(str(n) for n, c in zip(entries["name"], entries["cell"], strict=True) if c == CELL)


def _check_chart(folder: Path, versions: ChartVersions) -> str:
    """The store serves version A or B of the cell, catalogue, features and gazetteer alike."""
    entries, features = chart_state(folder)
    assert set(entries) == {CELL} and set(features) == {CELL}
    entry = _comparable(entries[CELL])
    version = "A" if entry == versions.entries["A"] else "B"
    assert entry == versions.entries[version], "catalogue entry of neither version"
    assert features[CELL] == versions.features[version], f"catalogue says {version}, features do not"
    assert _names(folder) == versions.names[version], f"catalogue says {version}, the gazetteer does not"
    return version


@pytest.mark.slow
def test_killed_chart_ingests_leave_the_cell_old_or_new(
    chart_versions: ChartVersions, tmp_path: Path
) -> None:
    cell = tmp_path / "cells" / SAMPLE_CELL.name
    cell.parent.mkdir()
    index = tmp_path / "index"
    cell.write_bytes(SAMPLE_CELL.read_bytes())
    Assistant.open(index, embedder="none").ingest([cell])
    assert _check_chart(index / "charts", chart_versions) == "A"

    cell.write_bytes(CELL_B)
    start = time.monotonic()
    proc = start_cli(["ingest", cell, "--index", index, "--no-embed", "-q"])
    assert proc.communicate(timeout=120) and proc.returncode == 0
    full = time.monotonic() - start
    assert _check_chart(index / "charts", chart_versions) == "B"

    rng = random.Random(SEED + 1)
    outcomes = []
    for run in range(N_CHART_KILLS):
        target = "A" if run % 2 == 0 else "B"
        cell.write_bytes(SAMPLE_CELL.read_bytes() if target == "A" else CELL_B)
        delay = rng.uniform(0.5, 1.1) * full
        killed = kill_after(start_cli(["ingest", cell, "--index", index, "--no-embed", "-q"]), delay)
        outcomes.append((run, round(delay, 2), killed, _check_chart(index / "charts", chart_versions)))
    assert sum(o[2] for o in outcomes) >= N_CHART_KILLS // 2, outcomes
    print("chart kills (run, delay s, killed, version served):", outcomes)
    asst = Assistant.open(index, embedder="none")
    answer = asst.ask("Quel est le feu le plus proche de 48°21,5'N 004°33'O ?")
    asst.close()
    assert answer.chart_features and answer.answer.strip()


class _Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs (not even ``except Exception``)."""


def _die_before_rename(monkeypatch: pytest.MonkeyPatch, at: int) -> list[str]:
    """Make the ``at``-th ``os.replace`` (1-based) raise :class:`_Killed`; returns the renamed names."""
    calls: list[str] = []
    real = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls.append(Path(dst).name)
        if len(calls) == at:
            raise _Killed(f"killed before renaming to {Path(dst).name}")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    return calls


def _crash_points(
    tmp_path: Path, prepare: Callable[[ChartStore], None], act: Callable[[ChartStore], None]
) -> int:
    """How many renames ``act`` makes on a store prepared by ``prepare``."""
    store = ChartStore.open(tmp_path / "count")
    prepare(store)
    real = os.replace
    calls = 0

    def counting(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        nonlocal calls
        calls += 1
        real(src, dst)

    os.replace = counting  # type: ignore[assignment]
    try:
        act(store)
    finally:
        os.replace = real
    return calls


def test_a_chart_ingest_dying_at_any_rename_leaves_the_cell_old_or_new(
    chart_versions: ChartVersions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = tmp_path / "cells"
    (cells / "A").mkdir(parents=True)
    (cells / "B").mkdir()
    (cells / "A" / SAMPLE_CELL.name).write_bytes(SAMPLE_CELL.read_bytes())
    (cells / "B" / SAMPLE_CELL.name).write_bytes(CELL_B)

    def prepare(store: ChartStore) -> None:
        assert store.ingest([cells / "A" / SAMPLE_CELL.name]).ingested

    def act(store: ChartStore) -> None:
        report = store.ingest([cells / "B" / SAMPLE_CELL.name])
        assert report.ingested, report

    n = _crash_points(tmp_path, prepare, act)
    assert n >= 3  # the features, the gazetteer and the catalogue at least
    seen = set()
    for at in range(1, n + 1):
        store = ChartStore.open(tmp_path / f"store-{at}")
        prepare(store)
        with monkeypatch.context() as m:
            renamed = _die_before_rename(m, at)
            with pytest.raises(_Killed):
                act(store)
        seen.add(_check_chart(store.folder, chart_versions))
        assert len(renamed) == at
        # the next writer finishes or discards what the dead one left, and nothing stays behind
        again = ChartStore.open(store.folder).ingest([cells / "B" / SAMPLE_CELL.name])
        assert again.ingested or again.unchanged == [CELL], again
        assert _check_chart(store.folder, chart_versions) == "B"
        assert not [p.name for p in store.folder.iterdir() if p.name.endswith((".staged", ".tmp"))]
    assert seen == {"A", "B"}


def test_a_chart_removal_dying_at_any_rename_leaves_the_cell_or_nothing(
    chart_versions: ChartVersions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def prepare(store: ChartStore) -> None:
        assert store.ingest([SAMPLE_CELL]).ingested

    def act(store: ChartStore) -> None:
        store.remove(CELL)

    n = _crash_points(tmp_path, prepare, act)
    seen = set()
    for at in range(1, n + 1):
        store = ChartStore.open(tmp_path / f"store-{at}")
        prepare(store)
        with monkeypatch.context() as m:
            _die_before_rename(m, at)
            with pytest.raises(_Killed):
                act(store)
        fresh = ChartStore.open(store.folder)
        if [m.cell for m in fresh.datasets()] == [CELL]:
            seen.add(_check_chart(store.folder, chart_versions))
        else:
            assert (
                fresh.datasets() == [] and len(fresh.features()) == 0 and _names(store.folder) == frozenset()
            )
            seen.add("removed")
    assert seen == {"A", "removed"}
