"""Benchmark maritime's publication ingest and BM25 search against named baselines, on this machine.

    .venv/bin/python benchmarks/bench_publications.py [--quick] [--out results.json] [--seed N]
        [--sizes 10000,50000] [--skip-ingest | --skip-search]

(a) Ingest throughput, pages per second: ``PublicationIngester(embedder=None).ingest(..., embed=False)``
    into a fresh ``SQLiteDocumentStore`` (conversion, splitting, language, geotags, Mistral token counts,
    SQLite/FTS5/R*Tree writes) against raw PyMuPDF text extraction (``page.get_text()`` of every page)
    of the same PDFs. Corpus: the sample PDFs of ``corpora/pdf`` plus, when ``../shared/data`` exists,
    the IHO standards PDFs (read only, used only as a timing input, copied to a temporary folder and
    never into the repository), repeated under different names until it has enough pages.
(b) Search latency p50/p95 at 10k, 50k and 100k passages: ``SQLiteDocumentStore.bm25_retrieval``
    without and with a ``GeoFilter`` against Haystack's ``InMemoryBM25Retriever`` on the same Documents.
    The passages are synthetic, deterministic recombinations of the sentences and words of the real
    sample-corpus passages (French and English), each with 1-3 geotags around the Brest approaches and
    worldwide; the queries are the ``question`` fields of ``corpora/questions.yaml``.

Each latency series (one system at one size) has a time budget (60 s, 20 s with ``--quick``): after at
least 3 timed calls it stops when the budget is spent, and the tables say "capped". Prints the machine,
every figure and Markdown tables ready to paste; exits non-zero only on errors, never because a target
is missed.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import importlib.metadata
import json
import math
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pymupdf
import yaml
from haystack import Document
from haystack.components.retrievers.in_memory import InMemoryBM25Retriever
from haystack.document_stores.in_memory import InMemoryDocumentStore

from maritime import meta as M
from maritime.digest import sha256_file
from maritime.geo.coordinates import Position
from maritime.geo.geodesy import distances_nm
from maritime.llm.tokenization import TokenCounter
from maritime.publications.convert import convert
from maritime.publications.ingest import PublicationIngester, discover
from maritime.store.sqlite_store import FileRecord, GeoFilter, SQLiteDocumentStore

REPO = Path(__file__).resolve().parent.parent
SAMPLE_PDF_DIR = REPO / "corpora" / "pdf"
QUESTIONS = REPO / "corpora" / "questions.yaml"
SHARED_PDF_DIR = REPO.parent / "shared" / "data" / "publications" / "licence_restricted" / "iho_standards_pdf"

DEFAULT_SEED = 20261125
TOP_K = 10

#: Geo filter of the search benchmark: 10 NM around the Goulet de Brest.
GEO_CENTER = Position(48.3450, -4.5900)
GEO_RADIUS_NM = 10.0
#: Box of the wider Brest approaches (Iroise, Chenal du Four, Raz de Sein): min_lat, max_lat, min_lon, max_lon.
APPROACHES_BOX = (47.60, 48.90, -5.80, -4.00)
#: Share of geotags drawn inside the geo filter, in the wider approaches, and (rest) worldwide.
P_NEAR = 0.007
P_APPROACHES = 0.25

TARGET_INGEST_RATIO = 1 / 3
TARGET_GEO_P50_MS = 20.0
TARGET_SPEEDUP = 20.0
TARGET_SIZE = 100_000


@dataclass(frozen=True)
class Profile:
    """Sizes of one run."""

    name: str
    ingest_min_pages: int
    ingest_rounds: int
    sizes: tuple[int, ...]
    maritime_repeats: int
    #: Queries timed with InMemoryBM25Retriever: {from passage count: number}; the largest key <= size applies.
    inmemory_queries: dict[int, int] = field(default_factory=dict)
    inmemory_repeats: int = 1
    #: Time budget of one latency series (one system at one size), in seconds; see time_queries.
    series_budget_s: float = 60.0


FULL = Profile(
    name="full",
    ingest_min_pages=600,
    ingest_rounds=3,
    sizes=(10_000, 50_000, 100_000),
    maritime_repeats=3,
    inmemory_queries={0: 57, 20_000: 20, 75_000: 10},
)
QUICK = Profile(
    name="quick",
    ingest_min_pages=150,
    ingest_rounds=1,
    sizes=(2_000, 10_000),
    maritime_repeats=1,
    inmemory_queries={0: 20, 5_000: 10},
    series_budget_s=20.0,
)


# -- helpers ------------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(message, flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else float("nan")


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "pymupdf": version("pymupdf"),
        "mupdf": getattr(pymupdf, "mupdf_version", "?"),
        "haystack": version("haystack-ai"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# -- (a) ingest throughput ------------------------------------------------------------------------------


def ensure_sample_corpus() -> list[Path]:
    pdfs = sorted(SAMPLE_PDF_DIR.glob("*.pdf"))
    if not pdfs:
        log("corpora/pdf is empty: building the sample corpus (corpora/build_corpus.py)")
        subprocess.run([sys.executable, str(REPO / "corpora" / "build_corpus.py")], check=True)
        pdfs = sorted(SAMPLE_PDF_DIR.glob("*.pdf"))
    if not pdfs:
        raise RuntimeError(f"no sample PDFs in {SAMPLE_PDF_DIR}")
    return pdfs


def page_count(path: Path) -> int:
    with pymupdf.open(path) as doc:
        return int(doc.page_count)


@dataclass
class Clock:
    """Wall and CPU time of this process over a block; CPU/wall well below 1 means other load."""

    wall: float = 0.0
    cpu: float = 0.0

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall += time.perf_counter() - self._wall
        self.cpu += time.process_time() - self._cpu

    @property
    def cpu_share(self) -> float:
        return self.cpu / self.wall if self.wall else float("nan")


def raw_pymupdf(paths: Sequence[Path]) -> tuple[Clock, int, int]:
    """Baseline: time to open each PDF and ``get_text()`` every page; (clock, pages, characters)."""
    pages = chars = 0
    with Clock() as clock:
        for path in paths:
            with pymupdf.open(path) as doc:
                for page in doc:
                    chars += len(page.get_text())
                    pages += 1
    return clock, pages, chars


def maritime_ingest(folder: Path, db: Path, workers: int | None = None) -> tuple[Clock, int, int]:
    """maritime: time to ingest ``folder`` without embeddings into a fresh store; (clock, pages, passages).

    ``workers=None`` is maritime's default (conversion in one process per core); 1 converts in this
    process only, for the single-core comparison.
    """
    store = SQLiteDocumentStore(db)
    store.count_documents()  # open the database and create the schema outside the timing
    ingester = PublicationIngester(store, embedder=None)
    with Clock() as clock:
        report = ingester.ingest([folder], embed=False, workers=workers)
    store.close()
    if report.skipped:
        raise RuntimeError(f"ingest skipped files: {report.skipped}")
    pages = sum(p or 0 for _, p, _ in report.ingested)
    return clock, pages, report.passages


def stage_breakdown(folder: Path, db: Path) -> dict[str, float]:
    """Where maritime's ingest time goes, stage by stage (same steps as ``PublicationIngester``)."""
    store = SQLiteDocumentStore(db)
    store.count_documents()
    ingester = PublicationIngester(store, embedder=None)
    times = {"hash + bookkeeping": 0.0, "convert (PyMuPDF dict + layout)": 0.0}
    times |= {"split + language + geotags + tokens": 0.0, "SQLite write (FTS5 terms, R*Tree)": 0.0}
    for path, source in discover([folder]):
        t0 = time.perf_counter()
        sha = sha256_file(path)
        abs_path = str(path.resolve())
        store.file_record(abs_path)
        t1 = time.perf_counter()
        converted = convert(path)
        sha256_file(path)
        t2 = time.perf_counter()
        documents = ingester.documents_for(converted, source, sha)
        t3 = time.perf_counter()
        record = FileRecord(
            path=abs_path,
            source=source,
            sha256=sha,
            size=path.stat().st_size,
            n_pages=converted.n_pages,
            n_passages=len(documents),
            skipped_pages=tuple(converted.skipped_pages),
            ingested_at="",
        )
        store.replace_file(record, documents)
        t4 = time.perf_counter()
        times["hash + bookkeeping"] += t1 - t0
        times["convert (PyMuPDF dict + layout)"] += t2 - t1
        times["split + language + geotags + tokens"] += t3 - t2
        times["SQLite write (FTS5 terms, R*Tree)"] += t4 - t3
    store.close()
    return times


