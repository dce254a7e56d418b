"""An embedded Haystack DocumentStore on SQLite: FTS5 for BM25, an R*Tree for geotags, vectors as blobs.

One file, crash-safe (WAL journal, one transaction per write), incremental. It implements Haystack's
``DocumentStore`` protocol (``count_documents``, ``filter_documents`` with Haystack filter syntax,
``write_documents`` with a duplicate policy, ``delete_documents``, ``to_dict``/``from_dict``) so a
pipeline can swap it for OpenSearch, Elasticsearch or pgvector, and adds what the retrievers need:
:meth:`bm25_retrieval`, :meth:`embedding_retrieval`, geographic filtering and ingest bookkeeping.

Access control (:mod:`maritime.access`): every passage carries a marking. Each marking in use has a
full-text table holding the passages marked at or below it, so that a reader's search runs on one
table whose BM25 statistics (document frequencies, lengths), vocabulary (:meth:`known_fraction`) and
common words are those of what their clearance allows, exactly as in an index holding nothing else;
the cost is that a passage is indexed once per marking in use at or above its own. Vectors are
masked by marking before ranking. The retrieval methods, :meth:`known_fraction` and :meth:`files`
take a ``clearance``; the Haystack protocol methods (:meth:`count_documents`,
:meth:`filter_documents`) are administrative and see everything.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from haystack import default_from_dict, default_to_dict
from haystack.dataclasses import ByteStream, Document, SparseEmbedding
from haystack.document_stores.errors import DuplicateDocumentError
from haystack.document_stores.types import DuplicatePolicy
from haystack.utils.filters import document_matches_filter

from maritime import meta as M
from maritime.access import MARKING_KEY, allowed_markings, markings, resolve_marking
from maritime.errors import ConfigError, IndexStoreError
from maritime.geo.coordinates import Position
from maritime.geo.geodesy import bbox_around, distances_nm
from maritime.publications.language import UNDETERMINED, detect_language
from maritime.store.analysis import _is_stop, fts_quote, index_terms, query_term_alternatives, tokenize
from maritime.store.glossary import Glossary

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 3
#: Meta key naming the model of a document's embedding when it is written with one.
EMBEDDING_MODEL_KEY = "embedding_model"
#: Model name recorded for embeddings written by other components without that key.
EXTERNAL_MODEL = "external"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    content TEXT,
    meta TEXT NOT NULL DEFAULT '{}',
    source_path TEXT,
    language TEXT,
    blob BLOB,
    blob_mime TEXT,
    blob_meta TEXT,
    sparse TEXT,
    embedding BLOB,
    embedding_dtype TEXT,
    embedding_model TEXT,
    marking TEXT
);
CREATE INDEX IF NOT EXISTS documents_source_path ON documents(source_path);
CREATE INDEX IF NOT EXISTS documents_embedding_model ON documents(embedding_model);
CREATE VIRTUAL TABLE IF NOT EXISTS geotags USING rtree(id, min_lat, max_lat, min_lon, max_lon, +doc_rowid INTEGER);
CREATE TABLE IF NOT EXISTS partitions (marking TEXT PRIMARY KEY, fts TEXT NOT NULL UNIQUE, level INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    n_pages INTEGER,
    n_passages INTEGER NOT NULL,
    skipped_pages TEXT NOT NULL DEFAULT '[]',
    ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    marking TEXT
);
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT);
"""


@dataclass(frozen=True)
class GeoFilter:
    """Keep passages with a geotag inside a box or within ``radius_nm`` of ``center``.

    Give either ``bbox`` = (min_lat, min_lon, max_lat, max_lon) or ``center`` and ``radius_nm``.
    Distances are geodesic (WGS84), nautical miles of 1852 m.
    """

    bbox: tuple[float, float, float, float] | None = None
    center: Position | None = None
    radius_nm: float | None = None

    def __post_init__(self) -> None:
        if self.bbox is None and (self.center is None or self.radius_nm is None):
            raise ValueError("GeoFilter needs a bbox, or a center and a radius_nm")
        if self.radius_nm is not None and not (self.radius_nm > 0 and math.isfinite(self.radius_nm)):
            raise ValueError(f"radius_nm must be a positive number, got {self.radius_nm!r}")
        if self.bbox is not None:
            min_lat, min_lon, max_lat, max_lon = self.bbox
            if not (-90 <= min_lat <= max_lat <= 90 and -180 <= min_lon <= max_lon <= 180):
                raise ValueError(
                    f"bbox must be (min_lat, min_lon, max_lat, max_lon) within [-90, 90] x [-180, 180], "
                    f"got {self.bbox!r}"
                )

    def as_inputs(self) -> dict[str, Any]:
        """The filter as the retriever components' inputs (``near``/``radius_nm`` or ``bbox``)."""
        if self.bbox is not None:
            return {"bbox": list(self.bbox)}
        assert self.center is not None
        return {"near": [self.center.lat, self.center.lon], "radius_nm": self.radius_nm}

    def search_box(self) -> tuple[float, float, float, float]:
        """A box that contains every point the filter keeps."""
        if self.bbox is not None:
            return self.bbox
        assert self.center is not None and self.radius_nm is not None
        return bbox_around(self.center, self.radius_nm)


