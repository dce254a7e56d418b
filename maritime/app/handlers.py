"""What the web app does, as plain functions over :class:`maritime.Assistant` returning view models.

Nothing here imports Gradio: the functions are tested without a browser, and :mod:`maritime.app.app`
only wires them to components. Every function that touches the index takes an optional
:class:`AssistantGate`, which lets questions run side by side and gives an ingest the index to itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import re
import shutil
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maritime.access import markings, resolve_clearance, resolve_marking
from maritime.answer import Answer, ChartRef, Citation
from maritime.app.mapsvg import render_svg
from maritime.app.views import (
    DOC_TYPES,
    AnswerView,
    ChartCellRow,
    CitationView,
    FeatureRow,
    Filters,
    IndexView,
    PassageView,
    PublicationRow,
    SourceView,
    UploadFileResult,
    UploadReportView,
)
from maritime.digest import sha256_file
from maritime.errors import ConfigError, MaritimeError
from maritime.geo.coordinates import Position, format_position, parse_position
from maritime.geo.geodesy import distance_nm
from maritime.publications.convert import PDF_SUFFIXES, SUPPORTED_SUFFIXES

if TYPE_CHECKING:
    from maritime.assistant import Assistant, Conversation
    from maritime.publications.ingest import ProgressEvent

logger = logging.getLogger(__name__)

#: ``progress(fraction in [0, 1], description)``: what a progress bar needs.
ProgressFn = Callable[[float, str], None]

#: Chart files an upload accepts besides publications; S-57 updates (.001 ...) are matched apart.
CHART_SUFFIXES = frozenset({".000", ".gpkg", ".geojson", ".csv"})
_UPDATE = re.compile(r"^\.(\d{3})$")
_MARKER = re.compile(r"\[\s*(C?\d+(?:\s*[,;]\s*C?\d+)*)\s*\]", re.IGNORECASE)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_MAX_NAME = 120
# PyMuPDF and pyplot are not thread-safe: one page render and one PNG map at a time.
_PDF_LOCK = threading.Lock()
_PLOT_LOCK = threading.Lock()


# -- concurrency -------------------------------------------------------------------------------------


class AssistantGate:
    """Questions side by side, an ingest alone.

    ``Assistant.ask`` runs a Haystack pipeline, which is reentrant, over a SQLite store guarded by its
    own lock and read-only chart data. What is not safe is the first question (it builds the pipeline
    and warms its components) and an ingest (it replaces passages and chart datasets, after which the
    cached pipeline is dropped): those hold the gate exclusively.

    >>> gate = AssistantGate()
    >>> with gate.asking():      # the first question is alone
    ...     pass
    >>> with gate.shared(), gate.shared():
    ...     pass
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0
        self._warm = False

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        """Hold the gate with other readers (questions, searches, listings)."""
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the gate alone (ingest, pipeline rebuild); waiting writers go before new readers."""
        with self._cond:
            self._writers_waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()

    @contextlib.contextmanager
    def asking(self) -> Iterator[None]:
        """For ``Assistant.ask``: alone until one question has built and warmed the pipeline."""
        if self._warm:
            with self.shared():
                yield
            return
        with self.exclusive():
            yield
            self._warm = True

    def invalidate(self) -> None:
        """The next question rebuilds the pipeline: let it run alone again."""
        self._warm = False


def _hold(gate: AssistantGate | None, how: str) -> contextlib.AbstractContextManager[None]:
    if gate is None:
        return contextlib.nullcontext()
    return {"shared": gate.shared, "exclusive": gate.exclusive, "asking": gate.asking}[how]()


# -- filters -----------------------------------------------------------------------------------------


def parse_filters(
    *,
    area: str = "none",
    position: str | None = None,
    radius_nm: float | None = None,
    bbox: str | None = None,
    doc_language: str | None = None,
    doc_type: str | None = None,
    answer_language: str | None = None,
    top_k: int | float = 5,
) -> Filters:
    """Filters from what the user typed; raise :class:`ConfigError` naming the bad value.

    ``bbox`` is four numbers ``min_lat, min_lon, max_lat, max_lon`` (decimal degrees) or two corners
    written as positions and separated by ``;`` (``48°15'N 4°40'O; 48°25'N 4°25'O``). ``"any"`` or
    an empty value means no filter.

    >>> parse_filters(area="near", position="48°21,5'N 004°33'O", radius_nm=2).radius_nm
    2.0
    >>> parse_filters(area="bbox", bbox="48.2, -4.7, 48.4, -4.4").bbox
    (48.2, -4.7, 48.4, -4.4)
    >>> parse_filters().area
    'none'
    """

    def choice(value: str | None) -> str | None:
        value = (value or "").strip()
        return None if value in ("", "any", "auto", "none") else value

    language = choice(doc_language)
    if language is not None and language not in ("fr", "en"):
        raise ConfigError(f"document language must be fr or en, got {language!r}")
    kind = choice(doc_type)
    if kind is not None and kind not in DOC_TYPES:
        raise ConfigError(f"document type {kind!r} is unknown; choose one of {', '.join(DOC_TYPES)}")
    answer_lang = choice(answer_language)
    if answer_lang is not None and answer_lang not in ("fr", "en"):
        raise ConfigError(f"answer language must be fr or en, got {answer_lang!r}")
    try:
        k = int(top_k)
    except (TypeError, ValueError):
        raise ConfigError(f"number of passages must be a whole number, got {top_k!r}") from None
    if not 1 <= k <= 50:
        raise ConfigError(f"number of passages must be between 1 and 50, got {k}")
    common: dict[str, Any] = {
        "doc_language": language,
        "doc_type": kind,
        "answer_language": answer_lang,
        "top_k": k,
    }
    if area in ("", "none", None):
        return Filters(**common)
    if area == "near":
        if not position or not position.strip():
            raise ConfigError("the area filter needs a position, e.g. 48°21,5'N 004°33'O")
        try:
            radius = float(radius_nm) if radius_nm is not None else math.nan
        except (TypeError, ValueError):
            radius = math.nan
        if not math.isfinite(radius) or radius <= 0:
            raise ConfigError(f"the radius must be a positive number of nautical miles, got {radius_nm!r}")
        return Filters(area="near", position=parse_position(position), radius_nm=radius, **common)
    if area == "bbox":
        return Filters(area="bbox", bbox=_parse_bbox(bbox or ""), **common)
    raise ConfigError(f"unknown area filter {area!r}; use none, near or bbox")


def _parse_bbox(text: str) -> tuple[float, float, float, float]:
    text = text.strip()
    if ";" in text:
        corners = [parse_position(part) for part in text.split(";") if part.strip()]
        if len(corners) != 2:
            raise ConfigError(f"a box is two corners separated by ';', got {text!r}")
        a, b = corners
        values = (min(a.lat, b.lat), min(a.lon, b.lon), max(a.lat, b.lat), max(a.lon, b.lon))
    else:
        try:
            numbers = [float(v) for v in re.split(r"[\s,]+", text) if v]
        except ValueError:
            numbers = []
        if len(numbers) != 4:
            raise ConfigError(
                f"a box is min_lat, min_lon, max_lat, max_lon in decimal degrees "
                f"(e.g. 48.2, -4.7, 48.4, -4.4), got {text!r}"
            )
        values = (numbers[0], numbers[1], numbers[2], numbers[3])
    min_lat, min_lon, max_lat, max_lon = values
    if not (-90 <= min_lat < max_lat <= 90 and -180 <= min_lon < max_lon <= 180):
        raise ConfigError(
            f"box {values} is not min_lat < max_lat within ±90 and min_lon < max_lon within ±180"
        )
    return values


def _ask_area(filters: Filters) -> tuple[Position | None, float | None]:
    """``near``/``radius_nm`` for ``Assistant.ask``: a box becomes the circle around it."""
    if filters.area == "near":
        return filters.position, filters.radius_nm
    if filters.area == "bbox" and filters.bbox is not None:
        min_lat, min_lon, max_lat, max_lon = filters.bbox
        centre = Position((min_lat + max_lat) / 2, (min_lon + max_lon) / 2)
        corners = [Position(lat, lon) for lat in (min_lat, max_lat) for lon in (min_lon, max_lon)]
        return centre, max(distance_nm(centre, c) for c in corners)
    return None, None


def haystack_filters(filters: Filters, *, with_language: bool = False) -> dict[str, Any] | None:
    """Haystack metadata filters for the document type (and, with ``with_language``, the language)."""
    conditions = []
    if filters.doc_type is not None:
        conditions.append({"field": "meta.doc_type", "operator": "==", "value": filters.doc_type})
    if with_language and filters.doc_language:
        conditions.append({"field": "meta.language", "operator": "==", "value": filters.doc_language})
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"operator": "AND", "conditions": conditions}


def _describe_filters(filters: Filters, language: str) -> tuple[str, ...]:
    fr = language == "fr"
    out: list[str] = []
    if filters.area == "near" and filters.position is not None and filters.radius_nm is not None:
        where = format_position(filters.position, language="fr" if fr else "en")
        radius = f"{filters.radius_nm:g}"
        out.append(
            f"zone : {radius.replace('.', ',')} M autour de {where}"
            if fr
            else f"area: {radius} NM around {where}"
        )
    if filters.area == "bbox" and filters.bbox is not None:
        out.append(("zone : rectangle " if fr else "area: box ") + ", ".join(f"{v:g}" for v in filters.bbox))
    if filters.doc_language:
        out.append(("documents en " if fr else "documents in ") + filters.doc_language)
    if filters.doc_type:
        out.append(("type de document : " if fr else "document type: ") + filters.doc_type)
    if filters.answer_language:
        out.append(("réponse en " if fr else "answer in ") + filters.answer_language)
    return tuple(out)


# -- ask ---------------------------------------------------------------------------------------------


def ask(
    asst: Assistant,
    question: str,
    *,
    filters: Filters | None = None,
    conversation: Conversation | None = None,
    on_token: Callable[[str], None] | None = None,
    gate: AssistantGate | None = None,
    clearance: str | None = None,
) -> AnswerView:
    """Answer ``question`` with the filters applied, as an :class:`AnswerView`.

    ``clearance`` is the user's (from the login; default the assistant's): the answer, the passages
    listed beside it and the map use nothing marked above it.

    The area goes to ``Assistant.ask`` as ``near``/``radius_nm`` (a box as the circle around it), the
    document language and type as metadata filters on the passages it may cite. A box is also applied
    exactly to a text search run beside it, whose passages the view lists apart.

    Raises
    ------
    ConfigError
        An empty or overlong question, a bad filter value.
    """
    filters = filters or Filters()
    if not question or not question.strip():
        raise ConfigError("type a question / tapez une question")
    near, radius_nm = _ask_area(filters)
    with _hold(gate, "asking"):
        answer = asst.ask(
            question,
            near=near,
            radius_nm=radius_nm,
            top_k=filters.top_k,
            language=filters.answer_language,
            conversation=conversation,
            on_token=on_token,
            filters=haystack_filters(filters, with_language=True),
            clearance=clearance,
        )
    passages: tuple[PassageView, ...] = ()
    notes: list[str] = []
    fr = answer.language == "fr"
    if filters.area == "bbox":
        with _hold(gate, "shared"):
            passages = search_passages(asst, question, filters, clearance=clearance)
        if radius_nm is not None:
            radius = f"{radius_nm:.1f}"
            notes.append(
                f"Le rectangle est appliqué à la réponse comme le cercle de {radius.replace('.', ',')} M qui "
                "le contient ; les passages listés sont dans le rectangle."
                if fr
                else f"The box is applied to the answer as the circle of {radius} NM around it; the passages "
                "listed are inside the box."
            )
    with _hold(gate, "shared"):  # the map reads the chart store, which an upload may be replacing
        return answer_view(
            answer, asst.charts_for(clearance), filters=filters, passages=passages, notes=notes
        )


def search_passages(
    asst: Assistant,
    question: str,
    filters: Filters,
    top_k: int | None = None,
    *,
    clearance: str | None = None,
) -> tuple[PassageView, ...]:
    """The passages a text search finds with every filter applied (area, language, type)."""
    kwargs: dict[str, Any] = {}
    if filters.area == "near" and filters.position is not None:
        kwargs = {"near": filters.position, "radius_nm": filters.radius_nm}
    elif filters.area == "bbox" and filters.bbox is not None:
        kwargs = {"bbox": filters.bbox}
    docs = asst.search(
        question,
        top_k=top_k or filters.top_k,
        filters=haystack_filters(filters),
        language=filters.doc_language,
        clearance=clearance,
        **kwargs,
    )
    return tuple(
        PassageView(
            rank=rank,
            source=str(d.meta.get("source", "?")),
            page=d.meta.get("page"),
            section=d.meta.get("section"),
            language=d.meta.get("language"),
            doc_type=d.meta.get("doc_type"),
            text=d.content or "",
        )
        for rank, d in enumerate(docs, start=1)
    )


def answer_view(
    answer: Answer,
    charts: Any,
    *,
    filters: Filters | None = None,
    passages: Sequence[PassageView] = (),
    notes: Sequence[str] = (),
) -> AnswerView:
    """The view of an answer: linked markers, citations, feature rows, the SVG map, warnings."""
    filters = filters or Filters()
    citations = tuple(_citation_view(c) for c in answer.citations)
    features = tuple(_feature_row(r, answer.language) for r in answer.chart_features)
    return AnswerView(
        question=answer.question,
        language=answer.language,
        mode=answer.mode,
        model=answer.model,
        marking=marking_line(answer),
        markdown=answer_markdown(answer.answer),
        text_html=answer_html(answer.answer),
        citations=citations,
        features=features,
        map_html=render_svg(answer, charts, area_bbox=filters.bbox if filters.area == "bbox" else None),
        warnings=tuple(answer.warnings) + tuple(notes),
        passages=tuple(passages),
        applied_filters=_describe_filters(filters, answer.language),
        answer=answer,
    )


def _marker_ids(group: str) -> list[str]:
    ids = [part.strip() for part in re.split(r"[,;]", group) if part.strip()]
    return [i.upper() if i[:1] in "cC" else i for i in ids]


def _anchor(ref: str) -> str:
    return f"feat-{ref}" if ref.startswith("C") else f"cit-{ref}"


def answer_markdown(text: str) -> str:
    r"""Answer text as Markdown: markers become links to their anchors, the rest is escaped.

    >>> answer_markdown("Le feu [C1] est cité [1, 2].")
    'Le feu [\\[C1\\]](#feat-C1) est cité [\\[1\\]](#cit-1)[\\[2\\]](#cit-2).'
    >>> answer_markdown("")
    ''
    """
    out: list[str] = []
    pos = 0
    for match in _MARKER.finditer(text):
        out.append(_MD_SPECIAL.sub(r"\\\1", text[pos : match.start()]))
        out.append("".join(f"[\\[{ref}\\]](#{_anchor(ref)})" for ref in _marker_ids(match.group(1))))
        pos = match.end()
    out.append(_MD_SPECIAL.sub(r"\\\1", text[pos:]))
    return "".join(out)


def answer_html(text: str) -> str:
    """Answer text as HTML: markers become links with ``data-ref`` (the map highlight), text escaped.

    >>> answer_html("Feu <b> [C1]")
    'Feu &lt;b&gt; <a class="mref" href="#feat-C1" data-ref="C1">[C1]</a>'
    """
    out: list[str] = []
    pos = 0
    for match in _MARKER.finditer(text):
        out.append(escape(text[pos : match.start()]))
        out.append(
            "".join(
                f'<a class="mref" href="#{_anchor(ref)}" data-ref="{escape(ref)}">[{escape(ref)}]</a>'
                for ref in _marker_ids(match.group(1))
            )
        )
        pos = match.end()
    out.append(escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def _where(cit: Citation) -> str:
    where = (
        cit.source + (f", p. {cit.page}" if cit.page else "") + (f", {cit.section}" if cit.section else "")
    )
    if cit.marking and cit.marking != markings().lowest:
        where += f" [{cit.marking.upper()}]"
    return where


def marking_line(answer: Answer) -> str | None:
    """The answer's classification, in its language ("Marquage : RESTRICTED"); None when unmarked."""
    if not answer.marking:
        return None
    label = "Marquage" if answer.language == "fr" else "Marking"
    sep = " : " if answer.language == "fr" else ": "
    return f"{label}{sep}{answer.marking.upper()}"


