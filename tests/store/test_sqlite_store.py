"""The SQLite store against Haystack's own DocumentStore test suite, plus its own features."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from haystack import Document
from haystack.document_stores.types import DuplicatePolicy
from haystack.testing.document_store import DocumentStoreBaseTests

from maritime import meta as M
from maritime.errors import IndexStoreError
from maritime.geo.coordinates import Position
from maritime.store.sqlite_store import FileRecord, GeoFilter, SQLiteDocumentStore


class TestHaystackProtocol(DocumentStoreBaseTests):
    """Haystack's conformance tests (write/filter/delete/count and the filter syntax)."""

    @pytest.fixture
    def document_store(self, tmp_path: Path) -> SQLiteDocumentStore:
        return SQLiteDocumentStore(tmp_path / "docs.sqlite")

    def test_write_documents(self, document_store: SQLiteDocumentStore) -> None:
        doc = Document(content="test doc")
        assert document_store.write_documents([doc]) == 1
        from haystack.document_stores.errors import DuplicateDocumentError

        with pytest.raises(DuplicateDocumentError):
            document_store.write_documents([doc])
        assert document_store.filter_documents() == [doc]


def test_to_dict_round_trip(tmp_path: Path) -> None:
    store = SQLiteDocumentStore(tmp_path / "a.sqlite", glossary=False)
    again = SQLiteDocumentStore.from_dict(store.to_dict())
    assert again.path == store.path and again.glossary is False


def test_persists_across_connections(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    store = SQLiteDocumentStore(path)
    store.write_documents([Document(id="a", content="Feu du Minou", meta={"language": "fr"})])
    store.close()
    reopened = SQLiteDocumentStore(path)
    assert reopened.count_documents() == 1
    assert reopened.bm25_retrieval("minou", top_k=1)[0].id == "a"


def test_not_an_index(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(IndexStoreError, match=r"bad\.sqlite"):
        SQLiteDocumentStore(bad).count_documents()


FR = Document(id="fr", content="Les feux du Goulet de Brest sont à occultations.", meta={M.LANGUAGE: "fr"})
EN = Document(id="en", content="Anchoring is prohibited in the roadstead.", meta={M.LANGUAGE: "en"})
OTHER = Document(id="x", content="Tidal streams run strongly off the point.", meta={M.LANGUAGE: "en"})


@pytest.fixture
def small_store() -> SQLiteDocumentStore:
    store = SQLiteDocumentStore(":memory:")
    store.write_documents([FR, EN, OTHER])
    return store


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("feu", "fr"),  # singular finds plural (French stemming)
        ("GOULET", "fr"),  # case
        ("occultation", "fr"),
        ("anchor", "en"),  # English stemming: anchoring
        ("mouillage interdit", "en"),  # glossary: French query, English passage
        ("lights of the narrows", "fr"),  # glossary: English query, French passage
    ],
    ids=["fr-plural", "case", "fr-stem", "en-stem", "glossary-fr-to-en", "glossary-en-to-fr"],
)
def test_bm25_languages(small_store: SQLiteDocumentStore, query: str, expected: str) -> None:
    docs = small_store.bm25_retrieval(query, top_k=1)
    assert [d.id for d in docs] == [expected]
    assert docs[0].score is not None and docs[0].score > 0


def test_bm25_accents_and_elision() -> None:
    store = SQLiteDocumentStore(":memory:", glossary=False)
    store.write_documents([Document(id="e", content="L'épave de l'Île Longue", meta={M.LANGUAGE: "fr"})])
    assert [d.id for d in store.bm25_retrieval("epave ile", top_k=3)] == ["e"]
    assert [d.id for d in store.bm25_retrieval("ÉPAVES", top_k=3)] == ["e"]
    assert store.bm25_retrieval("le la les", top_k=3) == []  # only stop words


def test_bm25_filters(small_store: SQLiteDocumentStore) -> None:
    docs = small_store.bm25_retrieval(
        "feux roadstead streams", top_k=5, filters={"field": "meta.language", "operator": "==", "value": "en"}
    )
    assert {d.id for d in docs} == {"en", "x"}


def test_bm25_query_syntax_is_not_interpreted(small_store: SQLiteDocumentStore) -> None:
    for query in ['"unbalanced', "feu AND OR NOT", "col:feu", "feu*", "(((", "NEAR(feu goulet)"]:
        small_store.bm25_retrieval(query, top_k=3)  # must not raise an FTS5 syntax error


