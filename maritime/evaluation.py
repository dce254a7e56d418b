"""Evaluation of retrieval and answers on a bilingual question file.

The question file is YAML, a list of entries::

    - id: q01
      question: "Quelle est la caractéristique du feu du Portzic ?"
      language: fr
      expected:                       # one or more acceptable passages
        - {source: instructions_nautiques_brest.pdf, page: 3, section: "2.14"}
      cross_lingual: false
      key_facts: ["Oc(2)WR 12s"]

Retrieval (``evaluate_retrieval``) runs every entry with ``expected`` passages through each search mode.
A retrieved passage answers an entry when its source equals an expected one and its page too when the
entry gives a page. The section must match as well with ``strict_section``, or when the entry gives a
section but no page: Markdown and plain-text sources have no pages, so there the section (the heading
of the passage) stands in for the page; an entry that names only a source matches any of its
passages. Recall@k is the share of questions answered in the top k; MRR is the mean of 1/rank of the
first answering passage (0 when none in the top ``depth``).

Answers (``evaluate_answers``) are judged on what the entries give: ``key_facts`` (each must appear in
the answer or in a passage it cites), the answer's language, ``no_answer: true`` (the answer must say
it found nothing and cite nothing), and ``expected_chart`` (features by ``class`` and ``lat``/``lon``;
a cited feature within 100 m of an expected one of the same class counts as found)::

    - id: c01
      question: "Quel est le feu le plus proche de 48°21,5'N 004°33,0'O ?"
      language: fr
      expected_chart: [{class: LIGHTS, lat: 48.3541, lon: -4.5441}]

An entry may give the place it is about apart from its text, as ``near`` (a position in any notation
:func:`maritime.geo.parse_position` reads) and ``radius_nm``. ``ask`` receives both; ``search``
receives them only together, as a filter on the positions written in the passages::

    - id: c02
      question: "Which wrecks are charted here?"
      language: en
      near: "47°17.7'N 122°25.5'W"
      radius_nm: 0.5
      expected_chart: [{class: WRECKS, lat: 47.29567, lon: -122.42507}]

Timings are per question (p50 and p95), on a warm process: one untimed search per mode, and one
untimed question before the answers, load the models and build the pipelines first.

``load_question_files`` reads several files as one set (ids must be unique across them);
:class:`EvalReport` gathers the metrics with what produced them (commit, date, index, embedder, answer
backend, question counts) and writes them as JSON and as a Markdown table.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from maritime.answering.citations import NOTHING_FOUND
from maritime.errors import ConfigError, CoordinateError
from maritime.geo.coordinates import Position, parse_position
from maritime.geo.geodesy import distance_nm

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
    near: str | None = None
    radius_nm: float | None = None


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
        where = f"{path}: question {i + 1}"
        try:
            near, radius_nm = _place(entry, where)
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
                    near=near,
                    radius_nm=radius_nm,
                )
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ConfigError(f"{where} is malformed ({exc!r})") from exc
    return questions


def load_question_files(paths: list[Path]) -> list[Question]:
    """The questions of several files, in order; an id used twice (in one file or two) is an error."""
    questions = [q for path in paths for q in load_questions(path)]
    seen: Counter[str] = Counter(q.id for q in questions)
    twice = sorted(qid for qid, n in seen.items() if n > 1)
    if twice:
        files = ", ".join(str(p) for p in paths)
        raise ConfigError(f"{files}: question id(s) used more than once: {', '.join(twice)}")
    return questions


def _place(entry: dict[str, Any], where: str) -> tuple[str | None, float | None]:
    """``near`` and ``radius_nm`` of an entry, checked: a position maritime reads, a positive radius."""
    near = entry.get("near")
    radius = entry.get("radius_nm")
    if near is not None:
        near = str(near)
        try:
            parse_position(near)
        except CoordinateError as exc:
            raise ConfigError(f"{where}: near {near!r} is not a position ({exc})") from exc
    if radius is not None:
        if isinstance(radius, bool) or not isinstance(radius, int | float) or radius <= 0:
            raise ConfigError(
                f"{where}: radius_nm must be a positive number of nautical miles, not {radius!r}"
            )
        if near is None:
            raise ConfigError(f"{where}: radius_nm needs near (the position the radius is around)")
        radius = float(radius)
    return near, radius


def question_counts(questions: list[Question]) -> dict[str, int]:
    """How many questions, by language, cross-lingual, and by what they measure.

    >>> question_counts([])
    {'total': 0, 'fr': 0, 'en': 0, 'cross_lingual': 0, 'retrieval': 0, 'chart': 0, 'no_answer': 0, 'key_facts': 0, 'near': 0}
    """
    languages = Counter(q.language for q in questions)
    return {
        "total": len(questions),
        "fr": languages["fr"],
        "en": languages["en"],
        "cross_lingual": sum(q.cross_lingual for q in questions),
        "retrieval": sum(bool(q.expected) for q in questions),
        "chart": sum(bool(q.expected_chart) for q in questions),
        "no_answer": sum(q.no_answer for q in questions),
        "key_facts": sum(bool(q.key_facts) for q in questions),
        "near": sum(q.near is not None for q in questions),
    }


def _rank(docs: list[Any], expected: tuple[Expected, ...], strict_section: bool) -> int | None:
    for rank, doc in enumerate(docs, start=1):
        for e in expected:
            if doc.meta.get("source") != e.source:
                continue
            if e.page is not None and doc.meta.get("page") != e.page:
                continue
            # Without a page (Markdown, plain text) the section is what places the passage.
            if e.section and (strict_section or e.page is None) and doc.meta.get("section") != e.section:
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
        if answerable:  # untimed: the first search of a mode loads its model and builds its pipeline
            asst.search(answerable[0].question, top_k=depth, mode=mode)  # type: ignore[arg-type]
        for q in answerable:
            place: dict[str, Any] = {}
            if q.near is not None and q.radius_nm is not None:
                place = {"near": q.near, "radius_nm": q.radius_nm}
            start = time.perf_counter()
            docs = asst.search(q.question, top_k=depth, mode=mode, **place)  # type: ignore[arg-type]
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
    models: list[str] = field(default_factory=list)


def _norm(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split()).lower()


def evaluate_answers(asst: Assistant, questions: list[Question], *, top_k: int = 5) -> AnswerResult:
    """Ask every question and measure the answers (see the module docstring)."""
    times: list[float] = []
    lang_ok = 0
    facts_total = facts_ok = 0
    cited_total = cited_ok = 0
    refusals_total = refusals_ok = 0
    chart_expected = chart_found = chart_cited = chart_cited_ok = 0
    failures: dict[str, list[str]] = {"language": [], "key_facts": [], "refusal": [], "chart": []}
    modes: set[str] = set()
    models: set[str] = set()
    if questions:  # untimed: the first question loads the models and builds the pipeline
        asst.ask(questions[0].question, top_k=top_k)
    for q in questions:
        start = time.perf_counter()
        answer = asst.ask(q.question, near=q.near, radius_nm=q.radius_nm, top_k=top_k)
        times.append((time.perf_counter() - start) * 1000)
        modes.add(answer.mode)
        if answer.model:
            models.add(answer.model)
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
        models=sorted(models),
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


def repo_commit(start: Path | None = None) -> str:
    """The commit checked out in the Git working tree holding ``start`` (default: this package), or
    ``"unknown"``.

    Reads ``.git`` directly (``HEAD``, then the branch's loose ref or ``packed-refs``), so it needs no
    ``git`` program; uncommitted changes are not detected.

    >>> import tempfile
    >>> repo_commit(Path(tempfile.gettempdir()) / "no-such-folder")
    'unknown'
    """
    folder = (start or Path(__file__)).resolve()
    for candidate in (folder, *folder.parents):
        dot_git = candidate / ".git"
        if dot_git.exists():
            break
    else:
        return "unknown"
    try:
        if dot_git.is_file():  # a linked worktree or submodule: "gitdir: <path>"
            line = dot_git.read_text(encoding="utf-8").strip()
            if not line.startswith("gitdir:"):
                return "unknown"
            dot_git = (candidate / line.removeprefix("gitdir:").strip()).resolve()
        head = (dot_git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref:"):
            return head or "unknown"  # detached HEAD: the hash itself
        ref = head.removeprefix("ref:").strip()
        common = dot_git
        commondir = dot_git / "commondir"
        if commondir.is_file():
            common = (dot_git / commondir.read_text(encoding="utf-8").strip()).resolve()
        for base in (dot_git, common):
            loose = base / ref
            if loose.is_file():
                return loose.read_text(encoding="utf-8").strip() or "unknown"
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref:
                    return parts[0]
    except OSError:
        return "unknown"
    return "unknown"


def configured_backend() -> str:
    """The answer model the environment configures, by name, or ``"none (extractive)"``."""
    from maritime.llm.backends import backend_from_env

    try:
        backend = backend_from_env()
    except ConfigError as exc:
        return f"misconfigured ({exc})"
    return backend.name if backend is not None else "none (extractive)"


@dataclass
class EvalReport:
    """One evaluation run: the metrics and what produced them, as JSON (:meth:`to_dict`) or Markdown."""

    questions_files: list[str]
    counts: dict[str, int]
    retrieval: list[ModeResult]
    answers: AnswerResult | None
    embedder: str
    backend: str
    index: str
    k: int = 5
    strict_section: bool = False
    commit: str = "unknown"
    date: str = ""

    @classmethod
    def create(
        cls,
        questions_files: list[Path],
        questions: list[Question],
        retrieval: list[ModeResult],
        answers: AnswerResult | None,
        *,
        embedder: str | None,
        index: Path,
        backend: str | None = None,
        k: int = 5,
        strict_section: bool = False,
    ) -> EvalReport:
        """A report stamped with the checked-out commit and the current UTC time.

        ``backend`` names the model that answers; by default the one the environment configures
        (``MARITIME_LLM_URL``, ``MARITIME_GGUF``), or extractive answers when there is none.
        """
        if backend is None:
            backend = configured_backend()
        return cls(
            questions_files=[str(p) for p in questions_files],
            counts=question_counts(questions),
            retrieval=retrieval,
            answers=answers,
            embedder=embedder or "none",
            backend=backend,
            index=str(index),
            k=k,
            strict_section=strict_section,
            commit=repo_commit(),
            date=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        )

    def to_dict(self) -> dict[str, Any]:
        """Everything in the report, JSON-serialisable; ``answers`` is None without answer metrics."""
        return {
            "questions_files": list(self.questions_files),
            "commit": self.commit,
            "date": self.date,
            "index": self.index,
            "embedder": self.embedder,
            "backend": self.backend,
            "answer_mode": self.answers.mode if self.answers else None,
            "k": self.k,
            "strict_section": self.strict_section,
            "counts": dict(self.counts),
            "retrieval": [asdict(r) for r in self.retrieval],
            "answers": asdict(self.answers) if self.answers else None,
        }

    def markdown(self) -> str:
        """The report as Markdown: what was run, then the retrieval and answer tables."""
        c = self.counts
        lines = [
            "# Evaluation of " + ", ".join(f"`{f}`" for f in self.questions_files),
            "",
            f"- commit: `{self.commit}`, date: {self.date}",
            f"- index: `{self.index}`, embedder: `{self.embedder}`, answer backend: {self.backend}"
            + (f", answer mode: {self.answers.mode}" if self.answers else "")
            + (f" ({', '.join(self.answers.models)})" if self.answers and self.answers.models else ""),
            f"- questions: {c['total']} ({c['fr']} fr, {c['en']} en, {c['cross_lingual']} cross-lingual); "
            f"{c['retrieval']} with expected passages, {c['chart']} with chart features, "
            f"{c['no_answer']} to refuse, {c['key_facts']} with key facts, {c['near']} with a position apart",
            "",
        ]
        if self.retrieval:
            strict = ", section must match" if self.strict_section else ""
            lines += [
                f"## Retrieval (recall@{self.k}, MRR@10{strict})",
                "",
                markdown_table(self.retrieval, self.k),
            ]
            misses = [
                f"- {r.mode} missed: {', '.join(r.misses)}"
                for r in self.retrieval
                if r.subset == "all" and r.misses
            ]
            lines += ["", *misses, ""] if misses else [""]
        if self.answers is not None:
            lines += ["## Answers", "", answers_table(self.answers)]
            failed = [f"- {kind} failed: {', '.join(ids)}" for kind, ids in self.answers.failures.items()]
            lines += ["", *failed, ""] if failed else [""]
        return "\n".join(lines)

    def write(self, base: Path) -> tuple[Path, Path]:
        """Write ``base.json`` and ``base.md`` (a ``.json`` or ``.md`` suffix on ``base`` is dropped)."""
        if base.suffix in (".json", ".md"):
            base = base.with_suffix("")
        base.parent.mkdir(parents=True, exist_ok=True)
        json_path = base.with_name(base.name + ".json")
        md_path = base.with_name(base.name + ".md")
        json_path.write_text(
            json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        md_path.write_text(self.markdown(), encoding="utf-8")
        return json_path, md_path
