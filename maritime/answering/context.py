"""Fit chart facts and passages into the model's context window, counted in Mistral tokens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from haystack import Document

from maritime import meta as M
from maritime.access import MARKING_KEY
from maritime.answer import ChartRef, Citation
from maritime.answering.chartfacts import feature_fact
from maritime.answering.query import QueryAnalysis
from maritime.llm.prompting import PromptFeature, PromptPassage, system_prompt, user_prompt

#: Most chart features offered to the model.
MAX_FEATURES = 12
#: Tokens of a passage's <document ...> tags and attributes, a generous estimate.
_BLOCK_OVERHEAD = 60


@dataclass
class BuiltContext:
    """The messages for the model and the sources they offer, numbered as the prompt numbers them."""

    messages: list[dict[str, str]]
    citations: list[Citation]
    chart_refs: list[ChartRef]
    omitted: int
    prompt_tokens: int


def citation_from(doc: Document, number: int) -> Citation:
    """A numbered citation of a retrieved passage."""
    meta = doc.meta
    bbox = meta.get(M.BBOX)
    positions = tuple((float(p[0]), float(p[1])) for p in meta.get(M.POSITIONS) or [] if len(p) == 2)
    return Citation(
        id=str(number),
        source=str(meta.get(M.SOURCE) or meta.get(M.SOURCE_PATH) or doc.id),
        quote=doc.content or "",
        title=meta.get(M.TITLE),
        page=meta.get(M.PAGE),
        section=meta.get(M.SECTION),
        language=meta.get(M.LANGUAGE),
        bbox=(bbox[0], bbox[1], bbox[2], bbox[3]) if isinstance(bbox, list) and len(bbox) == 4 else None,
        score=doc.score,
        positions=positions,
        marking=meta.get(MARKING_KEY),
    )


def area_label(analysis: QueryAnalysis) -> str | None:
    """How the prompt names the place of the question."""
    from maritime.geo.coordinates import format_position

    position = analysis.position
    if position is None:
        return None
    text = format_position(position, language=analysis.language)
    if analysis.place_name:
        text = f"{analysis.place_name} ({text})"
    if analysis.radius_nm:
        unit = "M" if analysis.language == "fr" else "NM"
        text += f", {'rayon' if analysis.language == 'fr' else 'radius'} {analysis.radius_nm:g} {unit}"
    return text


def build_context(
    analysis: QueryAnalysis,
    documents: list[Document],
    chart_refs: list[ChartRef],
    *,
    count_tokens: Callable[[list[dict[str, str]]], int],
    budget_tokens: int,
    count_text: Callable[[str], int] | None = None,
) -> BuiltContext:
    """Chart features first (they are short and exact), then passages best first, while they fit.

    Parameters
    ----------
    count_tokens:
        Tokens of a list of chat messages, as the model will see them (mistral-common encoding).
    count_text:
        Tokens of a plain text, for the estimate made while choosing passages.
    budget_tokens:
        Room for the prompt: the context window minus what the answer may use.
    """
    language = analysis.language
    refs = chart_refs[:MAX_FEATURES]
    features = [PromptFeature(i + 1, feature_fact(r, language)) for i, r in enumerate(refs)]
    system = system_prompt(language)
    area = area_label(analysis)

    def messages_for(passages: list[PromptPassage], omitted: int) -> list[dict[str, str]]:
        user = user_prompt(
            question=analysis.question,
            language=language,
            passages=passages,
            chart_features=features,
            area=area,
            omitted=omitted,
        )
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    chosen: list[PromptPassage] = []
    citations: list[Citation] = []
    used = count_tokens(messages_for([], len(documents)))
    # Passages are added while an estimate fits (their own tokens plus the block's tags), then the
    # whole prompt is counted exactly once and trimmed if the estimate was short.
    for doc in documents:
        citation = citation_from(doc, len(chosen) + 1)
        candidate = PromptPassage(
            number=len(chosen) + 1,
            source=citation.source,
            text=citation.quote,
            page=citation.page,
            section=citation.section,
            language=citation.language,
        )
        estimate = (count_text(citation.quote) if count_text else len(citation.quote) // 2) + _BLOCK_OVERHEAD
        if used + estimate > budget_tokens:
            break
        chosen.append(candidate)
        citations.append(citation)
        used += estimate
    while True:
        omitted = len(documents) - len(chosen)
        messages = messages_for(chosen, omitted)
        used = count_tokens(messages)
        if used <= budget_tokens or not chosen:
            break
        chosen.pop()
        citations.pop()
    return BuiltContext(
        messages=messages, citations=citations, chart_refs=refs, omitted=omitted, prompt_tokens=used
    )
