"""View models of the web app: what the handlers return and the layout shows.

Frozen dataclasses, built by :mod:`maritime.app.handlers` from the facade's results, so that the Gradio
layer only places values in components (no ``result[...]`` chains, no logic). Nothing here imports
Gradio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from maritime.answer import Answer
from maritime.geo.coordinates import Position

AreaKind = Literal["none", "near", "bbox"]

#: Kinds of publication written in ``meta.doc_type`` by the ingest (see :mod:`maritime.meta`).
DOC_TYPES = ("sailing_directions", "notice", "regulation", "light_list", "manual", "other")


@dataclass(frozen=True)
class Filters:
    """What the user restricts a question to.

    Attributes
    ----------
    area:
        ``"none"``, ``"near"`` (``position`` and ``radius_nm``) or ``"bbox"``
        (``bbox`` = (min_lat, min_lon, max_lat, max_lon)).
    doc_language, doc_type:
        Keep passages in this language (``"fr"``, ``"en"``) or of this kind (:data:`DOC_TYPES`).
    answer_language:
        Force the answer's language; None = the question's.
    top_k:
        Passages offered to the model.
    """

    area: AreaKind = "none"
    position: Position | None = None
    radius_nm: float | None = None
    bbox: tuple[float, float, float, float] | None = None
    doc_language: str | None = None
    doc_type: str | None = None
    answer_language: str | None = None
    top_k: int = 5

    @property
    def restricts_documents(self) -> bool:
        """True when a filter applies to document metadata (language, type)."""
        return bool(self.doc_language or self.doc_type)


@dataclass(frozen=True)
class CitationView:
    """One cited passage, as listed under the answer (anchor ``cit-<id>``)."""

    id: str
    source: str
    page: int | None
    section: str | None
    title: str | None
    quote: str
    language: str | None
    #: Where it is, in words: "instructions.pdf, p. 3, 2.14".
    where: str
    #: True when the map shows a position written in the passage (marker ``map-<id>``).
    on_map: bool


@dataclass(frozen=True)
class FeatureRow:
    """One cited chart feature, as a row of the feature table (anchor ``feat-<id>``)."""

    id: str
    object_class: str
    class_name: str
    name: str
    description: str
    position: str
    distance_nm: float | None
    bearing_deg: float | None
    cell: str
    feature_id: str
    #: Decoded S-57 attributes, (name, value), in the answer's language.
    attributes: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PassageView:
    """A passage found by the filtered text search (shown when document filters are set)."""

    rank: int
    source: str
    page: int | None
    section: str | None
    language: str | None
    doc_type: str | None
    text: str


@dataclass(frozen=True)
class AnswerView:
    """Everything the app shows for one answer.

    ``markdown`` has its markers as links (``[1]`` -> ``#cit-1``, ``[C1]`` -> ``#feat-C1``); ``text_html``
    is the same text as HTML whose markers also carry ``data-ref`` for the map highlight.
    """

    question: str
    language: str
    mode: str
    model: str | None
    markdown: str
    text_html: str
    citations: tuple[CitationView, ...]
    features: tuple[FeatureRow, ...]
    map_html: str
    warnings: tuple[str, ...]
    passages: tuple[PassageView, ...] = ()
    #: Filters applied, in words, for the user to see what the answer is restricted to.
    applied_filters: tuple[str, ...] = ()
    #: The answer itself, for the exports.
    answer: Answer | None = field(default=None, compare=False, repr=False)
    #: Its classification in words ("Marking: RESTRICTED"), from the sources it was made from.
    marking: str | None = None

    @property
    def mode_label(self) -> str:
        """ "local Mistral (model)" or "extractive", in the answer's language."""
        if self.mode == "llm":
            return ("Mistral local" if self.language == "fr" else "local Mistral") + (
                f" ({self.model})" if self.model else ""
            )
        return (
            "extractive (composée à partir des sources)"
            if self.language == "fr"
            else ("extractive (composed from the sources)")
        )


@dataclass(frozen=True)
class SourceView:
    """The source of a citation or a chart feature, for the source viewer."""

    ref: str
    title: str
    #: Markdown caption: source, page, section, the quote or the feature's attributes.
    caption: str
    #: PNG of the PDF page with the passage highlighted, when the source is a PDF that is still there.
    image_path: str | None = None


@dataclass(frozen=True)
class UploadFileResult:
    """What became of one uploaded file."""

    name: str
    status: Literal["ingested", "unchanged", "skipped", "rejected"]
    detail: str


@dataclass(frozen=True)
class UploadReportView:
    """The report shown after an upload."""

    files: tuple[UploadFileResult, ...]
    summary: str

    @property
    def ok(self) -> bool:
        """True when every file is in the index (ingested or already there)."""
        return all(f.status in ("ingested", "unchanged") for f in self.files)


@dataclass(frozen=True)
class PublicationRow:
    """One publication in the index."""

    source: str
    pages: int | None
    passages: int
    skipped_pages: str
    ingested_at: str
    #: Classification (maritime.access).
    marking: str = ""


@dataclass(frozen=True)
class ChartCellRow:
    """One chart dataset in the index, with what a hydrographer checks before trusting it."""

    cell: str
    edition: int | None
    update_number: int | None
    issue_date: str
    scale: str
    horizontal_datum: str
    vertical_datum: str
    sounding_datum: str
    features: int
    updates_applied: str
    producer: str
    marking: str = ""


@dataclass(frozen=True)
class IndexView:
    """What is indexed."""

    publications: tuple[PublicationRow, ...]
    charts: tuple[ChartCellRow, ...]
    summary: str