def _citation_view(cit: Citation) -> CitationView:
    return CitationView(
        id=cit.id,
        source=cit.source,
        page=cit.page,
        section=cit.section,
        title=cit.title,
        quote=cit.quote,
        language=cit.language,
        where=_where(cit),
        on_map=bool(cit.positions),
    )


def _feature_row(ref: ChartRef, language: str) -> FeatureRow:
    return FeatureRow(
        id=ref.id,
        object_class=ref.object_class,
        class_name=ref.object_class_name or ref.object_class,
        name=ref.name or "",
        description=ref.description or "",
        position=format_position(Position(ref.lat, ref.lon), language="fr" if language == "fr" else "en"),
        distance_nm=ref.distance_nm
        if ref.distance_nm is not None and math.isfinite(ref.distance_nm)
        else None,
        bearing_deg=ref.bearing_deg
        if ref.bearing_deg is not None and math.isfinite(ref.bearing_deg)
        else None,
        cell=ref.cell or "",
        feature_id=ref.feature_id or "",
        attributes=tuple((str(k), str(v)) for k, v in ref.attributes.items()),
    )


# -- source viewer -----------------------------------------------------------------------------------


def source_choices(view: AnswerView | None) -> list[tuple[str, str]]:
    """(label, ref) of every citation and chart feature of an answer, for the source picker."""
    if view is None:
        return []
    out = [(f"[{c.id}] {c.where}", c.id) for c in view.citations]
    out += [
        (f"[{f.id}] {' '.join(x for x in (f.class_name, f.name) if x)} ({f.cell})", f.id)
        for f in view.features
    ]
    return out