def bench_ingest(profile: Profile, work: Path) -> dict[str, Any]:
    sample = ensure_sample_corpus()
    sources: list[tuple[Path, str]] = [(p, "sample") for p in sample]
    shared = sorted(SHARED_PDF_DIR.glob("*.pdf")) if SHARED_PDF_DIR.is_dir() else []
    if shared:
        log(
            f"using {len(shared)} PDFs of {SHARED_PDF_DIR} (licence restricted) only as a timing input: "
            "read, copied to a temporary folder, never into the repository"
        )
    else:
        log(f"{SHARED_PDF_DIR} not found: ingest corpus is the sample PDFs only")
    sources += [(p, "iho") for p in shared]
    pages_per_set = sum(page_count(p) for p, _ in sources)
    copies = max(1, math.ceil(profile.ingest_min_pages / pages_per_set))
    folder = work / "ingest_input"
    folder.mkdir()
    paths: list[Path] = []
    for k in range(copies):
        for i, (path, _) in enumerate(sources):
            target = folder / f"copy{k:02d}_{i:02d}_{path.name}"
            shutil.copyfile(path, target)
            paths.append(target)
    total_pages = pages_per_set * copies
    log(
        f"ingest corpus: {len(sources)} PDFs ({pages_per_set} pages) x {copies} copies = "
        f"{len(paths)} files, {total_pages} pages"
    )

    # Warm-up, outside the timings: load the Mistral tokenizer, PyMuPDF, the stemmers and the glossary.
    TokenCounter()
    warm = work / "warm"
    warm.mkdir()
    shutil.copyfile(sample[0], warm / sample[0].name)
    maritime_ingest(warm, work / "warm.sqlite")
    raw_pymupdf([sample[0]])

    raw_times: list[float] = []
    ingest_times: list[float] = []
    serial_times: list[float] = []
    cpu_shares: list[float] = []
    stage_runs: list[dict[str, float]] = []
    passages = raw_chars = 0
    for r in range(profile.ingest_rounds):
        raw, pages_raw, raw_chars = raw_pymupdf(paths)
        db = work / f"ingest_{r}.sqlite"
        ing, pages_ing, passages = maritime_ingest(folder, db)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        if pages_raw != total_pages or pages_ing != total_pages:
            raise RuntimeError(f"page counts differ: raw {pages_raw}, maritime {pages_ing}, {total_pages}")
        db1 = work / f"ingest_serial_{r}.sqlite"
        ing1, _pages1, _passages1 = maritime_ingest(folder, db1, workers=1)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db1}{suffix}").unlink(missing_ok=True)
        serial_times.append(ing1.wall)
        raw_times.append(raw.wall)
        ingest_times.append(ing.wall)
        cpu_shares += [raw.cpu_share, ing.cpu_share]
        db = work / f"stages_{r}.sqlite"
        stage_runs.append(stage_breakdown(folder, db))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        log(
            f"  round {r + 1}/{profile.ingest_rounds}: raw PyMuPDF {raw.wall:.2f} s "
            f"({total_pages / raw.wall:.0f} pages/s), maritime ingest {ing.wall:.2f} s "
            f"({total_pages / ing.wall:.0f} pages/s, {passages} passages); CPU/wall "
            f"{raw.cpu_share:.2f} and {ing.cpu_share:.2f}"
        )
    t_raw = statistics.median(raw_times)
    t_ing = statistics.median(ingest_times)
    stages = {k: statistics.median(run[k] for run in stage_runs) for k in stage_runs[0]}
    return {
        "files": len(paths),
        "pages": total_pages,
        "copies": copies,
        "sources": {"sample_pdfs": len(sample), "iho_pdfs": len(shared)},
        "rounds": profile.ingest_rounds,
        "raw_pymupdf": {"seconds": raw_times, "median_s": t_raw, "pages_per_s": total_pages / t_raw},
        "maritime": {
            "seconds": ingest_times,
            "median_s": t_ing,
            "pages_per_s": total_pages / t_ing,
            "passages": passages,
        },
        "maritime_one_process": {
            "seconds": serial_times,
            "median_s": statistics.median(serial_times),
            "pages_per_s": total_pages / statistics.median(serial_times),
            "ratio": t_raw / statistics.median(serial_times),
        },
        "workers": min(os.cpu_count() or 1, 4),
        "raw_characters": raw_chars,
        "ratio": t_raw / t_ing,
        "stages_s": stages,
        "min_cpu_share": min(cpu_shares),
    }


