"""A small library of publications in two versions, A and B, at the same paths, with the passages of
each version taken from clean indexes built from A alone and from B alone (shared by the crash and the
concurrency tests)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from maritime import Assistant
from maritime.store.sqlite_store import SQLiteDocumentStore

from .helpers import integrity_ok, passages_by_file, write_text_pdf

#: A word only version A has, and one only version B has.
MARK = {"A": "alphamarker", "B": "bravomarker"}


# --------------------------------------------------------------------------------------------------
# two versions of a small library


def _paragraph(version: str, doc: int, page: int, k: int) -> str:
    extra = (
        " The light was changed to a white sector in the last notice." if version == "B" and k == 1 else ""
    )
    return (
        f"{doc}.{page}.{k} {MARK[version]} Passage {k} of page {page} in document {doc}: the buoyage of "
        f"channel {doc * 100 + page} is maintained by the lighthouse service, vessels keep to starboard "
        f"and the least depth is {page + k}.{doc} m.{extra}"
    )


def _write_version(folder: Path, version: str) -> None:
    """Four PDFs and two Markdown files; B changes every passage and the number of pages and sections."""
    n_pages = 10 if version == "A" else 12
    for doc in range(1, 5):
        pages = [[_paragraph(version, doc, page, k) for k in range(1, 4)] for page in range(1, n_pages + 1)]
        write_text_pdf(folder / f"doc{doc}.pdf", pages, title=f"Sailing directions {doc}")
    for doc in (5, 6):
        sections = 30 if version == "A" else 26
        body = "\n\n".join(_paragraph(version, doc, 0, k) for k in range(1, sections + 1))
        (folder / f"notes{doc}.md").write_text(f"# Notes {doc}\n\n{body}\n", encoding="utf-8")


@dataclass(frozen=True)
class Library:
    work: Path  # the ingested folder, holding A or B
    versions: dict[str, dict[str, bytes]]  # version -> file name -> bytes
    passages: dict[str, dict[str, frozenset[tuple[str, int | None, str | None]]]]  # version -> path -> set
    sha: dict[str, dict[str, str]]  # version -> path -> sha256
    index_a: Path  # a clean index of A

    def put(self, version: str) -> None:
        for name, data in self.versions[version].items():
            (self.work / name).write_bytes(data)

    @property
    def paths(self) -> list[str]:
        return sorted(self.sha["A"])


def build_library(root: Path) -> Library:
    """Write both versions under ``root``, and index each alone."""
    versions: dict[str, dict[str, bytes]] = {}
    for version in ("A", "B"):
        folder = root / f"version-{version}"
        folder.mkdir()
        _write_version(folder, version)
        versions[version] = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
    work = root / "work"
    work.mkdir()
    passages, sha = {}, {}
    for version in ("A", "B"):
        for name, data in versions[version].items():
            (work / name).write_bytes(data)
        index = root / f"index-{version}"
        asst = Assistant.open(index, embedder="none")
        report = asst.ingest([work], embed=False, workers=1)
        asst.close()
        assert len(report.ingested) == 6 and not report.skipped, report
        passages[version] = passages_by_file(index)
        sha[version] = {
            str((work / n).resolve()): hashlib.sha256(d).hexdigest() for n, d in versions[version].items()
        }
    assert set(passages["A"]) == set(passages["B"]) == set(sha["A"])
    for path in sha["A"]:
        assert not passages["A"][path] & passages["B"][path], "A and B must share no passage"
    return Library(work, versions, passages, sha, root / "index-A")


def check_publications(index: Path, library: Library) -> dict[str, str]:
    """Each file holds A's passages or B's, consistently everywhere; returns path -> version."""
    assert integrity_ok(index)
    by_file = passages_by_file(index)
    store = SQLiteDocumentStore(index / "documents.sqlite")
    try:
        records = {r.path: r for r in store.files()}
        count = store.count_documents()
        found = {
            version: {d.meta["source_path"] for d in store.bm25_retrieval(MARK[version], top_k=10_000)}
            for version in ("A", "B")
        }
    finally:
        store.close()
    assert sorted(records) == library.paths and sorted(by_file) == library.paths
    state = {}
    for path in library.paths:
        got = by_file[path]
        a, b = library.passages["A"][path], library.passages["B"][path]
        assert got in (a, b), f"{Path(path).name}: {len(got & a)} passages of A and {len(got & b)} of B"
        version = "A" if got == a else "B"
        state[path] = version
        assert records[path].sha256 == library.sha[version][path]
        assert records[path].n_passages == len(got)
    assert count == sum(r.n_passages for r in records.values())
    for version in ("A", "B"):  # the full-text index agrees with the passages
        assert found[version] == {p for p, v in state.items() if v == version}
    return state


def check_answers(index: Path) -> None:
    asst = Assistant.open(index, embedder="none")
    try:
        assert asst.search("buoyage of channel 302", top_k=3, mode="bm25")
        assert asst.ask("How is the buoyage of channel 302 maintained?").answer.strip()
    finally:
        asst.close()