def source_view(
    asst: Assistant,
    answer: Answer,
    ref: str,
    *,
    out_dir: Path,
    gate: AssistantGate | None = None,
    clearance: str | None = None,
) -> SourceView:
    """The source of ``[ref]``: the PDF page with the passage boxed, the quote, or the chart feature.

    Raises
    ------
    ConfigError
        ``ref`` is not a marker of ``answer``.
    """
    for feature in answer.chart_features:
        if feature.id == ref:
            return _feature_source(feature, answer.language)
    cit = next((c for c in answer.citations if c.id == ref), None)
    if cit is None:
        raise ConfigError(f"[{ref}] is not cited in this answer")
    fr = answer.language == "fr"
    title = f"[{cit.id}] {_where(cit)}"
    caption = f"**{escape(title)}**" + (f"  \n{escape(cit.title)}" if cit.title else "")
    caption += "\n\n" + "\n".join(
        "> " + _MD_SPECIAL.sub(r"\\\1", line) for line in cit.quote.splitlines() or [""]
    )
    with _hold(gate, "shared"):
        path = _source_file(asst, cit.source, clearance)
    if path is None or path.suffix.lower() not in PDF_SUFFIXES or not cit.page:
        if path is None:
            caption += "\n\n" + (
                "_Le fichier source n'est plus à l'endroit où il a été ingéré : seul le passage est montré._"
                if fr
                else "_The source file is no longer where it was ingested: only the passage is shown._"
            )
        return SourceView(ref=ref, title=title, caption=caption)
    try:
        image = render_pdf_page(path, cit.page, cit.bbox, out_dir=out_dir)
    except Exception as exc:  # a damaged or replaced PDF: show the quote, say why
        logger.warning("cannot render %s page %s: %s", path, cit.page, exc)
        caption += "\n\n" + (f"_Page non affichable : {exc}_" if fr else f"_Cannot show the page: {exc}_")
        return SourceView(ref=ref, title=title, caption=caption)
    return SourceView(ref=ref, title=title, caption=caption, image_path=str(image))


