"""Ingest publications into the document store: convert, split, enrich, write, then embed.

Each file is written in one transaction, so an interrupted ingest leaves every file either as it was
or fully replaced. A file whose bytes have not changed is not touched. A bad file is skipped with its
reason and the batch goes on. BM25 search works as soon as a file is written; embeddings follow in
batches, only for passages that do not have one from the current model.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from haystack.dataclasses import Document

from maritime import meta as M
from maritime.access import markings, resolve_marking
from maritime.digest import sha256_file
from maritime.embedding import Embedder
from maritime.errors import ConfigError, IngestError
from maritime.geo.coordinates import find_positions
from maritime.llm.tokenization import TokenCounter
from maritime.publications.convert import SUPPORTED_SUFFIXES, ConvertedDocument, convert
from maritime.publications.language import UNDETERMINED, detect_language
from maritime.publications.splitter import DEFAULT_MAX_TOKENS, sentences, split_blocks
from maritime.store.sqlite_store import FileRecord, SQLiteDocumentStore

logger = logging.getLogger(__name__)

EMBED_BATCH = 32


@dataclass(frozen=True)
class ProgressEvent:
    """One step of a long run, for a progress bar or a log line."""

    stage: str  # "file", "embed"
    current: int
    total: int
    path: str = ""
    pages: int = 0
    passages: int = 0
    status: str = ""  # "ingested", "unchanged", "skipped", "" (in progress)
    message: str = ""


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass
class IngestReport:
    """What an ingest did. Every input file appears in exactly one of the three lists."""

    #: (source, pages, passages) of each file written.
    ingested: list[tuple[str, int | None, int]] = field(default_factory=list)
    #: source of each file that was already indexed with the same content.
    unchanged: list[str] = field(default_factory=list)
    #: (path, reason) of each file that could not be ingested.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: (source, page, reason) of pages that gave no text in files that were ingested.
    skipped_pages: list[tuple[str, int, str]] = field(default_factory=list)
    #: Passages embedded during this run.
    embedded: int = 0
    #: Chart datasets: (cell, features) ingested, and cells unchanged (filled by the chart ingest).
    charts_ingested: list[tuple[str, int]] = field(default_factory=list)
    charts_unchanged: list[str] = field(default_factory=list)

    @property
    def passages(self) -> int:
        return sum(n for _, _, n in self.ingested)

    def merge(self, other: IngestReport) -> None:
        self.ingested += other.ingested
        self.unchanged += other.unchanged
        self.skipped += other.skipped
        self.skipped_pages += other.skipped_pages
        self.embedded += other.embedded
        self.charts_ingested += other.charts_ingested
        self.charts_unchanged += other.charts_unchanged

    def summary(self) -> str:
        """One-paragraph human summary."""
        parts = [
            f"{len(self.ingested)} file(s) ingested ({self.passages} passages)",
            f"{len(self.unchanged)} unchanged",
            f"{len(self.skipped)} skipped",
        ]
        if self.charts_ingested or self.charts_unchanged:
            parts.append(
                f"{len(self.charts_ingested)} chart dataset(s) ingested, {len(self.charts_unchanged)} unchanged"
            )
        if self.embedded:
            parts.append(f"{self.embedded} passages embedded")
        lines = [", ".join(parts) + "."]
        lines += [f"  skipped {path}: {reason}" for path, reason in self.skipped]
        lines += [f"  {source} page {page} skipped: {reason}" for source, page, reason in self.skipped_pages]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "ingested": [{"source": s, "pages": p, "passages": n} for s, p, n in self.ingested],
            "unchanged": list(self.unchanged),
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "skipped_pages": [{"source": s, "page": p, "reason": r} for s, p, r in self.skipped_pages],
            "embedded": self.embedded,
            "charts_ingested": [{"cell": c, "features": n} for c, n in self.charts_ingested],
            "charts_unchanged": list(self.charts_unchanged),
        }


def discover(
    paths: Iterable[Path],
    *,
    accept: Callable[[Path], bool] | None = None,
    refused: list[tuple[Path, str]] | None = None,
) -> list[tuple[Path, str]]:
    """Files to ingest under ``paths`` with their source names.

    A file given directly is named by its file name; a file found in a given folder by its path
    relative to that folder. Hidden files and folders are ignored. ``accept`` widens what is kept
    (by default the supported publication types).

    Symbolic links found inside a given folder are not followed out of it: a link to a file or a
    folder outside the folder is left out and appended to ``refused`` as ``(link, reason)`` (ingest
    the target itself if it is meant). A link to a file that the folder holds anyway is left out too,
    so that one file is not indexed under two names. A path given directly is used as given.
    """
    keep = accept or (lambda p: p.suffix.lower() in SUPPORTED_SUFFIXES)
    found: list[tuple[Path, str]] = []
    for root in paths:
        if not root.is_dir():
            found.append((root, root.name))
            continue
        base = root.resolve()
        plain: list[tuple[Path, str]] = []
        links: list[tuple[Path, str, Path]] = []
        for dirpath, dirnames, filenames in os.walk(root):
            kept_dirs = []
            for name in sorted(d for d in dirnames if not d.startswith(".")):
                folder = Path(dirpath) / name
                if folder.is_symlink():  # os.walk does not descend into it: say so when it leads out
                    target = folder.resolve()
                    if not target.is_relative_to(base):
                        _refuse(refused, folder, f"symbolic link to the folder {target}, {_outside(root)}")
                    continue
                kept_dirs.append(name)
            dirnames[:] = kept_dirs
            for name in sorted(filenames):
                file = Path(dirpath) / name
                if name.startswith(".") or not keep(file):
                    continue
                source = file.relative_to(root).as_posix()
                if not file.is_symlink():
                    plain.append((file, source))
                    continue
                target = file.resolve()
                if not target.is_relative_to(base):
                    _refuse(refused, file, f"symbolic link to {target}, {_outside(root)}")
                else:
                    links.append((file, source, target))
        found += plain
        real = {file.resolve(): source for file, source in plain}
        for file, source, target in links:
            if target in real:
                _refuse(
                    refused, file, f"symbolic link to {real[target]}, which is ingested under its own name"
                )
            else:
                found.append((file, source))
    return found


def _outside(root: Path) -> str:
    return f"outside the ingested folder {root}: not followed (ingest the target itself if you mean it)"


def _refuse(refused: list[tuple[Path, str]] | None, path: Path, reason: str) -> None:
    logger.warning("skipped %s: %s", path, reason)
    if refused is not None:
        refused.append((path, reason))


def _doc_type(source: str, title: str) -> str:
    text = f"{source} {title}".lower()
    for needle, kind in (
        ("avis", "notice"),
        ("notice", "notice"),
        ("arrete", "regulation"),
        ("arrêté", "regulation"),
        ("regulation", "regulation"),
        ("instructions nautiques", "sailing_directions"),
        ("instructions_nautiques", "sailing_directions"),
        ("sailing", "sailing_directions"),
        ("pilot", "sailing_directions"),
        ("light", "light_list"),
        ("feux", "light_list"),
        ("manual", "manual"),
        ("manuel", "manual"),
    ):
        if needle in text:
            return kind
    return "other"


def documents_for(
    converted: ConvertedDocument, source: str, sha256: str, *, counter: TokenCounter, max_tokens: int
) -> list[Document]:
    """The passages of a converted file as Haystack Documents, with every meta key set."""
    # Count every block, and the sentences of the over-long ones, in two batched calls: the
    # splitter then finds almost every count it needs already made.
    texts = list({b.text: None for b in converted.blocks})
    known = dict(zip(texts, counter.count_many(texts), strict=True))
    long_parts = list({s: None for t in texts if known[t] > max_tokens for s in sentences(t)})
    known.update(zip(long_parts, counter.count_many(long_parts), strict=True))

    def count(text: str) -> int:
        n = known.get(text)
        return n if n is not None else counter.count(text)

    passages = split_blocks(converted.blocks, count, max_tokens=max_tokens)
    doc_language = detect_language(" ".join(b.text for b in converted.blocks[:200]))
    doc_type = _doc_type(source, converted.title)
    documents = []
    for index, passage in enumerate(passages):
        language = detect_language(passage.text, default=doc_language)
        positions = [
            [round(m.position.lat, 7), round(m.position.lon, 7)] for m in find_positions(passage.text)
        ]
        meta = {
            M.SOURCE: source,
            M.SOURCE_PATH: str(converted.path.resolve()),
            M.TITLE: converted.title,
            M.PAGE: passage.page,
            M.SECTION: passage.section,
            M.HEADING: passage.heading,
            M.BBOX: list(passage.bbox) if passage.bbox else None,
            M.LANGUAGE: language if language != UNDETERMINED else doc_language,
            M.POSITIONS: positions,
            M.DOC_TYPE: doc_type,
            M.FILE_SHA256: sha256,
            M.PASSAGE_INDEX: index,
            M.N_TOKENS: passage.n_tokens,
            M.EXTRACTION: passage.extraction,
        }
        doc_id = hashlib.sha256(f"{meta[M.SOURCE_PATH]}\x00{sha256}\x00{index}".encode()).hexdigest()
        documents.append(Document(id=doc_id, content=passage.text, meta=meta))
    return documents


@dataclass
class _Prepared:
    """A converted file ready to write, or why it cannot be."""

    documents: list[Document] = field(default_factory=list)
    n_pages: int | None = None
    skipped_pages: list[tuple[int, str]] = field(default_factory=list)
    reason: str | None = None


_COUNTER: TokenCounter | None = None


def _prepare(job: tuple[int, Path, str, str, int], ocr: bool | None, max_tokens: int) -> _Prepared:
    """Convert and split one file (runs in a worker process, or in this one)."""
    global _COUNTER
    if _COUNTER is None:
        _COUNTER = TokenCounter()
    _i, path, source, sha, _size = job
    try:
        converted = convert(path, ocr=ocr)
        if sha256_file(path) != sha:
            raise IngestError(str(path), "file changed while it was being read; ingest it again")
    except IngestError as exc:
        return _Prepared(reason=exc.reason)
    except FileNotFoundError:
        return _Prepared(reason="file disappeared while it was being read")
    documents = documents_for(converted, source, sha, counter=_COUNTER, max_tokens=max_tokens)
    return _Prepared(documents, converted.n_pages, list(converted.skipped_pages))


def _workers(requested: int | None, todo: list[Any]) -> int:
    if requested is None:
        env = os.environ.get("MARITIME_INGEST_WORKERS")
        if env:
            try:
                requested = int(env)
            except ValueError as exc:
                raise ConfigError(f"MARITIME_INGEST_WORKERS must be a whole number, got {env!r}") from exc
        else:
            requested = min(os.cpu_count() or 1, 4)
    return max(1, min(requested, len(todo)))


def _prepare_all(
    todo: list[tuple[int, Path, str, str, int]], *, ocr: bool | None, max_tokens: int, workers: int
) -> Iterator[_Prepared]:
    """Prepared files in the order of ``todo``, converted ``workers`` at a time."""
    if workers <= 1 or len(todo) <= 1:
        for job in todo:
            yield _prepare(job, ocr, max_tokens)
        return
    # fork shares what this process already imported (PyMuPDF, the tokenizer) at no cost; it is only
    # safe while no other thread runs, so a threaded host (a web server) gets fresh processes instead.
    method = "fork" if threading.active_count() == 1 else "forkserver"
    if method == "fork":
        import pymupdf  # noqa: F401  (imported once here, inherited by the workers)
    context = multiprocessing.get_context(method)
    pending = list(todo)
    while pending:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_prepare, job, ocr, max_tokens) for job in pending]
            for n, future in enumerate(futures):
                try:
                    result = future.result()
                except BrokenProcessPool:
                    # A converter process died (MuPDF crashed on a malformed file). Report the file it
                    # was on and go on with the others in a fresh pool: this process is unharmed.
                    yield _Prepared(reason="the PDF converter crashed on this file (malformed PDF?)")
                    pending = pending[n + 1 :]
                    break
                yield result
            else:
                pending = []


class PublicationIngester:
    """Writes publications into a :class:`SQLiteDocumentStore`, each file and its passages marked with
    ``marking`` (:mod:`maritime.access`; default the lowest level). A file ingested again with another
    marking is replaced, so that its passages move to the new one."""

    def __init__(
        self,
        store: SQLiteDocumentStore,
        *,
        counter: TokenCounter | None = None,
        embedder: Embedder | None = None,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        ocr: bool | None = None,
        marking: str | None = None,
    ) -> None:
        self.store = store
        self.marking = resolve_marking(marking)
        self.counter = counter or TokenCounter()
        self.embedder = embedder
        self.max_tokens = max_tokens
        self.ocr = ocr

    def documents_for(self, converted: ConvertedDocument, source: str, sha256: str) -> list[Document]:
        """The passages of a converted file as Haystack Documents, with every meta key set."""
        return documents_for(converted, source, sha256, counter=self.counter, max_tokens=self.max_tokens)

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        progress: ProgressCallback | None = None,
        embed: bool = True,
        workers: int | None = None,
    ) -> IngestReport:
        """Ingest every publication under ``paths``; see the module docstring for the guarantees.

        Parameters
        ----------
        workers:
            Processes converting files in parallel (the writes stay in this process, one transaction
            per file, in order). Default: ``$MARITIME_INGEST_WORKERS``, else the number of cores (at
            most 4) when there are several files to convert; 1 converts in this process.
        """
        report = IngestReport()
        refused: list[tuple[Path, str]] = []
        files = discover(paths, refused=refused)
        report.skipped += [(str(path), reason) for path, reason in refused]
        jobs: list[tuple[int, Path, str, str, int] | None] = []
        outcomes: dict[int, tuple[str, int, int]] = {}
        for i, (path, source) in enumerate(files):
            job = self._check(i, path, source, report)
            if job is None:
                outcomes[i] = self._last_status(report, source, path)
            jobs.append(job)
        todo = [j for j in jobs if j is not None]
        prepared = _prepare_all(
            todo, ocr=self.ocr, max_tokens=self.max_tokens, workers=_workers(workers, todo)
        )
        for i, (path, source) in enumerate(files, start=0):
            job = jobs[i]
            if job is not None:
                self._write(job, next(prepared), report)
                outcomes[i] = self._last_status(report, source, path)
            if progress:
                status, pages, passages = outcomes[i]
                progress(ProgressEvent("file", i + 1, len(files), source, pages, passages, status))
        if embed and self.embedder is not None:
            report.embedded = self.embed_pending(progress=progress)
        return report

    @staticmethod
    def _last_status(report: IngestReport, source: str, path: Path) -> tuple[str, int, int]:
        if report.ingested and report.ingested[-1][0] == source:
            return "ingested", report.ingested[-1][1] or 0, report.ingested[-1][2]
        if report.unchanged and report.unchanged[-1] == source:
            return "unchanged", 0, 0
        return "skipped", 0, 0

    def _check(
        self, i: int, path: Path, source: str, report: IngestReport
    ) -> tuple[int, Path, str, str, int] | None:
        """A conversion job for the file, or None when it is unchanged or unreadable (reported)."""
        try:
            sha = sha256_file(path)
            size = path.stat().st_size
        except FileNotFoundError:
            report.skipped.append((str(path), "file disappeared before it could be read"))
            return None
        except OSError as exc:
            report.skipped.append((str(path), f"cannot read file: {exc.strerror}"))
            return None
        previous = self.store.file_record(str(path.resolve()))
        if (
            previous is not None
            and previous.sha256 == sha
            and previous.source == source
            and (previous.marking or markings().lowest) == self.marking
        ):
            report.unchanged.append(source)
            return None
        return (i, path, source, sha, size)

    def _write(self, job: tuple[int, Path, str, str, int], prepared: _Prepared, report: IngestReport) -> None:
        _i, path, source, sha, size = job
        if prepared.reason is not None:
            logger.warning("skipped %s: %s", path, prepared.reason)
            report.skipped.append((str(path), prepared.reason))
            return
        record = FileRecord(
            path=str(path.resolve()),
            source=source,
            sha256=sha,
            size=size,
            n_pages=prepared.n_pages,
            n_passages=len(prepared.documents),
            skipped_pages=tuple(prepared.skipped_pages),
            ingested_at="",
            marking=self.marking,
        )
        self.store.replace_file(record, prepared.documents)
        report.ingested.append((source, prepared.n_pages, len(prepared.documents)))
        report.skipped_pages += [(source, page, reason) for page, reason in prepared.skipped_pages]

    def embed_pending(
        self, *, progress: ProgressCallback | None = None, batch_size: int = EMBED_BATCH
    ) -> int:
        """Embed, in batches, every passage that has no embedding from the current model."""
        if self.embedder is None:
            return 0
        model = self.embedder.name
        total = self.store.count_missing_embeddings(model)
        done = 0
        while True:
            pending = self.store.missing_embeddings(model, batch_size)
            if not pending:
                break
            vectors = self.embedder.embed_passages([text for _, text in pending])
            self.store.set_embeddings(model, [(rowid, vectors[i]) for i, (rowid, _) in enumerate(pending)])
            done += len(pending)
            if progress:
                progress(ProgressEvent("embed", done, total, message=model))
        return done