def test_geo_filter_radius_and_bbox() -> None:
    store = SQLiteDocumentStore(":memory:")
    portzic = [48.3583, -4.5333]
    stmathieu = [48.3300, -4.7717]
    store.write_documents(
        [
            Document(id="p", content="feu du Portzic", meta={M.POSITIONS: [portzic]}),
            Document(id="s", content="feu de Saint-Mathieu", meta={M.POSITIONS: [stmathieu]}),
            Document(id="n", content="feu sans position"),
        ]
    )
    near = GeoFilter(center=Position(*portzic), radius_nm=2)
    assert [d.id for d in store.bm25_retrieval("feu", top_k=5, geo=near)] == ["p"]
    # Saint-Mathieu is about 8.7 NM west of Portzic: inside 10 NM, outside 8.
    assert {
        d.id
        for d in store.bm25_retrieval("feu", top_k=5, geo=GeoFilter(center=Position(*portzic), radius_nm=10))
    } == {"p", "s"}
    assert {
        d.id
        for d in store.bm25_retrieval("feu", top_k=5, geo=GeoFilter(center=Position(*portzic), radius_nm=8))
    } == {"p"}
    box = GeoFilter(bbox=(48.3, -4.8, 48.34, -4.7))
    assert [d.id for d in store.bm25_retrieval("feu", top_k=5, geo=box)] == ["s"]
    with pytest.raises(ValueError, match="bbox"):
        GeoFilter(bbox=(48.4, -4.8, 48.3, -4.7))


def test_embedding_retrieval_and_model_separation() -> None:
    store = SQLiteDocumentStore(":memory:")
    store.write_documents([Document(id=str(i), content=f"passage {i}") for i in range(3)])
    rows = [r for r, _ in store.missing_embeddings("m1", 10)]
    vectors = np.eye(3, dtype=np.float32)
    store.set_embeddings("m1", list(zip(rows, vectors, strict=True)))
    assert store.count_missing_embeddings("m1") == 0
    assert store.count_missing_embeddings("m2") == 3
    hits = store.embedding_retrieval([0.1, 0.9, 0.0], model="m1", top_k=2)
    assert [d.id for d in hits] == ["1", "0"]
    assert hits[0].score == pytest.approx(0.9 / np.hypot(0.1, 0.9), rel=1e-6)
    assert store.embedding_retrieval([1, 0, 0], model="m2", top_k=2) == []
    with pytest.raises(IndexStoreError, match="dimensions"):
        store.embedding_retrieval([1, 0], model="m1", top_k=2)


def test_embeddings_round_trip_exactly() -> None:
    store = SQLiteDocumentStore(":memory:")
    exact32 = [0.5, 0.25, -1.0]
    not32 = [0.1, 0.2, 0.3]
    store.write_documents(
        [Document(id="a", content="a", embedding=exact32), Document(id="b", content="b", embedding=not32)]
    )
    by_id = {d.id: d for d in store.filter_documents()}
    assert by_id["a"].embedding == exact32
    assert by_id["b"].embedding == not32


def _record(path: str, sha: str, n: int) -> FileRecord:
    return FileRecord(
        path=path,
        source="f.pdf",
        sha256=sha,
        size=1,
        n_pages=1,
        n_passages=n,
        skipped_pages=(),
        ingested_at="",
    )


def test_replace_file_is_atomic(tmp_path: Path) -> None:
    store = SQLiteDocumentStore(tmp_path / "s.sqlite")
    old = [
        Document(id=f"old{i}", content=f"ancien texte {i}", meta={M.SOURCE_PATH: "/f.pdf"}) for i in range(3)
    ]
    store.replace_file(_record("/f.pdf", "v1", 3), old)
    new = [Document(id="new0", content="nouveau texte", meta={M.SOURCE_PATH: "/f.pdf"}), old[0]]
    # a document that cannot be stored (meta not JSON-serialisable) makes the replacement fail midway
    with pytest.raises(TypeError):
        store.replace_file(
            _record("/f.pdf", "v2", 2), [*new, Document(id="bad", content="x", meta={"o": object()})]
        )
    assert sorted(d.id for d in store.filter_documents()) == ["old0", "old1", "old2"]
    assert store.file_record("/f.pdf").sha256 == "v1"  # type: ignore[union-attr]
    store.replace_file(_record("/f.pdf", "v2", 2), new)
    assert sorted(d.id for d in store.filter_documents()) == ["new0", "old0"]
    assert [d.id for d in store.bm25_retrieval("ancien", top_k=5)] == ["old0"]
    assert store.remove_file("/f.pdf") == 2
    assert store.count_documents() == 0 and store.files() == []