def _feature_source(ref: ChartRef, language: str) -> SourceView:
    row = _feature_row(ref, language)
    fr = language == "fr"
    title = f"[{row.id}] {' '.join(x for x in (row.class_name, row.name) if x)}"
    lines = [f"**{escape(title)}**", ""]
    if row.description:
        lines.append(escape(row.description))
        lines.append("")
    lines.append(("Position : " if fr else "Position: ") + row.position)
    cell, feature = ("Cellule", "objet") if fr else ("Cell", "feature")
    lines.append(f"{cell} {escape(row.cell)}, {feature} {escape(row.feature_id)}")
    if row.attributes:
        header = "| attribut | valeur |" if fr else "| attribute | value |"
        lines += ["", header, "|---|---|"]
        lines += [f"| {escape(k)} | {escape(v)} |" for k, v in row.attributes]
    return SourceView(ref=ref.id, title=title, caption="\n".join(lines))


def _source_file(asst: Assistant, source: str, clearance: str | None) -> Path | None:
    """The file a passage came from, as the index recorded it; None when it is gone (or above
    ``clearance``)."""
    candidates = [r for r in asst.files(clearance=clearance) if r.source == source]
    candidates.sort(key=lambda r: r.ingested_at or "", reverse=True)
    for record in candidates:
        path = Path(record.path)
        if path.is_file():
            return path
    return None