@dataclass(frozen=True)
class FileRecord:
    """What the store remembers of an ingested file."""

    path: str
    source: str
    sha256: str
    size: int
    n_pages: int | None
    n_passages: int
    skipped_pages: tuple[tuple[int, str], ...]
    ingested_at: str
    #: Classification of the file and its passages (:mod:`maritime.access`); None = the lowest level.
    marking: str | None = None


def _encode_embedding(values: Sequence[float] | np.ndarray) -> tuple[bytes, str]:
    """float32 when that is exact (our embedders produce float32), float64 otherwise."""
    arr64 = np.asarray(values, dtype=np.float64)
    arr32 = arr64.astype(np.float32)
    if np.array_equal(arr32.astype(np.float64), arr64):
        return arr32.tobytes(), "f4"
    return arr64.tobytes(), "f8"


def _decode_embedding(data: bytes | None, dtype: str | None) -> list[float] | None:
    if data is None:
        return None
    return np.frombuffer(data, dtype=np.float32 if dtype == "f4" else np.float64).tolist()


class SQLiteDocumentStore:
    """Haystack DocumentStore backed by one SQLite file.

    Parameters
    ----------
    path:
        The database file; created with its folder if missing. ``":memory:"`` for a throw-away store.
    glossary:
        Expand BM25 queries with the bilingual nautical glossary (French <-> English).
    clearance:
        What reads see when they give no clearance of their own (:mod:`maritime.access`); by
        default ``MARITIME_CLEARANCE``, else the lowest marking.

    Examples
    --------
    >>> store = SQLiteDocumentStore(":memory:")
    >>> store.write_documents([Document(content="Le feu du Portzic", meta={"language": "fr"})])
    1
    >>> [d.content for d in store.bm25_retrieval("feux", top_k=1)]
    ['Le feu du Portzic']
    """

    def __init__(
        self, path: str | Path = ":memory:", *, glossary: bool = True, clearance: str | None = None
    ) -> None:
        self.path = str(path)
        self.glossary = glossary
        #: Clearance of the reads that give none (None: ``MARITIME_CLEARANCE``, else the lowest level).
        self.clearance = markings().check(clearance) if clearance else None
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        #: ``snapshot``: the read connection of this thread while it is inside :meth:`snapshot`.
        self._local = threading.local()
        self._dense_cache: dict[str, tuple[int, np.ndarray, np.ndarray, np.ndarray]] = {}
        self._total_cache: dict[str, tuple[int, int]] = {}

    # -- connection -------------------------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection reads go through: this thread's snapshot connection inside :meth:`snapshot`,
        else the store's own."""
        snapshot: sqlite3.Connection | None = getattr(self._local, "snapshot", None)
        return snapshot if snapshot is not None else self._main_conn

    @property
    def _main_conn(self) -> sqlite3.Connection:
        if self._conn is None:
            with self._lock:
                if self._conn is None:
                    self._conn = self._connect()
        return self._conn

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read of this thread inside the block sees one state of the index.

        A read that takes several statements (full-text match, then the passages; BM25 and dense
        retrieval of one hybrid search) otherwise saw an ingest commit between two of them: passages
        gone (an empty result) or two versions of a file in one result (robustness tests). The block's
        reads go through a connection of their own holding one read transaction (WAL: writers are
        not blocked, and the snapshot takes no lock that other threads wait for). Nested blocks share
        the outer one; writes still go through the store's connection.
        """
        if self.path == ":memory:" or getattr(self._local, "snapshot", None) is not None:
            yield
            return
        _ = self._main_conn  # the database exists, with its schema
        try:
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            conn.execute("BEGIN")
            conn.execute("SELECT count(*) FROM info").fetchone()  # the read transaction starts here
        except sqlite3.DatabaseError as exc:
            raise IndexStoreError(f"{self.path}: cannot read the index ({exc})") from exc
        self._local.snapshot = conn
        try:
            yield
        finally:
            self._local.snapshot = None
            conn.close()  # ends the read transaction

    def _connect(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
            row = conn.execute("SELECT value FROM info WHERE key='schema_version'").fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO info(key, value) VALUES('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
            elif int(row[0]) == 2:
                self._migrate_from_2(conn)
            elif int(row[0]) != SCHEMA_VERSION:
                raise IndexStoreError(
                    f"{self.path}: index schema version {row[0]}, this maritime expects {SCHEMA_VERSION}; "
                    "re-ingest into a new index folder"
                )
            conn.execute("CREATE INDEX IF NOT EXISTS documents_marking ON documents(marking)")
            self._check_levels(conn)
        except sqlite3.DatabaseError as exc:
            raise IndexStoreError(f"{self.path}: not a maritime index ({exc})") from exc
        return conn

    @staticmethod
    def _migrate_from_2(conn: sqlite3.Connection) -> None:
        """Version 2 had no markings: its passages become the lowest level, its full-text table that
        level's partition."""
        lowest = markings().lowest
        conn.execute("BEGIN IMMEDIATE")
        try:
            for table in ("documents", "files"):
                columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})").fetchall()}
                if "marking" not in columns:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN marking TEXT")
            conn.execute("UPDATE documents SET marking = ? WHERE marking IS NULL", (lowest,))
            conn.execute("UPDATE files SET marking = ? WHERE marking IS NULL", (lowest,))
            conn.execute(
                "INSERT OR IGNORE INTO partitions(marking, fts, level) VALUES (?, 'documents_fts', 0)",
                (lowest,),
            )
            conn.execute("UPDATE info SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- partitions (one full-text table per marking in use, holding what is marked at or below it) ---

    def _check_levels(self, conn: sqlite3.Connection) -> None:
        """The tables are cumulative in the order of the markings: that order may not change under them.

        The index records the levels when its first marked table is made; the configured list
        (``MARITIME_MARKINGS``) must keep it, and may only add levels above.
        """
        configured = list(markings().levels)
        row = conn.execute("SELECT value FROM info WHERE key = 'markings'").fetchone()
        used = {
            str(r[0]): int(r[1]) for r in conn.execute("SELECT marking, level FROM partitions").fetchall()
        }
        if row is None:  # unmarked, or migrated from version 2: only the lowest level's table
            misplaced = [m for m, lv in used.items() if m not in configured or configured.index(m) != lv]
            if misplaced:
                raise ConfigError(
                    f"{self.path}: its markings ({', '.join(sorted(used))}) do not fit MARITIME_MARKINGS "
                    f"({', '.join(configured)})"
                )
            return
        stored = json.loads(row[0])
        if configured[: len(stored)] != stored:
            raise ConfigError(
                f"{self.path}: this index was built with the markings {', '.join(stored)} (lowest first); "
                f"MARITIME_MARKINGS gives {', '.join(configured)}. Keep that order (levels may be added "
                "above), or ingest into a new index"
            )

    def _partition(self, conn: sqlite3.Connection, marking: str) -> list[str]:
        """The full-text tables a passage marked ``marking`` goes in: that of its marking (created and
        filled with the passages below it, inside the caller's transaction, when new) and those above."""
        levels = list(markings().levels)
        level = levels.index(marking)
        row = conn.execute("SELECT fts FROM partitions WHERE marking = ?", (marking,)).fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO info(key, value) VALUES('markings', ?) ON CONFLICT(key) DO UPDATE SET value = "
                "excluded.value",
                (json.dumps(levels),),
            )
            n = int(conn.execute("SELECT count(*) FROM partitions").fetchone()[0])
            table = f"fts_{n + 1}"
            conn.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5(terms, geo, tokenize = 'unicode61 remove_diacritics 2')"
            )
            # Ranking looks at the words only; the geo column holds grid cells for the geo filter.
            conn.execute(f"INSERT INTO {table}({table}, rank) VALUES('rank', 'bm25(1.0, 0.0)')")
            conn.execute(f"CREATE VIRTUAL TABLE {table}_vocab USING fts5vocab({table}, 'row')")
            below = conn.execute(
                "SELECT fts FROM partitions WHERE level < ? ORDER BY level DESC LIMIT 1", (level,)
            ).fetchone()
            if below is not None:  # everything marked below it, as the table under it holds it
                conn.execute(
                    f"INSERT INTO {table}(rowid, terms, geo) SELECT rowid, terms, geo FROM {below[0]}"
                )
            conn.execute(
                "INSERT INTO partitions(marking, fts, level) VALUES (?, ?, ?)", (marking, table, level)
            )
        return [
            str(r[0])
            for r in conn.execute("SELECT fts FROM partitions WHERE level >= ? ORDER BY level", (level,))
        ]

    def _table(self, allowed: Sequence[str]) -> str | None:
        """The full-text table a reader allowed ``allowed`` (lowest first) searches: that of the highest
        marking in use among them (None when none is in use)."""
        if not allowed:
            return None
        marks = ",".join("?" * len(allowed))
        row = self.conn.execute(
            f"SELECT fts FROM partitions WHERE marking IN ({marks}) ORDER BY level DESC LIMIT 1",
            list(allowed),
        ).fetchone()
        return str(row[0]) if row is not None else None

    def _allowed(self, clearance: str | None) -> tuple[str, ...]:
        return allowed_markings(clearance or self.clearance)

    def close(self) -> None:
        """Close the database connection (it reopens on next use)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: everything inside commits together or not at all."""
        with self._lock:
            conn = self._main_conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute(
                    "INSERT INTO info(key, value) VALUES('generation', '1') "
                    "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def generation(self) -> int:
        """A number that changes with every committed write (from any process)."""
        row = self.conn.execute("SELECT value FROM info WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    # -- serialisation ----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Serialise the store's settings (not its content)."""
        return default_to_dict(self, path=self.path, glossary=self.glossary, clearance=self.clearance)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SQLiteDocumentStore:
        """Rebuild a store from :meth:`to_dict`'s output."""
        return default_from_dict(cls, data)

    # -- DocumentStore protocol ---------------------------------------------------------------------

    def count_documents(self) -> int:
        """Number of documents in the store."""
        return int(self.conn.execute("SELECT count(*) FROM documents").fetchone()[0])

    def filter_documents(self, filters: dict[str, Any] | None = None) -> list[Document]:
        """Documents matching Haystack ``filters`` (all documents when None), in insertion order."""
        docs = self._select_documents("", ())
        if not filters:
            return docs
        if "operator" not in filters and "conditions" not in filters:
            raise ValueError(
                "Invalid filter syntax. See https://docs.haystack.deepset.ai/docs/metadata-filtering"
            )
        return [d for d in docs if document_matches_filter(filters, d)]

    def write_documents(
        self, documents: list[Document], policy: DuplicatePolicy = DuplicatePolicy.NONE
    ) -> int:
        """Write ``documents``; returns how many were written.

        ``DuplicatePolicy.NONE`` behaves as ``FAIL``: writing an id that exists raises
        ``DuplicateDocumentError`` and writes nothing of the batch.
        """
        if not isinstance(documents, list) or not all(isinstance(d, Document) for d in documents):
            raise ValueError("write_documents expects a list of haystack Document objects")
        if policy == DuplicatePolicy.NONE:
            policy = DuplicatePolicy.FAIL
        with self.transaction() as conn:
            return self._write(conn, documents, policy)

    def delete_documents(self, document_ids: list[str]) -> None:
        """Delete documents by id; unknown ids are ignored."""
        if not document_ids:
            return
        with self.transaction() as conn:
            self._delete_ids(conn, document_ids)

    # -- writing internals --------------------------------------------------------------------------

    def _write(self, conn: sqlite3.Connection, documents: list[Document], policy: DuplicatePolicy) -> int:
        written = 0
        seen: set[str] = set()
        for doc in documents:
            existing = conn.execute("SELECT rowid FROM documents WHERE id = ?", (doc.id,)).fetchone()
            if existing is not None or doc.id in seen:
                if policy == DuplicatePolicy.FAIL:
                    raise DuplicateDocumentError(f"ID '{doc.id}' already exists in the document store")
                if policy == DuplicatePolicy.SKIP:
                    continue
                self._delete_ids(conn, [doc.id])
            seen.add(doc.id)
            self._insert(conn, doc)
            written += 1
        return written

    def _insert(self, conn: sqlite3.Connection, doc: Document) -> None:
        meta = dict(doc.meta)
        # The column decides who sees the passage; the meta is kept as written (protocol round trip).
        marking = resolve_marking(meta.get(MARKING_KEY))
        language = meta.get(M.LANGUAGE)
        if not isinstance(language, str) or not language:
            language = detect_language(doc.content or "")
        emb_bytes, emb_dtype = (None, None)
        if doc.embedding is not None:
            emb_bytes, emb_dtype = _encode_embedding(doc.embedding)
        blob = doc.blob
        sparse = (
            json.dumps({"indices": doc.sparse_embedding.indices, "values": doc.sparse_embedding.values})
            if doc.sparse_embedding is not None
            else None
        )
        cur = conn.execute(
            "INSERT INTO documents(id, content, meta, source_path, language, blob, blob_mime, blob_meta, "
            "sparse, embedding, embedding_dtype, embedding_model, marking) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                doc.id,
                doc.content,
                json.dumps(meta, ensure_ascii=False),
                meta.get(M.SOURCE_PATH),
                language,
                blob.data if blob is not None else None,
                blob.mime_type if blob is not None else None,
                json.dumps(blob.meta) if blob is not None else None,
                sparse,
                emb_bytes,
                emb_dtype,
                (str(meta.get(EMBEDDING_MODEL_KEY) or EXTERNAL_MODEL)) if doc.embedding is not None else None,
                marking,
            ),
        )
        rowid = cur.lastrowid
        # What BM25 sees: the passage, plus its heading and title so that a passage under "Goulet de
        # Brest" is found by that name even when its own sentences do not repeat it.
        searchable = " ".join(
            str(part) for part in (meta.get(M.TITLE), meta.get(M.SECTION), doc.content) if part
        )
        positions = _positions(meta.get(M.POSITIONS))
        terms = index_terms(searchable, language if language != UNDETERMINED else "en")
        geo = " ".join(dict.fromkeys(t for lat, lon in positions for t in grid_tokens(lat, lon)))
        for table in self._partition(conn, marking):
            conn.execute(f"INSERT INTO {table}(rowid, terms, geo) VALUES (?, ?, ?)", (rowid, terms, geo))
        for lat, lon in positions:
            conn.execute(
                "INSERT INTO geotags(min_lat, max_lat, min_lon, max_lon, doc_rowid) VALUES (?,?,?,?,?)",
                (lat, lat, lon, lon, rowid),
            )

    def _delete_ids(self, conn: sqlite3.Connection, ids: Iterable[str]) -> None:
        for doc_id in ids:
            row = conn.execute("SELECT rowid FROM documents WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                continue
            self._delete_rowid(conn, row[0])

    @staticmethod
    def _delete_rowid(conn: sqlite3.Connection, rowid: int) -> None:
        tables = conn.execute(
            "SELECT p.fts FROM partitions p WHERE p.level >= (SELECT q.level FROM documents d "
            "JOIN partitions q ON q.marking = d.marking WHERE d.rowid = ?)",
            (rowid,),
        ).fetchall()
        for (table,) in tables:
            conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))
        conn.execute("DELETE FROM geotags WHERE doc_rowid = ?", (rowid,))
        conn.execute("DELETE FROM documents WHERE rowid = ?", (rowid,))

    # -- reading internals --------------------------------------------------------------------------

    _COLUMNS = "rowid, id, content, meta, blob, blob_mime, blob_meta, sparse, embedding, embedding_dtype"

    def _select_documents(self, where: str, params: Sequence[Any]) -> list[Document]:
        rows = self.conn.execute(f"SELECT {self._COLUMNS} FROM documents {where} ORDER BY rowid", params)
        return [self._row_to_document(r) for r in rows.fetchall()]

    def _documents_by_rowid(self, rowids: Sequence[int]) -> dict[int, Document]:
        out: dict[int, Document] = {}
        for chunk_start in range(0, len(rowids), 500):
            chunk = list(rowids[chunk_start : chunk_start + 500])
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                f"SELECT {self._COLUMNS} FROM documents WHERE rowid IN ({marks})", chunk
            ).fetchall():
                out[r[0]] = self._row_to_document(r)
        return out

    @staticmethod
    def _row_to_document(row: Sequence[Any]) -> Document:
        _rowid, doc_id, content, meta, blob, blob_mime, blob_meta, sparse, emb, emb_dtype = row
        sparse_embedding = None
        if sparse:
            data = json.loads(sparse)
            sparse_embedding = SparseEmbedding(indices=data["indices"], values=data["values"])
        return Document(
            id=doc_id,
            content=content,
            meta=json.loads(meta),
            blob=ByteStream(data=blob, mime_type=blob_mime, meta=json.loads(blob_meta) if blob_meta else {})
            if blob is not None
            else None,
            sparse_embedding=sparse_embedding,
            embedding=_decode_embedding(emb, emb_dtype),
        )

    def _geo_rowids(self, geo: GeoFilter) -> list[int]:
        min_lat, min_lon, max_lat, max_lon = geo.search_box()
        rows = self.conn.execute(
            "SELECT doc_rowid, min_lat, min_lon FROM geotags "
            "WHERE max_lat >= ? AND min_lat <= ? AND max_lon >= ? AND min_lon <= ?",
            (min_lat, max_lat, min_lon, max_lon),
        ).fetchall()
        if not rows:
            return []
        if geo.center is not None and geo.radius_nm is not None:
            lats = np.array([r[1] for r in rows])
            lons = np.array([r[2] for r in rows])
            keep = distances_nm(geo.center, lats, lons) <= geo.radius_nm
            rows = [r for r, k in zip(rows, keep, strict=True) if k]
        return sorted({int(r[0]) for r in rows})

    # -- retrieval ----------------------------------------------------------------------------------

    def fts_query(self, query: str, *, clearance: str | None = None) -> str:
        """The FTS5 MATCH expression for ``query``: every stem alternative and glossary translation."""
        return self._expression(query, self._allowed(clearance))

    def _expression(self, query: str, allowed: tuple[str, ...]) -> str:
        terms: list[str] = []
        for alternatives in query_term_alternatives(query):
            terms.extend(alternatives)
        if self.glossary:
            for expansion in Glossary.load().expand(query):
                terms.extend(expansion.translation_stems)
        unique = list(dict.fromkeys(t for t in terms if t))
        return " OR ".join(fts_quote(t) for t in self._without_common_terms(unique, allowed))

    def known_fraction(self, query: str, *, clearance: str | None = None) -> float:
        """Share of the query's content words that occur in the passages a reader with ``clearance``
        may see (1.0 when it has none).

        Every French and English stem of a word, and its glossary translations, count for it. Numbers
        and one- or two-letter tokens are left out. A question about nothing the publications mention
        ("who won the 1998 world cup?") scores near 0.

        Examples
        --------
        >>> store = SQLiteDocumentStore(":memory:")
        >>> store.write_documents([Document(content="Le feu du Portzic éclaire le Goulet.")])
        1
        >>> store.known_fraction("feux du goulet"), store.known_fraction("football world cup")
        (1.0, 0.0)
        """
        tokens = [t for t in tokenize(query) if not _is_stop(t)]
        alternatives = query_term_alternatives(query)  # one tuple per token above, same order
        translations: dict[str, set[str]] = {}
        if self.glossary:
            for expansion in Glossary.load().expand(query):
                for token in expansion.matched.split():
                    translations.setdefault(token, set()).update(expansion.translation_stems)
        groups = [
            set(alts) | translations.get(token, set())
            for token, alts in zip(tokens, alternatives, strict=True)
            if not all(t.isdigit() or len(t) <= 2 for t in alts)
        ]
        if not groups:
            return 1.0
        singles = sorted({t.split()[0] for g in groups for t in g})
        marks = ",".join("?" * len(singles))
        with self._lock:
            table = self._table(self._allowed(clearance))
            if table is None:
                return 0.0
            present = {
                r[0]
                for r in self.conn.execute(
                    f"SELECT term FROM {table}_vocab WHERE term IN ({marks}) AND doc > 0", singles
                ).fetchall()
            }
        known = sum(1 for g in groups if any(t.split()[0] in present for t in g))
        return known / len(groups)

    def _without_common_terms(self, terms: list[str], allowed: tuple[str, ...]) -> list[str]:
        """Drop single words found in half the passages or more, when rarer ones remain.

        FTS5's BM25 gives such words an IDF of (almost) zero, so they change no ranking; they only make
        FTS5 read and merge long posting lists ("brest" in a corpus about Brest).
        """
        words = [t for t in terms if " " not in t]
        if len(words) < 2:
            return terms
        with self._lock:
            table = self._table(allowed)
            if table is None:
                return terms
            generation = self.generation()
            cached = self._total_cache.get(table)
            if cached is None or cached[0] != generation:
                count = self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                self._total_cache[table] = cached = (generation, int(count))
            total = cached[1]
            if total < 50:
                return terms
            marks = ",".join("?" * len(words))
            df = dict(
                self.conn.execute(
                    f"SELECT term, doc FROM {table}_vocab WHERE term IN ({marks})", words
                ).fetchall()
            )
        common = {t for t in words if 2 * df.get(t, 0) >= total}
        if not common or not any(df.get(t, 0) > 0 for t in words if t not in common):
            return terms  # nothing common, or only common words match anything: keep them all
        return [t for t in terms if t not in common]

    def bm25_retrieval(
        self,
        query: str,
        *,
        top_k: int = 10,
        filters: dict[str, Any] | None = None,
        geo: GeoFilter | None = None,
        scale_score: bool = False,
        clearance: str | None = None,
    ) -> list[Document]:
        """BM25 over FTS5 with French/English stemming, accent folding, elision and glossary expansion.

        Returns at most ``top_k`` documents a reader with ``clearance`` may see, best first, each with
        ``score`` (higher is better; in [0, 1] when ``scale_score``), scored with the statistics of
        those documents alone.
        """
        if top_k <= 0:
            return []
        allowed = self._allowed(clearance)
        with self.snapshot():  # the match and the passages it finds from one state of the index
            return self._bm25_retrieval(query, top_k, filters, geo, scale_score, allowed)

    def _bm25_retrieval(
        self,
        query: str,
        top_k: int,
        filters: dict[str, Any] | None,
        geo: GeoFilter | None,
        scale_score: bool,
        allowed: tuple[str, ...],
    ) -> list[Document]:
        table = self._table(allowed)
        if table is None:
            return []
        expression = self._expression(query, allowed)
        if not expression:
            return []
        match = f"terms : ({expression})"
        if geo is not None:
            cells = grid_cells(geo.search_box())
            # The grid cells narrow the match inside FTS5 (scoring only what is near); the exact
            # distance or box test is then made on the positions of each candidate.
            match += " AND geo : (" + " OR ".join(cells) + ")"
        results: list[Document] = []
        fetch = top_k if not (filters or geo) else top_k * 4
        while True:
            with self._lock:
                hits = self.conn.execute(
                    f"SELECT rowid, rank FROM {table} WHERE {table} MATCH ? ORDER BY rank LIMIT ?",
                    (match, fetch),
                ).fetchall()
            if geo is not None:
                # Exact geographic test on the candidates' positions alone, before any Document
                # is built: only the survivors are read in full.
                near = self._rowids_within(geo, [h[0] for h in hits])
                candidates = [h for h in hits if h[0] in near]
            else:
                candidates = hits
            docs = self._documents_by_rowid([h[0] for h in candidates[: top_k if not filters else None]])
            results = []
            for rowid, rank in candidates:
                doc = docs.get(rowid)
                if doc is None:
                    docs.update(self._documents_by_rowid([rowid]))
                    doc = docs.get(rowid)
                    if doc is None:
                        continue
                if filters and not document_matches_filter(filters, doc):
                    continue
                score = -float(rank)
                results.append(replace(doc, score=1 / (1 + math.exp(-score / 8)) if scale_score else score))
                if len(results) == top_k:
                    return results
            if len(hits) < fetch:
                return results
            fetch *= 4

    def _rowids_within(self, geo: GeoFilter, rowids: Sequence[int]) -> set[int]:
        """Those of ``rowids`` whose passage gives a position inside the geographic filter."""
        if not rowids:
            return set()
        marks = ",".join("?" * len(rowids))
        rows = self.conn.execute(
            f"SELECT rowid, json_extract(meta, '$.{M.POSITIONS}') FROM documents WHERE rowid IN ({marks})",
            list(rowids),
        ).fetchall()
        owners: list[int] = []
        lats: list[float] = []
        lons: list[float] = []
        for rowid, positions in rows:
            for lat, lon in _positions(json.loads(positions) if positions else None):
                owners.append(int(rowid))
                lats.append(lat)
                lons.append(lon)
        if not owners:
            return set()
        lat_arr, lon_arr = np.array(lats), np.array(lons)
        if geo.center is not None and geo.radius_nm is not None:
            keep = distances_nm(geo.center, lat_arr, lon_arr) <= geo.radius_nm
        else:
            assert geo.bbox is not None
            min_lat, min_lon, max_lat, max_lon = geo.bbox
            keep = (lat_arr >= min_lat) & (lat_arr <= max_lat) & (lon_arr >= min_lon) & (lon_arr <= max_lon)
        return {owner for owner, k in zip(owners, keep, strict=True) if k}

    def _dense_matrix(self, model: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row ids, their markings and their unit vectors for the passages embedded by ``model``."""
        gen = self.generation()
        cached = self._dense_cache.get(model)
        if cached is not None and cached[0] == gen:
            return cached[1], cached[2], cached[3]
        with self._lock:
            rows = self.conn.execute(
                "SELECT rowid, embedding, embedding_dtype, marking FROM documents "
                "WHERE embedding IS NOT NULL AND embedding_model = ?",
                (model,),
            ).fetchall()
        marks = np.array([r[3] for r in rows], dtype=object)
        if not rows:
            ids, matrix = np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        else:
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            matrix = np.vstack(
                [np.frombuffer(r[1], dtype=np.float32 if r[2] == "f4" else np.float64) for r in rows]
            ).astype(np.float32)
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            matrix /= np.where(norms == 0, 1, norms)
        self._dense_cache[model] = (gen, ids, marks, matrix)
        return ids, marks, matrix

    def embedding_retrieval(
        self,
        query_embedding: Sequence[float] | np.ndarray,
        *,
        model: str,
        top_k: int = 10,
        filters: dict[str, Any] | None = None,
        geo: GeoFilter | None = None,
        clearance: str | None = None,
    ) -> list[Document]:
        """Cosine-similarity search over the passages embedded by ``model`` that a reader with
        ``clearance`` may see (the others are masked before ranking)."""
        if top_k <= 0:
            return []
        allowed = self._allowed(clearance)
        with self.snapshot():  # the vectors and the passages they point to from one state
            return self._embedding_retrieval(query_embedding, model, top_k, filters, geo, allowed)

    def _embedding_retrieval(
        self,
        query_embedding: Sequence[float] | np.ndarray,
        model: str,
        top_k: int,
        filters: dict[str, Any] | None,
        geo: GeoFilter | None,
        allowed: tuple[str, ...],
    ) -> list[Document]:
        ids, marks, matrix = self._dense_matrix(model)
        if len(ids) == 0:
            return []
        q = np.asarray(query_embedding, dtype=np.float32)
        if q.shape[0] != matrix.shape[1]:
            raise IndexStoreError(
                f"query embedding has {q.shape[0]} dimensions but passages embedded by {model!r} have "
                f"{matrix.shape[1]}"
            )
        q = q / (np.linalg.norm(q) or 1.0)
        scores = np.where(np.isin(marks, list(allowed)), matrix @ q, -np.inf)
        if geo is not None:
            in_area = np.isin(ids, np.array(self._geo_rowids(geo), dtype=np.int64))
            scores = np.where(in_area, scores, -np.inf)
        order = np.argsort(-scores, kind="stable")
        results: list[Document] = []
        batch = top_k if not filters else top_k * 4
        start = 0
        while start < len(order) and len(results) < top_k:
            chosen = [int(i) for i in order[start : start + batch] if np.isfinite(scores[i])]
            if not chosen:
                break
            docs = self._documents_by_rowid([int(ids[i]) for i in chosen])
            for i in chosen:
                doc = docs.get(int(ids[i]))
                if doc is None or (filters and not document_matches_filter(filters, doc)):
                    continue
                results.append(replace(doc, score=float(scores[i])))
                if len(results) == top_k:
                    break
            start += batch
            batch *= 4
        return results

    # -- ingest bookkeeping -------------------------------------------------------------------------

    def file_record(self, path: str) -> FileRecord | None:
        """What was recorded when ``path`` (absolute) was last ingested, or None."""
        row = self.conn.execute(
            f"SELECT {_FILE_COLUMNS} FROM files WHERE path = ?",
            (path,),
        ).fetchone()
        return _file_record(row) if row else None

    def files(self, *, clearance: str | None = None, everything: bool = False) -> list[FileRecord]:
        """The ingested files a reader with ``clearance`` may see (all of them with ``everything``),
        by source name."""
        rows = self.conn.execute(f"SELECT {_FILE_COLUMNS} FROM files ORDER BY source").fetchall()
        records = [_file_record(r) for r in rows]
        if everything:
            return records
        allowed = self._allowed(clearance)
        lowest = markings().lowest
        return [r for r in records if (r.marking or lowest) in allowed]

    def replace_file(self, record: FileRecord, documents: list[Document]) -> None:
        """Atomically replace every passage of ``record.path`` by ``documents`` and record the file.

        Readers see either all the old passages or all the new ones, never a mix; an interruption
        leaves the old ones.
        """
        marking = resolve_marking(record.marking)
        documents = [replace(d, meta={**d.meta, MARKING_KEY: marking}) for d in documents]
        with self.transaction() as conn:
            for (rowid,) in conn.execute(
                "SELECT rowid FROM documents WHERE source_path = ?", (record.path,)
            ).fetchall():
                self._delete_rowid(conn, rowid)
            self._write(conn, documents, DuplicatePolicy.OVERWRITE)
            conn.execute(
                "INSERT OR REPLACE INTO files(path, source, sha256, size, n_pages, n_passages, skipped_pages, "
                "marking) VALUES (?,?,?,?,?,?,?,?)",
                (
                    record.path,
                    record.source,
                    record.sha256,
                    record.size,
                    record.n_pages,
                    record.n_passages,
                    json.dumps(list(record.skipped_pages)),
                    resolve_marking(record.marking),
                ),
            )

    def remove_file(self, path: str) -> int:
        """Remove a file and its passages; returns the number of passages removed."""
        with self.transaction() as conn:
            rows = conn.execute("SELECT rowid FROM documents WHERE source_path = ?", (path,)).fetchall()
            for (rowid,) in rows:
                self._delete_rowid(conn, rowid)
            conn.execute("DELETE FROM files WHERE path = ?", (path,))
        return len(rows)

    def missing_embeddings(self, model: str, limit: int) -> list[tuple[int, str]]:
        """Up to ``limit`` (rowid, text) pairs of passages not yet embedded by ``model``."""
        rows = self.conn.execute(
            "SELECT rowid, content FROM documents WHERE content IS NOT NULL "
            "AND (embedding_model IS NULL OR embedding_model != ?) ORDER BY rowid LIMIT ?",
            (model, limit),
        ).fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    def count_missing_embeddings(self, model: str) -> int:
        """How many passages are not yet embedded by ``model``."""
        row = self.conn.execute(
            "SELECT count(*) FROM documents WHERE content IS NOT NULL "
            "AND (embedding_model IS NULL OR embedding_model != ?)",
            (model,),
        ).fetchone()
        return int(row[0])

    def set_embeddings(self, model: str, items: Sequence[tuple[int, np.ndarray]]) -> None:
        """Store embeddings computed by ``model`` for passages given by rowid (one transaction)."""
        with self.transaction() as conn:
            for rowid, vector in items:
                data, dtype = _encode_embedding(vector)
                conn.execute(
                    "UPDATE documents SET embedding = ?, embedding_dtype = ?, embedding_model = ? "
                    "WHERE rowid = ?",
                    (data, dtype, model, rowid),
                )

    def embedding_models(self) -> dict[str, int]:
        """Passages embedded per model name."""
        rows = self.conn.execute(
            "SELECT embedding_model, count(*) FROM documents WHERE embedding_model IS NOT NULL "
            "GROUP BY embedding_model"
        ).fetchall()
        return {str(r[0]): int(r[1]) for r in rows}


#: Grid levels for the geo column: (cell size in degrees, token prefix), finest first.
_GRID_LEVELS = ((0.1, "c"), (1.0, "b"), (10.0, "a"))
#: Most grid cells a geo filter may name before a coarser level is used.
_MAX_CELLS = 64


def grid_tokens(lat: float, lon: float) -> list[str]:
    """The grid cells containing a position, one per level, as FTS5 tokens.

    Examples
    --------
    >>> grid_tokens(48.3583, -4.55)
    ['c1383x1754', 'b138x175', 'a13x17']
    """
    out = []
    for size, prefix in _GRID_LEVELS:
        i = min(math.floor((lat + 90.0) / size), round(180.0 / size) - 1)
        j = min(math.floor((lon + 180.0) / size), round(360.0 / size) - 1)
        out.append(f"{prefix}{i}x{j}")
    return out


def grid_cells(box: tuple[float, float, float, float]) -> list[str]:
    """Tokens of the cells covering (min_lat, min_lon, max_lat, max_lon), at the finest level that
    needs at most 64 of them.

    Examples
    --------
    >>> grid_cells((48.30, -4.60, 48.38, -4.50))
    ['c1383x1754', 'c1383x1755']
    """
    min_lat, min_lon, max_lat, max_lon = box
    for size, prefix in _GRID_LEVELS:
        i0 = math.floor((min_lat + 90.0) / size)
        i1 = min(math.floor((max_lat + 90.0) / size), round(180.0 / size) - 1)
        j0 = math.floor((min_lon + 180.0) / size)
        j1 = min(math.floor((max_lon + 180.0) / size), round(360.0 / size) - 1)
        if (i1 - i0 + 1) * (j1 - j0 + 1) <= _MAX_CELLS or prefix == "a":
            return [f"{prefix}{i}x{j}" for i in range(i0, i1 + 1) for j in range(j0, j1 + 1)]
    return []  # unreachable: the coarsest level always answers


_FILE_COLUMNS = "path, source, sha256, size, n_pages, n_passages, skipped_pages, ingested_at, marking"


def _file_record(row: Sequence[Any]) -> FileRecord:
    return FileRecord(
        path=row[0],
        source=row[1],
        sha256=row[2],
        size=int(row[3]),
        n_pages=row[4],
        n_passages=int(row[5]),
        skipped_pages=tuple((int(p), str(r)) for p, r in json.loads(row[6])),
        ingested_at=row[7],
        marking=row[8],
    )


def _positions(value: Any) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    if not isinstance(value, list):
        return out
    for item in value:
        if isinstance(item, list | tuple) and len(item) == 2:
            lat, lon = float(item[0]), float(item[1])
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                out.append((lat, lon))
    return out
