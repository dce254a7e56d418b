"""Haystack components of the ask pipeline: analyse, query the chart, rank, build the context, answer.

Each has a keyword-only ``__init__`` that stores its arguments and does no I/O; the chart store and
catalogues are opened in an idempotent ``warm_up()``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from haystack import Document, component, default_from_dict, default_to_dict
from haystack.dataclasses import ChatMessage
from shapely.geometry import mapping

from maritime import meta as M
from maritime.access import markings, resolve_clearance
from maritime.answer import Answer, ChartRef, Citation
from maritime.answering.chartfacts import chart_refs
from maritime.answering.citations import check_answer
from maritime.answering.context import build_context
from maritime.answering.extractive import compose
from maritime.answering.query import QueryAnalysis, QueryAnalyzer
from maritime.geo.coordinates import Position
from maritime.geo.geodesy import distances_nm
from maritime.llm import tokenization
from maritime.store.sqlite_store import SQLiteDocumentStore

logger = logging.getLogger(__name__)

#: Point features a "what is at this position" question may answer with the nearest one.
_POINT_CLASSES = frozenset({"SOUNDG", "WRECKS", "OBSTRN", "UWTROC"})
#: Chart features returned by a "within" question (the nearest first).
MAX_WITHIN = 20


def _open_charts(charts_path: str | None, clearance: str) -> Any:
    if not charts_path:
        return None
    from maritime.enc.store import ChartStore

    return ChartStore.open(Path(charts_path), clearance=clearance)


@component
class MaritimeQueryAnalyzer:
    """Language, positions, places (gazetteer), radius, object classes and intent of a question.

    ``clearance`` (:mod:`maritime.access`; default ``MARITIME_CLEARANCE``, else the lowest marking)
    limits the place names to the charts and place lists it allows; it is put in the analysis and
    given out for the retrievers, so that a pipeline takes it in one place. A ``previous`` analysis
    made under another clearance is not followed up.
    """

    def __init__(self, *, charts_path: str | None = None) -> None:
        self.charts_path = charts_path
        self._analyzers: dict[str, QueryAnalyzer] = {}

    def _analyzer(self, clearance: str) -> QueryAnalyzer:
        if clearance not in self._analyzers:
            from maritime.enc.catalogue import Catalogue

            store = _open_charts(self.charts_path, clearance)
            gazetteer = store.gazetteer if store is not None and store.datasets() else None
            self._analyzers[clearance] = QueryAnalyzer(Catalogue.load(), gazetteer)
        return self._analyzers[clearance]

    def warm_up(self) -> None:
        self._analyzer(resolve_clearance(None))

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, charts_path=self.charts_path)

    @component.output_types(analysis=QueryAnalysis, query=str, clearance=str)
    def run(
        self,
        question: str,
        language: str | None = None,
        near: list[float] | None = None,
        radius_nm: float | None = None,
        previous: QueryAnalysis | None = None,
        clearance: str | None = None,
    ) -> dict[str, Any]:
        level = resolve_clearance(clearance)
        if previous is not None and previous.clearance != level:
            previous = None  # what was asked under another clearance is not carried over
        position = Position(near[0], near[1]) if near else None
        analysis = self._analyzer(level).analyze(
            question, language=language, near=position, radius_nm=radius_nm, previous=previous
        )
        analysis = replace(analysis, clearance=level)
        query = question
        if analysis.follow_up and previous is not None:
            # "et le suivant ?" alone retrieves nothing: carry the previous subject into the search.
            query = f"{previous.question} {question}"
        return {"analysis": analysis, "query": query, "clearance": level}


@component
class MaritimeChartQuery:
    """Run the chart query the analysis asks for and return numbered, decoded chart features."""

    def __init__(self, *, charts_path: str | None = None) -> None:
        self.charts_path = charts_path
        #: One chart store per clearance: each loads only the datasets its clearance allows, so that
        #: the overlap of cells and every query are those of that clearance alone.
        self._stores: dict[str, Any] = {}

    def _store(self, clearance: str) -> Any:
        if clearance not in self._stores:
            self._stores[clearance] = _open_charts(self.charts_path, clearance)
        return self._stores[clearance]

    def warm_up(self) -> None:
        self._store(resolve_clearance(None))

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, charts_path=self.charts_path)

    @component.output_types(chart_refs=list[ChartRef], answered_by=list[str], datum=str | None)
    def run(self, analysis: QueryAnalysis) -> dict[str, Any]:
        store = self._store(resolve_clearance(analysis.clearance))
        position = analysis.position
        empty: dict[str, Any] = {"chart_refs": [], "answered_by": [], "datum": None}
        if store is None or position is None or analysis.chart_task == "none" or not store.datasets():
            return empty
        classes = list(analysis.classes) or None
        task = analysis.chart_task
        if task == "nearest":
            frame = store.nearest(position, n=max(1, analysis.count), classes=classes)
        elif task == "within":
            frame = store.within(position, analysis.radius_nm or 3.0, classes=classes).head(MAX_WITHIN)
        elif task == "inside" and analysis.places:
            frame = store.inside(analysis.places[0].geometry, classes=classes).head(MAX_WITHIN)
        elif task == "visible":
            frame = store.visible_lights(position)
        else:
            frame = store.containing(position, classes=classes)
            points = [c for c in classes or [] if c in _POINT_CLASSES]
            if points:
                # "Quelle sonde ?": the nearest sounding (or wreck, rock) answers for point features,
                # beside the areas that contain the position. Areas are never "nearest".
                near = store.nearest(position, n=1, classes=points, max_radius_nm=0.5)
                if len(near):
                    frame = pd.concat([frame, near], ignore_index=True) if len(frame) else near
        refs = chart_refs(frame, analysis.language, query=position)
        # Each feature carries the marking of its dataset (the answer is marked by its sources).
        marking = {cell: store.dataset_info(cell)["marking"] for cell in {r.cell for r in refs if r.cell}}
        refs = [replace(r, marking=marking.get(r.cell or "")) for r in refs]
        answered_by = list(frame.attrs.get("answered_by") or sorted({r.cell for r in refs if r.cell}))
        datum = None
        for info in store.datasets():
            if info.cell in answered_by and (info.sounding_datum or info.vertical_datum):
                datum = _datum_in(info.sounding_datum or info.vertical_datum, analysis.language)
                break
        return {"chart_refs": refs, "answered_by": answered_by, "datum": datum}


def _datum_in(name: str | None, language: str) -> str | None:
    """A datum name decoded in English by the reader, given in the answer's language."""
    if not name or language == "en":
        return name
    from maritime.enc.catalogue import Catalogue

    catalogue = Catalogue.load()
    english = {v.lower(): k for k, v in catalogue.enumeration("VERDAT", "en").items()}
    code = english.get(name.lower())
    return catalogue.enumeration("VERDAT", language).get(code, name) if code is not None else name