def render_pdf_page(
    pdf: Path, page: int, bbox: Sequence[float] | None, *, out_dir: Path, zoom: float = 1.6
) -> Path:
    """PNG of page ``page`` (1-based) of ``pdf`` with ``bbox`` (PDF points) highlighted.

    The highlight is drawn on the in-memory document only; the file is not changed. Images are
    cached in ``out_dir`` by file, page and box.
    """
    import pymupdf

    out_dir.mkdir(parents=True, exist_ok=True)
    stat = pdf.stat()
    key = hashlib.sha256(
        f"{pdf}|{stat.st_mtime_ns}|{stat.st_size}|{page}|{bbox}|{zoom}".encode()
    ).hexdigest()[:24]
    out = out_dir / f"source-{key}.png"
    if out.is_file():
        return out
    with _PDF_LOCK, pymupdf.open(pdf) as doc:
        if not 1 <= page <= doc.page_count:
            raise ConfigError(f"{pdf.name} has {doc.page_count} pages, not a page {page}")
        pdf_page = doc[page - 1]
        if bbox is not None and len(bbox) == 4:
            x0, y0, x1, y1 = (float(v) for v in bbox)
            rect = pymupdf.Rect(x0 - 3, y0 - 3, x1 + 3, y1 + 3)
            pdf_page.draw_rect(
                rect, color=(0.85, 0.1, 0.1), fill=(1.0, 0.86, 0.0), fill_opacity=0.3, width=1.5
            )
        pix = pdf_page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
        tmp = out.with_suffix(".tmp.png")
        pix.save(str(tmp))
        os.replace(tmp, out)
    return out


# -- upload ------------------------------------------------------------------------------------------