def test_write_policies_keep_fts_in_sync() -> None:
    store = SQLiteDocumentStore(":memory:", glossary=False)
    store.write_documents([Document(id="1", content="bouée cardinale")])
    store.write_documents([Document(id="1", content="balise latérale")], policy=DuplicatePolicy.OVERWRITE)
    assert store.bm25_retrieval("bouée", top_k=3) == []
    assert [d.id for d in store.bm25_retrieval("balise", top_k=3)] == ["1"]
    store.delete_documents(["1"])
    assert store.bm25_retrieval("balise", top_k=3) == []


@pytest.mark.parametrize(
    ("center", "radius_nm"),
    [
        ((48.35, -4.55), 3.0),
        ((48.35, -4.55), 7.0),
        ((48.30, -4.95), 40.0),
        ((0.05, 179.95), 12.0),
        ((89.9, 10.0), 30.0),
    ],
    ids=["brest-3nm", "brest-7nm", "iroise-40nm", "antimeridian", "near-pole"],
)
def test_geo_filter_equals_brute_force(center: tuple[float, float], radius_nm: float) -> None:
    """The grid cells only narrow the search: the result is exactly the passages within the radius."""
    from pyproj import Geod

    rng = np.random.default_rng(7)
    lat0, lon0 = center
    docs = []
    for i in range(400):
        lat = float(np.clip(lat0 + rng.normal(0, 0.4), -90, 90))
        lon = float(((lon0 + rng.normal(0, 0.6)) + 180) % 360 - 180)
        docs.append(
            Document(id=f"d{i}", content=f"épave signalée numéro {i}", meta={M.POSITIONS: [[lat, lon]]})
        )
    store = SQLiteDocumentStore(":memory:", glossary=False)
    store.write_documents(docs)
    geod = Geod(ellps="WGS84")
    expected = set()
    for d in docs:
        lat, lon = d.meta[M.POSITIONS][0]
        _, _, metres = geod.inv(lon0, lat0, lon, lat)
        if metres / 1852.0 <= radius_nm:
            expected.add(d.id)
    got = {
        d.id
        for d in store.bm25_retrieval(
            "épave", top_k=1000, geo=GeoFilter(center=Position(*center), radius_nm=radius_nm)
        )
    }
    assert got == expected
    assert 0 < len(expected) < len(docs)  # the case really filters


def test_dropping_common_words_changes_no_ranking() -> None:
    """Words in half the passages or more have an IDF of ~0 in FTS5's BM25: leaving them out of the
    query must give the same ranking as FTS5 gives with them."""
    rng = np.random.default_rng(3)
    docs = []
    for i in range(120):
        words = ["brest"] * int(rng.integers(1, 4)) + ["rade"] * int(rng.integers(0, 3))
        if i % 7 == 0:
            words += ["portzic"] * int(rng.integers(1, 3))
        if i % 11 == 0:
            words += ["minou"]
        docs.append(
            Document(id=f"d{i:03d}", content=" ".join(words) + f" passage {i}", meta={M.LANGUAGE: "fr"})
        )
    store = SQLiteDocumentStore(":memory:", glossary=False)
    store.write_documents(docs)
    expression = store.fts_query("brest portzic minou")
    assert '"brest"' not in expression and '"portzic"' in expression
    (table,) = store.conn.execute("SELECT fts FROM partitions").fetchone()  # unmarked: one table
    full = dict(
        store.conn.execute(
            f"SELECT d.id, -f.rank FROM {table} f JOIN documents d ON d.rowid = f.rowid "
            f'WHERE {table} MATCH \'terms : ("brest" OR "portzic" OR "minou")\''
        ).fetchall()
    )
    got = store.bm25_retrieval("brest portzic minou", top_k=10)
    # Same scores (to the 1e-6 IDF FTS5 gives a common word), so the same ranking up to exact ties.
    assert [d.score for d in got] == pytest.approx(sorted(full.values(), reverse=True)[:10], abs=1e-4)
    assert all(d.score == pytest.approx(full[d.id], abs=1e-4) for d in got)
    # Only common words: they are kept, so the query still finds passages.
    assert len(store.bm25_retrieval("brest", top_k=5)) == 5
