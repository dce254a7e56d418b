"""Retrieval evaluation: recall@k and MRR of each search mode on a bilingual question file.

The question file is YAML, a list of entries::

    - id: q01
      question: "Quelle est la caractéristique du feu du Portzic ?"
      language: fr
      expected:                       # one or more acceptable passages
        - {source: instructions_nautiques_brest.pdf, page: 3, section: "2.14"}
      cross_lingual: false
      key_facts: ["Oc(2)WR 12s"]

A retrieved passage answers an entry when its source and page equal one of the expected ones (the
section too, when ``strict_section`` is set). Recall@k is the share of questions answered in the
top k; MRR is the mean of 1/rank of the first answering passage (0 when none in the top ``depth``).

Answers (``evaluate_answers``) are judged on what the entries give: ``key_facts`` (each must appear in
the answer or in a passage it cites), the answer's language, ``no_answer: true`` (the answer must say
it found nothing and cite nothing), and ``expected_chart`` (features by ``class`` and ``lat``/``lon``;
a cited feature within 100 m of an expected one of the same class counts as found)::

    - id: c01
      question: "Quel est le feu le plus proche de 48°21,5'N 004°33,0'O ?"
      language: fr
      expected_chart: [{class: LIGHTS, lat: 48.3541, lon: -4.5441}]
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from maritime.answering.citations import NOTHING_FOUND
from maritime.errors import ConfigError

if TYPE_CHECKING:
    from maritime.assistant import Assistant


@dataclass(frozen=True)
class Expected:
    source: str
    page: int | None = None
    section: str | None = None


@dataclass(frozen=True)
class ExpectedFeature:
    object_class: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    language: str
    expected: tuple[Expected, ...]
    cross_lingual: bool = False
    key_facts: tuple[str, ...] = ()
    no_answer: bool = False
    expected_chart: tuple[ExpectedFeature, ...] = ()


@dataclass
class ModeResult:
    """Metrics of one search mode over one subset of questions."""

    mode: str
    subset: str
    n: int
    recall_at_k: float
    mrr: float
    p50_ms: float
    p95_ms: float
    misses: list[str] = field(default_factory=list)


def load_questions(path: Path) -> list[Question]:
    """Read and validate a question file; errors name the file and the entry."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read question file ({exc})") from exc
    if not isinstance(data, list):
        raise ConfigError(f"{path}: expected a YAML list of questions")
    questions = []
    for i, entry in enumerate(data):
        try:
            expected = tuple(
                Expected(str(e["source"]), e.get("page"), str(e["section"]) if e.get("section") else None)
                for e in entry.get("expected") or []
            )
            questions.append(
                Question(
                    id=str(entry.get("id", f"#{i + 1}")),
                    question=str(entry["question"]),
                    language=str(entry.get("language", "")),
                    expected=expected,
                    cross_lingual=bool(entry.get("cross_lingual", False)),
                    key_facts=tuple(str(k) for k in entry.get("key_facts") or []),
                    no_answer=bool(entry.get("no_answer", False)),
                    expected_chart=tuple(
                        ExpectedFeature(str(f["class"]), float(f["lat"]), float(f["lon"]))
                        for f in entry.get("expected_chart") or []
                    ),
                )
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{path}: question {i + 1} is malformed ({exc!r})") from exc
    return questions


def _rank(docs: list[Any], expected: tuple[Expected, ...], strict_section: bool) -> int | None:
    for rank, doc in enumerate(docs, start=1):
        for e in expected:
            if doc.meta.get("source") != e.source:
                continue
            if e.page is not None and doc.meta.get("page") != e.page:
                continue
            if strict_section and e.section and doc.meta.get("section") != e.section:
                continue
            return rank
    return None


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def evaluate_retrieval(
    asst: Assistant,
    questions: list[Question],
    *,
    modes: tuple[str, ...] = ("bm25", "dense", "hybrid"),
    k: int = 5,
    depth: int = 10,
    strict_section: bool = False,
) -> list[ModeResult]:
    """Run every answerable question through each mode; results for all, cross-lingual and same-language."""
    answerable = [q for q in questions if q.expected]
    results: list[ModeResult] = []
    for mode in modes:
        per_question: dict[str, tuple[int | None, float]] = {}
        for q in answerable:
            start = time.perf_counter()
            docs = asst.search(q.question, top_k=depth, mode=mode)  # type: ignore[arg-type]
            elapsed = (time.perf_counter() - start) * 1000
            per_question[q.id] = (_rank(docs, q.expected, strict_section), elapsed)
        subsets = {
            "all": answerable,
            "cross-lingual": [q for q in answerable if q.cross_lingual],
            "same-language": [q for q in answerable if not q.cross_lingual],
        }
        for name, subset in subsets.items():
            if not subset:
                continue
            ranks = [per_question[q.id][0] for q in subset]
            times = [per_question[q.id][1] for q in subset]
            results.append(
                ModeResult(
                    mode=mode,
                    subset=name,
                    n=len(subset),
                    recall_at_k=sum(1 for r in ranks if r is not None and r <= k) / len(subset),
                    mrr=sum(1 / r for r in ranks if r is not None) / len(subset),
                    p50_ms=_percentile(times, 50),
                    p95_ms=_percentile(times, 95),
                    misses=[q.id for q, r in zip(subset, ranks, strict=True) if r is None or r > k],
                )
            )
    return results


def markdown_table(results: list[ModeResult], k: int = 5) -> str:
    """The results as a Markdown table."""
    lines = [
        f"| mode | questions | n | recall@{k} | MRR@10 | p50 ms | p95 ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.mode} | {r.subset} | {r.n} | {r.recall_at_k:.3f} | {r.mrr:.3f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} |"
        )
    return "\n".join(lines)


@dataclass
class AnswerResult:
    """Answer-level metrics over a question file (None where no question measures it)."""

    n: int
    language_accuracy: float
    key_fact_accuracy: float | None
    citation_precision: float | None
    refusal_accuracy: float | None
    chart_recall: float | None
    chart_precision: float | None
    p50_ms: float
    p95_ms: float
    mode: str
    failures: dict[str, list[str]] = field(default_factory=dict)


def _norm(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split()).lower()


def evaluate_answers(asst: Assistant, questions: list[Question], *, top_k: int = 5) -> AnswerResult:
    """Ask every question and measure the answers (see the module docstring)."""
    from maritime.geo.coordinates import Position
    from maritime.geo.geodesy import distance_nm

    times: list[float] = []
    lang_ok = 0
    facts_total = facts_ok = 0
    cited_total = cited_ok = 0
    refusals_total = refusals_ok = 0
    chart_expected = chart_found = chart_cited = chart_cited_ok = 0
    failures: dict[str, list[str]] = {"language": [], "key_facts": [], "refusal": [], "chart": []}
    modes: set[str] = set()
    for q in questions:
        start = time.perf_counter()
        answer = asst.ask(q.question, top_k=top_k)
        times.append((time.perf_counter() - start) * 1000)
        modes.add(answer.mode)
        if not q.language or answer.language == q.language:
            lang_ok += 1
        else:
            failures["language"].append(q.id)
        quotes = [_norm(c.quote) for c in answer.citations]
        text = _norm(answer.answer)
        if q.key_facts:
            facts_total += 1
            facts = [_norm(f) for f in q.key_facts]
            if all(f in text or any(f in quote for quote in quotes) for f in facts):
                facts_ok += 1
            else:
                failures["key_facts"].append(q.id)
            for quote in quotes:
                cited_total += 1
                cited_ok += any(f in quote for f in facts)
        if q.no_answer:
            refusals_total += 1
            refused = (
                not answer.citations and not answer.chart_features and any(n in text for n in NOTHING_FOUND)
            )
            refusals_ok += refused
            if not refused:
                failures["refusal"].append(q.id)
        if q.expected_chart:
            hits = set()
            for ref in answer.chart_features:
                chart_cited += 1
                good = False
                for i, exp in enumerate(q.expected_chart):
                    if ref.object_class == exp.object_class and (
                        distance_nm(Position(ref.lat, ref.lon), Position(exp.lat, exp.lon)) * 1852.0 <= 100.0
                    ):
                        hits.add(i)
                        good = True
                chart_cited_ok += good
            chart_expected += len(q.expected_chart)
            chart_found += len(hits)
            if len(hits) < len(q.expected_chart):
                failures["chart"].append(q.id)
    return AnswerResult(
        n=len(questions),
        language_accuracy=lang_ok / len(questions) if questions else 0.0,
        key_fact_accuracy=facts_ok / facts_total if facts_total else None,
        citation_precision=cited_ok / cited_total if cited_total else None,
        refusal_accuracy=refusals_ok / refusals_total if refusals_total else None,
        chart_recall=chart_found / chart_expected if chart_expected else None,
        chart_precision=chart_cited_ok / chart_cited if chart_cited else None,
        p50_ms=_percentile(times, 50),
        p95_ms=_percentile(times, 95),
        mode="/".join(sorted(modes)),
        failures={k: v for k, v in failures.items() if v},
    )


def answers_table(result: AnswerResult) -> str:
    """Answer metrics as a Markdown table."""

    def fmt(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    return "\n".join(
        [
            "| questions | mode | language | key facts | citation precision | refusals | chart recall | "
            "chart precision | p50 ms | p95 ms |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {result.n} | {result.mode} | {result.language_accuracy:.3f} | {fmt(result.key_fact_accuracy)} | "
            f"{fmt(result.citation_precision)} | {fmt(result.refusal_accuracy)} | {fmt(result.chart_recall)} | "
            f"{fmt(result.chart_precision)} | {result.p50_ms:.0f} | {result.p95_ms:.0f} |",
        ]
    )