def safe_upload_name(name: str) -> str | None:
    """A file name safe to write in the upload folder: no folder part, no leading dot, plain characters.

    >>> safe_upload_name("../../etc/passwd.pdf")
    'passwd.pdf'
    >>> safe_upload_name("C:\\\\temp\\\\Avis n°12 (2026).pdf")
    'Avis_n_12_2026_.pdf'
    >>> safe_upload_name("..") is None, safe_upload_name("") is None
    (True, True)
    """
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = re.sub(r"[^\w.\-]+", "_", name, flags=re.UNICODE).lstrip("._-")
    name = re.sub(r"_+", "_", name)
    if not name or name.strip(".") == "":
        return None
    if len(name) > _MAX_NAME:
        stem, dot, suffix = name.rpartition(".")
        name = (
            (stem[: _MAX_NAME - len(suffix) - 1] + dot + suffix)
            if dot and len(suffix) <= 10
            else name[:_MAX_NAME]
        )
    return name


def _kind(name: str) -> str | None:
    suffix = Path(name).suffix.lower()
    if suffix in SUPPORTED_SUFFIXES:
        return "publication"
    if suffix in CHART_SUFFIXES:
        return "chart"
    if _UPDATE.match(suffix) and suffix != ".000":
        return "update"
    return None


@dataclass
class _Staged:
    name: str
    dest: Path
    kind: str
    backup: Path | None
    new: bool


def upload(
    asst: Assistant,
    files: Sequence[str | Path],
    *,
    upload_dir: Path,
    names: Sequence[str] | None = None,
    progress: ProgressFn | None = None,
    gate: AssistantGate | None = None,
    language: str = "en",
    marking: str | None = None,
    clearance: str | None = None,
) -> UploadReportView:
    """Copy uploaded files into ``upload_dir`` and ingest them; searchable as soon as this returns.

    File names are sanitised (:func:`safe_upload_name`); types the ingest does not read are rejected.
    A file that cannot be ingested (corrupt, empty, encrypted) is reported with the reason and
    removed, and when it replaced an earlier upload of the same name that earlier file is put back:
    the index and the upload folder stay as they were.

    Parameters
    ----------
    files:
        Paths of the uploaded files (Gradio's temporary copies).
    names:
        The names the user gave them; default: the files' own names.
    progress:
        ``progress(fraction, description)``.
    marking, clearance:
        The files' classification (default the lowest level) and the uploader's clearance: a user may
        not mark a file above their own clearance (ConfigError).
    """
    fr = language == "fr"
    level = resolve_marking(marking)
    own = resolve_clearance(clearance) if clearance else asst.clearance
    if markings().rank(level) > markings().rank(own):
        raise ConfigError(
            f"marquage {level} au-dessus de votre habilitation ({own})"
            if fr
            else f"marking {level} is above your clearance ({own})"
        )
    upload_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, UploadFileResult] = {}
    staged: list[_Staged] = []
    given = list(names) if names is not None else [Path(f).name for f in files]
    if len(given) != len(files):
        raise ConfigError("names must give one name per uploaded file")
    if progress:
        progress(0.0, "copie des fichiers" if fr else "copying files")
    for src, original in zip(files, given, strict=True):
        name = safe_upload_name(original)
        if name is None:
            label = original or "?"
            results[label] = UploadFileResult(
                label, "rejected", "nom de fichier inutilisable" if fr else "unusable file name"
            )
            continue
        kind = _kind(name)
        if kind is None:
            results[name] = UploadFileResult(
                name,
                "rejected",
                "type non pris en charge (PDF, Markdown, texte, HTML, cellule S-57 .000 et ses mises à jour, "
                "GeoPackage, GeoJSON, liste de lieux CSV)"
                if fr
                else "unsupported type (PDF, Markdown, text, HTML, S-57 cell .000 with its updates, GeoPackage, "
                "GeoJSON, CSV place list)",
            )
            continue
        dest = upload_dir / name
        backup: Path | None = None
        new = True
        if dest.exists():
            if _same_bytes(Path(src), dest):
                new = False
            else:
                backup = upload_dir / f".{name}.previous"
                os.replace(dest, backup)
        if new:
            shutil.copyfile(src, dest)
        staged.append(_Staged(name, dest, kind, backup, new))

    to_ingest: list[Path] = [s.dest for s in staged if s.kind != "update"]
    for s in staged:
        if s.kind != "update":
            continue
        base = s.dest.with_suffix(".000")
        if not base.exists():
            results[s.name] = UploadFileResult(
                s.name,
                "rejected",
                f"mise à jour sans sa cellule de base {base.name} : envoyez les deux ensemble"
                if fr
                else f"an update needs its base cell {base.name}: upload both together",
            )
            _undo(s)
        elif base not in to_ingest:
            to_ingest.append(base)

    report = None
    if to_ingest:
        relay = _relay_progress(progress, fr)
        with _hold(gate, "exclusive"):
            # Drops its cached pipelines after new charts.
            report = asst.ingest(to_ingest, progress=relay, marking=level)
            if gate is not None and (report.charts_ingested or report.embedded):
                # The next question builds a new pipeline (new cells, or the first embeddings): alone.
                gate.invalidate()
    skipped = {Path(p).resolve(): reason for p, reason in (report.skipped if report else [])}
    for s in staged:
        if s.name in results:
            continue
        key = (s.dest.with_suffix(".000") if s.kind == "update" else s.dest).resolve()
        if key in skipped:
            reason = _public_reason(skipped[key], upload_dir)
            kept = (
                " Rien de ce qui était déjà indexé n'a changé."
                if fr
                else " Nothing already in the index was changed."
            )
            results[s.name] = UploadFileResult(
                s.name, "skipped", ("non ingéré : " if fr else "not ingested: ") + reason + "." + kept
            )
            _undo(s)
            continue
        if s.backup is not None:
            s.backup.unlink(missing_ok=True)
        results[s.name] = _status(s, report, fr)
    if progress:
        progress(1.0, "terminé" if fr else "done")
    ordered = tuple(results.values())
    n_ok = sum(1 for r in ordered if r.status in ("ingested", "unchanged"))
    summary = (
        f"{n_ok} fichier(s) sur {len(ordered)} dans l'index ; {len(ordered) - n_ok} refusé(s)."
        if fr
        else f"{n_ok} of {len(ordered)} file(s) in the index; {len(ordered) - n_ok} refused."
    )
    return UploadReportView(files=ordered, summary=summary)


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    return sha256_file(a) == sha256_file(b)