# -- (b) search latency -----------------------------------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?;:])\s+(?=[A-ZÀ-ÖØ-Þ0-9«\"(])")
_WORD = re.compile(r"\S+")


def real_passages(work: Path) -> list[Document]:
    """The passages of the sample corpus, ingested once without embeddings."""
    store = SQLiteDocumentStore(work / "sample.sqlite")
    PublicationIngester(store, embedder=None).ingest([SAMPLE_PDF_DIR], embed=False)
    docs = [d for d in store.filter_documents() if d.content]
    store.close()
    return docs


def _random_position(rng: random.Random) -> tuple[float, float]:
    r = rng.random()
    if r < P_NEAR:  # inside the geo filter: uniform over the 10 NM disc (equirectangular, close enough)
        distance = GEO_RADIUS_NM * 0.98 * math.sqrt(rng.random())
        bearing = rng.uniform(0, 2 * math.pi)
        lat = GEO_CENTER.lat + distance * math.cos(bearing) / 60
        lon = GEO_CENTER.lon + distance * math.sin(bearing) / (60 * math.cos(math.radians(GEO_CENTER.lat)))
    elif r < P_NEAR + P_APPROACHES:
        lat = rng.uniform(APPROACHES_BOX[0], APPROACHES_BOX[1])
        lon = rng.uniform(APPROACHES_BOX[2], APPROACHES_BOX[3])
    else:
        lat = rng.uniform(-70.0, 75.0)
        lon = rng.uniform(-180.0, 180.0)
    return round(lat, 6), round(lon, 6)


