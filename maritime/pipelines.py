"""Haystack pipelines built in Python; the YAML in ``pipelines/`` is generated from these builders.

Loading a pipeline from YAML goes through :func:`load_pipeline`, which only lets Haystack import
classes from ``haystack`` and ``maritime`` (never ``unsafe``).
"""

from __future__ import annotations

from pathlib import Path

from haystack import Pipeline
from haystack.components.joiners import DocumentJoiner

from maritime.components.embedders import MaritimeTextEmbedder
from maritime.components.retrievers import SQLiteBM25Retriever, SQLiteEmbeddingRetriever
from maritime.store.sqlite_store import SQLiteDocumentStore

#: Candidates each retriever gives the fusion step, per requested result.
FUSION_DEPTH = 4


def build_search_pipeline(store: SQLiteDocumentStore, *, embedder: str | None, top_k: int = 10) -> Pipeline:
    """Hybrid text retrieval: BM25 and dense retrieval fused by reciprocal rank fusion.

    Inputs: ``bm25.query``, and, with an embedder, ``text_embedder.text``; optional ``filters``,
    ``near``/``radius_nm``/``bbox`` on both retrievers. Output: ``joiner.documents`` (or
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


def load_pipeline(path: Path) -> Pipeline:
    """Load a pipeline YAML, allowing only ``haystack`` and ``maritime`` classes."""
    return Pipeline.loads(path.read_text(encoding="utf-8"), allowed_modules=["maritime"])