def _undo(s: _Staged) -> None:
    """Put the upload folder back as it was before this file arrived."""
    if s.new:
        s.dest.unlink(missing_ok=True)
    if s.backup is not None:
        os.replace(s.backup, s.dest)


def _public_reason(reason: str, upload_dir: Path) -> str:
    """The ingest's reason without the server's folders."""
    for folder in {str(upload_dir.resolve()), str(upload_dir)}:
        reason = reason.replace(folder + os.sep, "").replace(folder, "")
    return reason


def _status(s: _Staged, report: Any, fr: bool) -> UploadFileResult:
    if report is None:
        return UploadFileResult(s.name, "unchanged", "")
    if s.kind == "publication":
        for source, pages, passages in report.ingested:
            if source == s.name:
                detail = (f"{pages} pages, " if pages else "") + f"{passages} passages"
                return UploadFileResult(s.name, "ingested", detail)
        return UploadFileResult(s.name, "unchanged", "déjà dans l'index" if fr else "already in the index")
    stem = Path(s.name).stem
    for cell, n in report.charts_ingested:
        if cell == stem or (s.kind != "update" and len(report.charts_ingested) == 1):
            what = "objets" if fr else "features"
            return UploadFileResult(s.name, "ingested", f"{cell}: {n} {what}")
    if s.kind == "update":
        return UploadFileResult(s.name, "ingested", ("appliquée à " if fr else "applied to ") + stem)
    return UploadFileResult(s.name, "unchanged", "déjà dans l'index" if fr else "already in the index")


def _relay_progress(progress: ProgressFn | None, fr: bool) -> Callable[[ProgressEvent], None] | None:
    if progress is None:
        return None
    labels = {
        "file": "lecture" if fr else "reading",
        "chart": "carte" if fr else "chart",
        "embed": "vecteurs" if fr else "embedding",
    }

    def relay(event: ProgressEvent) -> None:
        fraction = event.current / event.total if event.total else 0.0
        label = labels.get(event.stage, event.stage)
        progress(
            min(max(fraction, 0.0), 1.0),
            f"{label} {event.current}/{event.total} {Path(event.path).name}".strip(),
        )

    return relay


# -- index listing -----------------------------------------------------------------------------------