def synthetic_passages(real: Sequence[Document], n: int, seed: int) -> list[Document]:
    """``n`` deterministic passages recombining sentences and words of ``real`` across French and English."""
    rng = random.Random(seed)
    sentences: dict[str, list[str]] = {}
    words: dict[str, list[str]] = {}
    templates: dict[str, list[Document]] = {}
    for doc in real:
        lang = doc.meta.get(M.LANGUAGE)
        lang = lang if lang in ("fr", "en") else "fr"
        parts = [s.strip() for s in _SENTENCE.split(doc.content or "") if len(s.strip()) > 15]
        sentences.setdefault(lang, []).extend(parts)
        words.setdefault(lang, []).extend(_WORD.findall(doc.content or ""))
        templates.setdefault(lang, []).append(doc)
    languages = sorted(sentences)
    weights = [len(sentences[lang]) for lang in languages]
    docs: list[Document] = []
    for i in range(n):
        lang = rng.choices(languages, weights)[0]
        other = [x for x in languages if x != lang]
        parts = []
        for _ in range(rng.randint(2, 6)):
            pool = lang if not other or rng.random() < 0.85 else rng.choice(other)
            parts.append(rng.choice(sentences[pool]))
        if rng.random() < 0.5:  # a word-level recombination, so passages are not only reshuffled sentences
            salad = rng.sample(words[lang], rng.randint(8, 24))
            parts.insert(rng.randrange(len(parts) + 1), " ".join(salad).capitalize() + ".")
        positions = [list(_random_position(rng)) for _ in range(rng.randint(1, 3))]
        template = rng.choice(templates[lang])
        meta = dict(template.meta)
        meta |= {
            M.SOURCE: f"synthetic_{i // 40:05d}.pdf",
            M.SOURCE_PATH: f"/bench/synthetic_{i // 40:05d}.pdf",
            M.PAGE: 1 + (i % 40) // 8,
            M.LANGUAGE: lang,
            M.POSITIONS: positions,
            M.PASSAGE_INDEX: i % 40,
        }
        docs.append(Document(id=f"bench-{seed}-{i:07d}", content=" ".join(parts), meta=meta))
    return docs


def geo_hit_share(docs: Sequence[Document]) -> float:
    """Share of ``docs`` with at least one geotag within the benchmark's geo filter."""
    owner: list[int] = []
    lats: list[float] = []
    lons: list[float] = []
    for i, doc in enumerate(docs):
        for lat, lon in doc.meta[M.POSITIONS]:
            owner.append(i)
            lats.append(lat)
            lons.append(lon)
    inside = distances_nm(GEO_CENTER, lats, lons) <= GEO_RADIUS_NM
    return len({owner[k] for k in np.flatnonzero(inside)}) / len(docs)


