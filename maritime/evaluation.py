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
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from maritime.errors import ConfigError

if TYPE_CHECKING:
    from maritime.assistant import Assistant


@dataclass(frozen=True)
class Expected:
    source: str
    page: int | None = None
    section: str | None = None


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    language: str
    expected: tuple[Expected, ...]
    cross_lingual: bool = False
    key_facts: tuple[str, ...] = ()


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