def index_view(
    asst: Assistant, *, gate: AssistantGate | None = None, clearance: str | None = None
) -> IndexView:
    """The publications and chart datasets in the index that ``clearance`` may see (default: the
    assistant's), with what a hydrographer checks."""
    with _hold(gate, "shared"):
        records = asst.files(clearance=clearance)
        store = asst.charts_for(clearance)
        cells = store.datasets()
        infos = {c.cell: store.dataset_info(c.cell) for c in cells}
    publications = tuple(
        PublicationRow(
            source=r.source,
            pages=r.n_pages,
            passages=r.n_passages,
            skipped_pages="; ".join(f"p. {page}: {reason}" for page, reason in r.skipped_pages),
            ingested_at=r.ingested_at or "",
            marking=r.marking or markings().lowest,
        )
        for r in records
    )
    charts = tuple(
        ChartCellRow(
            cell=c.cell,
            edition=c.edition,
            update_number=c.update_number,
            issue_date=c.issue_date or "",
            scale=f"1:{c.compilation_scale:,}".replace(",", " ") if c.compilation_scale else "",
            horizontal_datum=c.horizontal_datum or "",
            vertical_datum=c.vertical_datum or "",
            sounding_datum=c.sounding_datum or "",
            features=int(infos.get(c.cell, {}).get("n_features", sum(c.feature_counts.values()))),
            updates_applied=", ".join(c.updates_applied),
            producer=c.producing_agency or "",
            marking=str(infos.get(c.cell, {}).get("marking", "")),
        )
        for c in cells
    )
    passages = sum(p.passages for p in publications)
    summary = (
        f"{len(publications)} publication(s), {passages} passages; {len(charts)} chart dataset(s), "
        f"{sum(c.features for c in charts)} features."
    )
    return IndexView(publications=publications, charts=charts, summary=summary)


# -- exports -----------------------------------------------------------------------------------------


def export_markdown(answer: Answer) -> str:
    """The answer as a Markdown report: text with markers, sources, chart features, warnings."""
    fr = answer.language == "fr"
    marking = marking_line(answer)
    lines = [f"**{marking}**", ""] if marking else []
    lines += [f"# {answer.question}", "", answer.answer, ""]
    if answer.citations:
        lines += ["## Sources", ""]
        for c in answer.citations:
            lines.append(f"- **[{c.id}]** {_where(c)}" + (f" — {c.title}" if c.title else ""))
            lines.append(f"  > {' '.join(c.quote.split())}")
        lines.append("")
    if answer.chart_features:
        lines += ["## " + ("Objets cartographiques" if fr else "Chart features"), ""]
        for r in answer.chart_features:
            row = _feature_row(r, answer.language)
            label = " ".join(x for x in (row.class_name, row.name) if x)
            extra = f", {row.description}" if row.description else ""
            lines.append(f"- **[{r.id}]** {label}{extra} — {row.position} ({row.cell}, {row.feature_id})")
            lines += [f"  - {k}: {v}" for k, v in row.attributes]
        lines.append("")
    if answer.warnings:
        lines += ["## " + ("Avertissements" if fr else "Warnings"), ""]
        lines += [f"- {w}" for w in answer.warnings]
        lines.append("")
    mode = "extractive" if answer.mode == "extractive" else f"Mistral ({answer.model or '?'})"
    lines.append(f"_Mode : {mode}_" if fr else f"_Mode: {mode}_")
    lines.append("")
    lines.append(
        "**Ne pas utiliser pour la navigation.** Vérifiez sur les cartes et publications officielles."
        if fr
        else "**Not for navigation.** Check against official charts and publications."
    )
    if marking and answer.marking != markings().lowest:
        lines += ["", f"**{marking}**"]  # a classified document is marked at its top and its foot
    return "\n".join(lines) + "\n"


def export_geojson(answer: Answer) -> str:
    """The answer's map as RFC 7946 GeoJSON text."""
    return json.dumps(answer.geojson(), ensure_ascii=False, indent=2)


def write_export(answer: Answer, charts: Any, kind: str, *, out_dir: Path) -> Path:
    """Write the answer as ``md``, ``geojson`` or ``png`` (the static map) in ``out_dir``; return the file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    digest = hashlib.sha256(f"{answer.question}|{id(answer)}|{time.time_ns()}".encode()).hexdigest()[:6]
    path = out_dir / f"maritime-{stamp}-{digest}.{kind}"
    if kind == "md":
        path.write_text(export_markdown(answer), encoding="utf-8")
    elif kind == "geojson":
        path.write_text(export_geojson(answer), encoding="utf-8")
    elif kind == "png":
        from maritime.maps import render_png

        with _PLOT_LOCK:
            render_png(answer, charts, path)
    else:
        raise ConfigError(f"unknown export {kind!r}; use md, geojson or png")
    return path


# -- banner ------------------------------------------------------------------------------------------


def mode_banner() -> str:
    """Which model answers (bilingual), from :func:`maritime.llm.backends.describe_backend`."""
    from maritime.llm.backends import describe_backend

    try:
        text = describe_backend()
    except MaritimeError as exc:  # a bad configuration is news for the banner, not a crash
        text = f"model configuration error: {exc}"
    if "extractive" in text and "connected" not in text:
        fr = "réponses extractives (composées à partir des sources, sans modèle)"
    elif "connected" in text:
        fr = "Mistral local connecté"
    else:
        fr = "modèle indisponible"
    return f"{fr} · {text}"