def load_queries() -> tuple[list[str], list[int]]:
    """The questions of corpora/questions.yaml, and an order alternating French and English ones."""
    items = [i for i in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8")) if isinstance(i, dict)]
    items = [i for i in items if i.get("question")]
    queries = [str(i["question"]) for i in items]
    by_language: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        by_language.setdefault(str(item.get("language", "fr")), []).append(index)
    groups = [by_language[k] for k in sorted(by_language)]
    order = [g[k] for k in range(max(len(g) for g in groups)) for g in groups if k < len(g)]
    return queries, order


@dataclass
class Timings:
    """Latencies in seconds per query index, in the order they were timed."""

    times: dict[int, list[float]]
    hits: int
    capped: bool
    clock: Clock

    def summary(self, only: Sequence[int] | None = None) -> dict[str, Any]:
        keys = [k for k in self.times if only is None or k in only]
        flat = [t for k in keys for t in self.times[k]]
        return {
            "p50_ms": percentile(flat, 50) * 1000,
            "p95_ms": percentile(flat, 95) * 1000,
            "calls": len(flat),
            "queries": len(keys),
            "capped": self.capped,
            "cpu_share": self.clock.cpu_share,
        }


def time_queries(
    run: Callable[[str], list[Document]],
    queries: Sequence[str],
    order: Sequence[int],
    repeats: int,
    *,
    budget_s: float,
    warmup: int = 1,
    min_calls: int = 3,
) -> Timings:
    """Run each query of ``order`` ``repeats`` times (rounds over the whole order), timing each call.

    Stops early, after at least ``min_calls`` timed calls, once ``budget_s`` seconds have gone (warm-up
    included), so a pathological case cannot make the run last hours; the summary says so.
    """
    started = time.perf_counter()
    for i in order[:warmup]:
        run(queries[i])
    times: dict[int, list[float]] = {}
    hits = calls = 0
    clock = Clock()
    for _ in range(repeats):
        for i in order:
            if calls >= min_calls and time.perf_counter() - started > budget_s:
                return Timings(times, hits, True, clock)
            with clock:
                start = time.perf_counter()
                found = run(queries[i])
                elapsed = time.perf_counter() - start
            times.setdefault(i, []).append(elapsed)
            hits += len(found)
            calls += 1
    return Timings(times, hits, False, clock)


def inmemory_query_count(profile: Profile, size: int) -> int:
    return next(n for limit, n in sorted(profile.inmemory_queries.items(), reverse=True) if size >= limit)


def match_share(store: SQLiteDocumentStore, queries: Sequence[str], size: int) -> float:
    """Median share of the passages that a query's FTS5 expression matches (what BM25 has to score)."""
    shares = []
    # The benchmark corpus is unmarked: one full-text table (that of the lowest marking).
    (table,) = store.conn.execute("SELECT fts FROM partitions").fetchone()
    for query in queries:
        expression = store.fts_query(query)
        count = store.conn.execute(
            f"SELECT count(*) FROM {table} WHERE {table} MATCH ?", (expression,)
        ).fetchone()[0]
        shares.append(count / size)
    return statistics.median(shares)


def bench_search(profile: Profile, work: Path, seed: int) -> dict[str, Any]:
    queries, order = load_queries()
    real = real_passages(work)
    n_fr = sum(1 for d in real if d.meta.get(M.LANGUAGE) == "fr")
    log(
        f"real sample passages: {len(real)} ({n_fr} fr, {len(real) - n_fr} en); {len(queries)} queries "
        f"from corpora/questions.yaml, French and English alternating; top_k={TOP_K}"
    )
    start = time.perf_counter()
    all_docs = synthetic_passages(real, max(profile.sizes), seed)
    log(f"generated {len(all_docs)} synthetic passages in {time.perf_counter() - start:.1f} s (seed {seed})")
    geo = GeoFilter(center=GEO_CENTER, radius_nm=GEO_RADIUS_NM)
    budget = profile.series_budget_s
    results: list[dict[str, Any]] = []
    for size in profile.sizes:
        docs = all_docs[:size]
        hit_share = geo_hit_share(docs)
        words = sum(len(d.content.split()) for d in docs if d.content) / size
        log(f"\n{size} passages ({words:.0f} words on average), {hit_share:.1%} inside the geo filter")

        db = work / f"search_{size}.sqlite"
        store = SQLiteDocumentStore(db)
        store.count_documents()
        start = time.perf_counter()
        written = store.write_documents(docs)
        t_sqlite = time.perf_counter() - start
        if written != size:
            raise RuntimeError(f"wrote {written} of {size} passages")
        db_mb = sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db}{s}").exists()) / 1e6
        log(f"  SQLiteDocumentStore.write_documents (one batch): {t_sqlite:.1f} s, {db_mb:.0f} MB on disk")
        matched = match_share(store, queries, size)
        log(f"  a query's FTS5 expression matches {matched:.0%} of the passages (median over the queries)")

        memory = InMemoryDocumentStore(shared=False)
        start = time.perf_counter()
        memory.write_documents(docs)
        t_memory = time.perf_counter() - start
        log(f"  InMemoryDocumentStore.write_documents: {t_memory:.1f} s")
        retriever = InMemoryBM25Retriever(document_store=memory, top_k=TOP_K)

        reps = profile.maritime_repeats
        plain = time_queries(
            lambda q, s=store: s.bm25_retrieval(q, top_k=TOP_K), queries, order, reps, budget_s=budget
        )
        # No warm-up call here: the series above has loaded the glossary and warmed the page cache.
        geo_t = time_queries(
            lambda q, s=store: s.bm25_retrieval(q, top_k=TOP_K, geo=geo),
            queries,
            order,
            reps,
            budget_s=budget,
            warmup=0,
        )
        chosen = order[: inmemory_query_count(profile, size)]
        mem = time_queries(
            lambda q, r=retriever: r.run(query=q)["documents"],
            queries,
            chosen,
            profile.inmemory_repeats,
            budget_s=budget,
        )
        row: dict[str, Any] = {
            "passages": size,
            "geo_hit_share": hit_share,
            "fts_match_share": matched,
            "avg_words": words,
            "sqlite_write_s": t_sqlite,
            "sqlite_mb": db_mb,
            "inmemory_write_s": t_memory,
            "maritime_bm25": plain.summary() | {"hits": plain.hits},
            "maritime_bm25_geo": geo_t.summary() | {"hits": geo_t.hits},
            "inmemory_bm25": mem.summary() | {"hits": mem.hits},
        }
        # Speed-ups over the queries timed on both sides.
        for key, timings in (("bm25", plain), ("bm25_geo", geo_t)):
            common = [k for k in mem.times if k in timings.times]
            ours = timings.summary(common)
            row[f"maritime_{key}_same_queries"] = ours
            row[f"speedup_{key}"] = mem.summary(common)["p50_ms"] / ours["p50_ms"]
            row[f"speedup_{key}_queries"] = len(common)
        results.append(row)
        for label, key in (
            ("maritime BM25", "maritime_bm25"),
            ("maritime BM25+geo", "maritime_bm25_geo"),
            ("InMemoryBM25Retriever", "inmemory_bm25"),
        ):
            s = row[key]
            capped = ", stopped by the time budget" if s["capped"] else ""
            log(
                f"  {label:<22} p50 {s['p50_ms']:9.2f} ms  p95 {s['p95_ms']:9.2f} ms  "
                f"({s['calls']} timed calls, {s['queries']} queries{capped}; CPU/wall {s['cpu_share']:.2f})"
            )
        log(
            f"  speed-up at p50: BM25 x{row['speedup_bm25']:.1f} ({row['speedup_bm25_queries']} queries), "
            f"BM25+geo x{row['speedup_bm25_geo']:.2f} ({row['speedup_bm25_geo_queries']} queries)"
        )
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        memory.shutdown()
        del memory, retriever, store
        gc.collect()
    largest = results[-1]
    markings = bench_markings(all_docs[: largest["passages"]], queries, order, profile, work, geo)
    markings["baseline"] = {
        "sqlite_write_s": largest["sqlite_write_s"],
        "sqlite_mb": largest["sqlite_mb"],
        "maritime_bm25_geo": largest["maritime_bm25_geo"],
    }
    return {
        "markings": markings,
        "queries": len(queries),
        "real_passages": len(real),
        "top_k": TOP_K,
        "maritime_repeats": profile.maritime_repeats,
        "inmemory_repeats": profile.inmemory_repeats,
        "series_budget_s": budget,
        "geo_filter": {"lat": GEO_CENTER.lat, "lon": GEO_CENTER.lon, "radius_nm": GEO_RADIUS_NM},
        "sizes": results,
    }