@component
class MaritimeGeoRanker:
    """Keep the passages worth showing: raise those that give a position near the question's place (a
    boost, not a filter), and drop them all when the question is about nothing the publications know.

    A retriever always returns its best passages, even for "who won the 1998 world cup?". When less
    than ``min_known_fraction`` of the question's words occur in the passages the question's clearance
    allows (:meth:`SQLiteDocumentStore.known_fraction`), no passage is passed on, so the answer says that
    nothing relevant was found instead of quoting unrelated text.
    """

    def __init__(
        self,
        *,
        boost: float = 0.5,
        radius_nm: float = 5.0,
        top_k: int = 8,
        document_store: SQLiteDocumentStore | None = None,
        min_known_fraction: float = 0.5,
    ) -> None:
        self.boost = boost
        self.radius_nm = radius_nm
        self.top_k = top_k
        self.document_store = document_store
        self.min_known_fraction = min_known_fraction

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(
            self,
            boost=self.boost,
            radius_nm=self.radius_nm,
            top_k=self.top_k,
            document_store=self.document_store.to_dict() if self.document_store else None,
            min_known_fraction=self.min_known_fraction,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MaritimeGeoRanker:
        params = data.get("init_parameters", {})
        if params.get("document_store"):
            params["document_store"] = SQLiteDocumentStore.from_dict(params["document_store"])
        return default_from_dict(cls, data)

    @component.output_types(documents=list[Document])
    def run(
        self, documents: list[Document], analysis: QueryAnalysis, top_k: int | None = None
    ) -> dict[str, Any]:
        keep = top_k or self.top_k
        if (
            documents
            and self.document_store is not None
            and self.document_store.known_fraction(analysis.question, clearance=analysis.clearance)
            < self.min_known_fraction
        ):
            return {"documents": []}
        position = analysis.position
        if position is None or not documents:
            return {"documents": documents[:keep]}
        radius = max(self.radius_nm, analysis.radius_nm or 0.0)
        scored = []
        for rank, doc in enumerate(documents):
            base = doc.score if doc.score is not None else 1.0 / (60 + rank)
            points = doc.meta.get(M.POSITIONS) or []
            near = False
            if points:
                lats = [float(p[0]) for p in points]
                lons = [float(p[1]) for p in points]
                near = bool((distances_nm(position, lats, lons) <= radius).any())
            scored.append((base * (1 + self.boost) if near else base, rank, doc))
        scored.sort(key=lambda t: (-t[0], t[1]))
        return {"documents": [d for _, _, d in scored[:keep]]}


@component
class MaritimeContextBuilder:
    """Fit chart facts and passages in the context window, counting Mistral tokens (mistral-common)."""

    def __init__(
        self,
        *,
        tokenizer: str = tokenization.DEFAULT_CHAT_VERSION,
        context_tokens: int = 8192,
        answer_tokens: int = 1024,
    ) -> None:
        self.tokenizer = tokenizer
        self.context_tokens = context_tokens
        self.answer_tokens = answer_tokens

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(
            self,
            tokenizer=self.tokenizer,
            context_tokens=self.context_tokens,
            answer_tokens=self.answer_tokens,
        )

    @component.output_types(
        messages=list[ChatMessage], citations=list[Citation], chart_refs=list[ChartRef], prompt_tokens=int
    )
    def run(
        self, analysis: QueryAnalysis, documents: list[Document], chart_refs: list[ChartRef]
    ) -> dict[str, Any]:
        built = build_context(
            analysis,
            documents,
            chart_refs,
            count_tokens=lambda msgs: len(tokenization.encode_chat(msgs, self.tokenizer)),
            budget_tokens=self.context_tokens - self.answer_tokens,
            count_text=tokenization.TokenCounter(self.tokenizer).count,
        )
        messages = [
            ChatMessage.from_system(m["content"])
            if m["role"] == "system"
            else ChatMessage.from_user(m["content"])
            for m in built.messages
        ]
        return {
            "messages": messages,
            "citations": built.citations,
            "chart_refs": built.chart_refs,
            "prompt_tokens": built.prompt_tokens,
        }


@component
class MaritimeAnswerBuilder:
    """The model's reply checked against its sources, or an extractive answer when there is none."""

    def __init__(self, *, extractive_passages: int = 3) -> None:
        self.extractive_passages = extractive_passages

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, extractive_passages=self.extractive_passages)

    @component.output_types(answer=Answer)
    def run(
        self,
        analysis: QueryAnalysis,
        citations: list[Citation],
        chart_refs: list[ChartRef],
        replies: list[ChatMessage] | None = None,
        model: str | None = None,
        error: str | None = None,
        answered_by: list[str] | None = None,
        datum: str | None = None,
    ) -> dict[str, Any]:
        fr = analysis.language == "fr"
        warnings: list[str] = [("Note : " if fr else "Note: ") + n for n in analysis.notes if n]
        reply = replies[0].text if replies else None
        computed = [
            v
            for r in chart_refs
            for v in (r.distance_nm, r.bearing_deg)
            if v is not None and math.isfinite(v)
        ]
        # Counts and ranks the answer states about the chart query ("3 épaves", "le 2e plus proche"),
        # and the radius it searched.
        computed += [float(len(chart_refs)), float(analysis.count)]
        if analysis.radius_nm is not None:
            computed.append(float(analysis.radius_nm))

        if reply:
            checked = check_answer(
                reply,
                citations,
                chart_refs,
                language=analysis.language,
                computed=computed,
                extra_known_text=analysis.question,
            )
            mode = "llm"
            used_model = model
        else:
            if error:
                warnings.append(f"Réponse extractive : {error}" if fr else f"Extractive answer: {error}")
            else:
                warnings.append(
                    "Réponse extractive : aucun modèle local configuré."
                    if fr
                    else "Extractive answer: no local model is configured."
                )
            text, extra = compose(
                analysis,
                chart_refs,
                citations[: self.extractive_passages],
                answered_by=answered_by,
                datum=datum,
            )
            warnings.extend(extra)
            checked = check_answer(
                text,
                citations,
                chart_refs,
                language=analysis.language,
                computed=computed,
                extra_known_text=analysis.question,
            )
            mode = "extractive"
            used_model = None
        answer = Answer(
            question=analysis.question,
            language=analysis.language,
            answer=checked.text,
            mode=mode,  # type: ignore[arg-type]
            citations=checked.citations,
            chart_features=checked.chart_features,
            warnings=warnings + checked.warnings,
            model=used_model,
            query_position=(analysis.position.lat, analysis.position.lon) if analysis.position else None,
            query_radius_nm=analysis.radius_nm if analysis.chart_task in ("within",) else None,
            # Everything the answer was made from: the passages offered (cited or not) and the features.
            marking=markings().highest([c.marking for c in citations] + [r.marking for r in chart_refs]),
        )
        if analysis.places and not analysis.positions:
            geometry = analysis.places[0].geometry
            if geometry is not None and geometry.geom_type in ("Polygon", "MultiPolygon"):
                answer.query_area = mapping(geometry)
        return {"answer": answer}
