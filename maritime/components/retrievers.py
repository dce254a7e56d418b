"""Haystack retriever components over :class:`~maritime.store.sqlite_store.SQLiteDocumentStore`."""

from __future__ import annotations

from typing import Any

from haystack import Document, component, default_from_dict, default_to_dict

from maritime.geo.coordinates import Position
from maritime.store.sqlite_store import GeoFilter, SQLiteDocumentStore


def _geo(near: list[float] | None, radius_nm: float | None, bbox: list[float] | None) -> GeoFilter | None:
    if bbox:
        return GeoFilter(bbox=(bbox[0], bbox[1], bbox[2], bbox[3]))
    if near and radius_nm:
        return GeoFilter(center=Position(near[0], near[1]), radius_nm=radius_nm)
    return None


def _with_store(data: dict[str, Any]) -> dict[str, Any]:
    """A serialised retriever with its document store rebuilt from its own serialised form."""
    params = data.get("init_parameters", {})
    params["document_store"] = SQLiteDocumentStore.from_dict(params["document_store"])
    return data


@component
class SQLiteBM25Retriever:
    """BM25 over FTS5 with French/English stemming and glossary expansion, with an optional geo filter.

    ``near`` is [lat, lon]; ``bbox`` is [min_lat, min_lon, max_lat, max_lon]. ``clearance``: only
    passages marked at or below it are searched (default: ``MARITIME_CLEARANCE``, else the lowest
    marking; :mod:`maritime.access`).
    """

    def __init__(
        self, *, document_store: SQLiteDocumentStore, top_k: int = 10, scale_score: bool = False
    ) -> None:
        if not isinstance(document_store, SQLiteDocumentStore):
            raise ValueError("document_store must be a SQLiteDocumentStore")
        self.document_store = document_store
        self.top_k = top_k
        self.scale_score = scale_score

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(
            self, document_store=self.document_store.to_dict(), top_k=self.top_k, scale_score=self.scale_score
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SQLiteBM25Retriever:
        return default_from_dict(cls, _with_store(data))

    @component.output_types(documents=list[Document])
    def run(
        self,
        query: str,
        filters: dict[str, Any] | None = None,
        top_k: int | None = None,
        near: list[float] | None = None,
        radius_nm: float | None = None,
        bbox: list[float] | None = None,
        clearance: str | None = None,
    ) -> dict[str, Any]:
        docs = self.document_store.bm25_retrieval(
            query,
            top_k=top_k or self.top_k,
            filters=filters,
            geo=_geo(near, radius_nm, bbox),
            scale_score=self.scale_score,
            clearance=clearance,
        )
        return {"documents": docs}


@component
class SQLiteEmbeddingRetriever:
    """Cosine similarity over the passages embedded by ``model``, with an optional geo filter; only
    passages marked at or below ``clearance`` are searched."""

    def __init__(self, *, document_store: SQLiteDocumentStore, model: str, top_k: int = 10) -> None:
        if not isinstance(document_store, SQLiteDocumentStore):
            raise ValueError("document_store must be a SQLiteDocumentStore")
        self.document_store = document_store
        self.model = model
        self.top_k = top_k

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(
            self, document_store=self.document_store.to_dict(), model=self.model, top_k=self.top_k
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SQLiteEmbeddingRetriever:
        return default_from_dict(cls, _with_store(data))

    @component.output_types(documents=list[Document])
    def run(
        self,
        query_embedding: list[float],
        filters: dict[str, Any] | None = None,
        top_k: int | None = None,
        near: list[float] | None = None,
        radius_nm: float | None = None,
        bbox: list[float] | None = None,
        clearance: str | None = None,
    ) -> dict[str, Any]:
        docs = self.document_store.embedding_retrieval(
            query_embedding,
            model=self.model,
            top_k=top_k or self.top_k,
            filters=filters,
            geo=_geo(near, radius_nm, bbox),
            clearance=clearance,
        )
        return {"documents": docs}