def bench_markings(
    docs: Sequence[Document],
    queries: Sequence[str],
    order: Sequence[int],
    profile: Profile,
    work: Path,
    geo: GeoFilter,
) -> dict[str, Any]:
    """The cost of access control: the same passages with one in ten marked ``restricted``.

    Each marking in use has a full-text table holding what is marked at or below it, so the public
    passages are indexed twice; a public reader searches the public table, a restricted one the other.
    The baseline is the all-public store of the same size, measured above in the same run.
    """
    size = len(docs)
    marked = [
        replace(d, meta={**d.meta, "marking": "restricted" if i % 10 == 9 else "public"})
        for i, d in enumerate(docs)
    ]
    log(f"\naccess control at {size} passages, one in ten marked restricted")
    db = work / f"markings_{size}.sqlite"
    store = SQLiteDocumentStore(db)
    store.count_documents()
    start = time.perf_counter()
    store.write_documents(marked)
    t_write = time.perf_counter() - start
    db_mb = sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db}{s}").exists()) / 1e6
    log(f"  SQLiteDocumentStore.write_documents (one batch): {t_write:.1f} s, {db_mb:.0f} MB on disk")
    out: dict[str, Any] = {
        "passages": size,
        "restricted_share": 0.1,
        "sqlite_write_s": t_write,
        "sqlite_mb": db_mb,
    }
    for clearance in ("public", "restricted"):
        timings = time_queries(
            lambda q, s=store, c=clearance: s.bm25_retrieval(q, top_k=TOP_K, geo=geo, clearance=c),
            queries,
            order,
            profile.maritime_repeats,
            budget_s=profile.series_budget_s,
        )
        summary = timings.summary()
        out[f"bm25_geo_{clearance}"] = summary
        log(
            f"  BM25+geo, clearance {clearance:<10} p50 {summary['p50_ms']:9.2f} ms  p95 {summary['p95_ms']:9.2f} ms"
        )
    store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return out


# -- report -------------------------------------------------------------------------------------------


SERIES = ("maritime_bm25", "maritime_bm25_geo", "inmemory_bm25")


def report(info: dict[str, Any], ingest: dict[str, Any] | None, search: dict[str, Any] | None) -> str:
    out: list[str] = []
    out.append(
        f"Machine: {info['platform']}; CPU {info['cpu']}, {info['cores']} cores; Python {info['python']}; "
        f"SQLite {info['sqlite']}; PyMuPDF {info['pymupdf']} (MuPDF {info['mupdf']}); "
        f"haystack-ai {info['haystack']}."
    )
    targets: list[str] = []
    if ingest:
        raw, mar, one = ingest["raw_pymupdf"], ingest["maritime"], ingest["maritime_one_process"]
        out.append(
            f"\n### Ingest throughput ({ingest['files']} PDFs, {ingest['pages']} pages, "
            f"median of {ingest['rounds']} round(s))\n"
        )
        out.append(
            md_table(
                ["Pipeline", "Pages", "Passages", "Time (s)", "Pages/s", "vs raw PyMuPDF"],
                [
                    ["raw PyMuPDF `page.get_text()`", ingest["pages"], "-", f"{raw['median_s']:.2f}",
                     f"{raw['pages_per_s']:.0f}", "1.00"],
                    [f"maritime ingest, no embeddings ({ingest['workers']} conversion processes, default)",
                     ingest["pages"], mar["passages"],
                     f"{mar['median_s']:.2f}", f"{mar['pages_per_s']:.0f}", f"{ingest['ratio']:.2f}"],
                    ["maritime ingest, no embeddings, one process (`workers=1`)", ingest["pages"], mar["passages"],
                     f"{one['median_s']:.2f}", f"{one['pages_per_s']:.0f}", f"{one['ratio']:.2f}"],
                ],
            )
        )  # fmt: skip
        out.append(
            f"\nLowest CPU time / wall time of a timed round: {ingest['min_cpu_share']:.2f} (1.00: the benchmark "
            "had a core to itself; lower: other processes competed for the CPU)."
        )
        total = sum(ingest["stages_s"].values())
        out.append("\nWhere maritime's ingest time goes (an extra pass per round, same files, median):\n")
        out.append(
            md_table(
                ["Stage", "Time (s)", "Share"],
                [[k, f"{v:.2f}", f"{v / total:.0%}"] for k, v in ingest["stages_s"].items()],
            )
        )
        met = ingest["ratio"] >= TARGET_INGEST_RATIO
        targets.append(
            f"Ingest >= 1/3 of raw PyMuPDF speed: {'MET' if met else 'NOT MET'} "
            f"({mar['pages_per_s']:.0f} vs {raw['pages_per_s']:.0f} pages/s, ratio {ingest['ratio']:.2f})"
        )
    if search:
        rows = search["sizes"]
        out.append(
            f"\n### Search latency (top_k={search['top_k']}; {search['queries']} bilingual queries from "
            f"corpora/questions.yaml, French and English alternating; maritime x{search['maritime_repeats']} "
            f"each; InMemoryBM25Retriever on the first queries of the same order, x{search['inmemory_repeats']})\n"
        )

        def cell(s: dict[str, Any]) -> str:
            digits = 1 if s["p50_ms"] < 1000 else 0
            capped = ", capped" if s["capped"] else ""
            return f"{s['p50_ms']:.{digits}f} / {s['p95_ms']:.{digits}f} ({s['calls']} calls{capped})"

        out.append(
            md_table(
                [
                    "Passages",
                    "In geo filter",
                    "Matched by a query",
                    "maritime BM25 p50 / p95 (ms)",
                    "maritime BM25+geo p50 / p95 (ms)",
                    "InMemoryBM25Retriever p50 / p95 (ms)",
                    "Speed-up BM25",
                    "Speed-up BM25+geo",
                ],
                [
                    [
                        f"{r['passages']:,}",
                        f"{r['geo_hit_share']:.1%}",
                        f"{r['fts_match_share']:.0%}",
                        cell(r["maritime_bm25"]),
                        cell(r["maritime_bm25_geo"]),
                        cell(r["inmemory_bm25"]),
                        f"x{r['speedup_bm25']:.1f}",
                        f"x{r['speedup_bm25_geo']:.2f}",
                    ]
                    for r in rows
                ],
            )
        )
        out.append(
            "\nSpeed-up = InMemoryBM25Retriever p50 / maritime p50 over the queries timed on both sides. "
            f"Geo filter: {GEO_RADIUS_NM:g} NM around {GEO_CENTER.lat:.4f}, {GEO_CENTER.lon:.4f} (Goulet de "
            "Brest); InMemoryBM25Retriever has no geo filter, so both maritime modes are compared with its plain "
            f'BM25. "capped": the series stopped at its {search["series_budget_s"]:g} s time budget (at least 3 '
            'calls). "Matched by a query": median share of the passages matched by a query\'s FTS5 expression '
            "(stems OR-ed with glossary translations), i.e. what BM25 has to score. Lowest CPU time / wall "
            "time of a series: "
            + f"{min(r[k]['cpu_share'] for r in rows for k in SERIES):.2f} (1.00: no competing load)."
        )
        out.append("\nIndex build (one `write_documents` batch of the same Documents):\n")
        out.append(
            md_table(
                ["Passages", "SQLiteDocumentStore (s)", "passages/s", "DB size (MB)", "InMemoryDocumentStore (s)"],
                [
                    [f"{r['passages']:,}", f"{r['sqlite_write_s']:.1f}", f"{r['passages'] / r['sqlite_write_s']:.0f}",
                     f"{r['sqlite_mb']:.0f}", f"{r['inmemory_write_s']:.1f}"]
                    for r in rows
                ],
            )
        )  # fmt: skip
        at_target = [r for r in rows if r["passages"] == TARGET_SIZE]
        if at_target:
            r = at_target[0]
            p50 = r["maritime_bm25_geo"]["p50_ms"]
            targets.append(
                f"BM25+geo p50 < {TARGET_GEO_P50_MS:g} ms at 100k: {'MET' if p50 < TARGET_GEO_P50_MS else 'NOT MET'} "
                f"({p50:.1f} ms; plain BM25 p50 {r['maritime_bm25']['p50_ms']:.1f} ms)"
            )
            targets.append(
                f"BM25+geo >= {TARGET_SPEEDUP:g}x faster than InMemoryBM25Retriever at 100k: "
                f"{'MET' if r['speedup_bm25_geo'] >= TARGET_SPEEDUP else 'NOT MET'} "
                f"(x{r['speedup_bm25_geo']:.2f}; plain BM25 x{r['speedup_bm25']:.1f})"
            )
        else:
            targets.append(
                f"search targets are defined at {TARGET_SIZE:,} passages: not evaluated in this run"
            )
    if search and search.get("markings"):
        m = search["markings"]
        base = m["baseline"]
        out.append(
            f"\nAccess control at {m['passages']:,} passages, one in ten marked `restricted` (against the "
            "all-public store of the same passages above): each marking in use has a full-text table of what is "
            "marked at or below it, so the public passages are indexed twice.\n"
        )
        out.append(
            md_table(
                ["Store", "write (s)", "DB size (MB)", "BM25+geo p50 / p95 (ms), public reader",
                 "BM25+geo p50 / p95 (ms), restricted reader"],
                [
                    ["all public", f"{base['sqlite_write_s']:.1f}", f"{base['sqlite_mb']:.0f}",
                     f"{base['maritime_bm25_geo']['p50_ms']:.1f} / {base['maritime_bm25_geo']['p95_ms']:.1f}", "-"],
                    ["10 % restricted", f"{m['sqlite_write_s']:.1f}", f"{m['sqlite_mb']:.0f}",
                     f"{m['bm25_geo_public']['p50_ms']:.1f} / {m['bm25_geo_public']['p95_ms']:.1f}",
                     f"{m['bm25_geo_restricted']['p50_ms']:.1f} / {m['bm25_geo_restricted']['p95_ms']:.1f}"],
                ],
            )
        )  # fmt: skip
    out.append("\n### Targets\n")
    out += [f"- {t}" for t in targets]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="smaller run (ingest >=150 pages; 2k and 10k passages)"
    )
    parser.add_argument("--out", type=Path, help="save the results as JSON to this file")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--sizes", type=lambda s: tuple(int(x) for x in s.split(",")), help="passage counts, e.g. 10000,50000"
    )
    parser.add_argument("--skip-ingest", action="store_true", help="only the search benchmark")
    parser.add_argument("--skip-search", action="store_true", help="only the ingest benchmark")
    args = parser.parse_args(argv)  # fmt: skip
    profile = QUICK if args.quick else FULL
    if args.sizes:
        profile = dataclasses.replace(profile, sizes=args.sizes)
    random.seed(args.seed)
    np.random.seed(args.seed % 2**32)
    os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

    info = machine()
    log("maritime publications benchmark, " + profile.name + " run")
    log(json.dumps(info, indent=2))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="maritime-bench-") as tmp:
        work = Path(tmp)
        ingest = None
        if not args.skip_ingest:
            log("\n== (a) ingest throughput ==")
            (work / "a").mkdir()
            ingest = bench_ingest(profile, work / "a")
        search = None
        if not args.skip_search:
            log("\n== (b) search latency ==")
            (work / "b").mkdir()
            search = bench_search(profile, work / "b", args.seed)
    elapsed = time.perf_counter() - started
    text = report(info, ingest, search)
    log("\n== Markdown ==\n")
    log(text)
    load = [round(x, 2) for x in os.getloadavg()]
    log(
        f"\n(total run time {elapsed:.0f} s; load average at start {info['load_average_at_start']}, at end {load})"
    )
    if args.out:
        payload = {
            "benchmark": "bench_publications",
            "profile": profile.name,
            "seed": args.seed,
            "date": date.today().isoformat(),
            "machine": info,
            "ingest": ingest,
            "search": search,
            "run_seconds": elapsed,
            "load_average_at_end": load,
            "markdown": text,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        log(f"results saved to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
