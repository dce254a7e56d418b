"""Verify corpora/questions.yaml against the built PDFs and their sources.

    python corpora/check_questions.py [--pdf corpora/pdf] [--questions corpora/questions.yaml]

For every expected passage of every question it checks, on the stated 1-based page
of the built PDF (text from ``page.get_text()``, whitespace collapsed):

- the section label (paragraph number, ``Article N`` or heading) appears on the page;
- at least one key fact appears on the page, inside that section of the source
  (``corpora/src/<stem>.md``), and every key fact appears in at least one expected passage.

It also checks the schema, unique ids, ``cross_lingual`` (true exactly when every expected
source is in another language than the question) and the balance of the set
(at least 44 questions, French and English within 2 of each other, at least a quarter
cross-lingual). Exit status 1 and one line per problem when anything is wrong.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pymupdf
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build_corpus import SRC_DIR, language_of, parse_source, section_label  # noqa: E402

MIN_QUESTIONS = 44
FIELDS = {"id", "question", "language", "expected", "cross_lingual", "key_facts"}


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def label_in(label: str, text: str) -> bool:
    if re.fullmatch(r"\d+\.\d+", label):  # "2.1" must not match "2.10" or "12.1"
        return re.search(rf"(?<![\d.]){re.escape(label)}(?![\d])", text) is not None
    return label in text


@cache
def pdf_pages(path: Path) -> tuple[str, ...]:
    with pymupdf.open(path) as doc:
        return tuple(normalize(page.get_text()) for page in doc)


@cache
def source_sections(stem: str) -> dict[tuple[int, str], str]:
    """{(page, section label): text of that section on that page} from the Markdown source."""
    src = SRC_DIR / f"{stem}.md"
    pages = parse_source(src.read_text(encoding="utf-8"), src.name)
    sections: dict[tuple[int, str], str] = {}
    current = ""
    for number, blocks in enumerate(pages, 1):
        for block in blocks:
            is_heading = block.kind in ("h1", "h2", "h3")
            current = block.text if is_heading else (section_label(block) or current)
            key = (number, current)
            sections[key] = normalize(sections.get(key, "") + " " + block.text)
    return sections


def check_entry(entry: object, pdf_dir: Path) -> list[str]:
    if not isinstance(entry, dict):
        return [f"entry is not a mapping: {entry!r}"]
    qid = entry.get("id", "?")
    errors: list[str] = []
    missing = FIELDS - entry.keys()
    extra = entry.keys() - FIELDS
    if missing or extra:
        return [f"{qid}: missing fields {sorted(missing)}, unknown fields {sorted(extra)}"]
    if not isinstance(entry["question"], str) or not entry["question"].strip():
        errors.append(f"{qid}: empty question")
    lang = entry["language"]
    if lang not in ("fr", "en"):
        errors.append(f"{qid}: language must be fr or en, not {lang!r}")
    facts = entry["key_facts"]
    if not isinstance(facts, list) or not facts or not all(isinstance(f, str) and f for f in facts):
        return [*errors, f"{qid}: key_facts must be a non-empty list of strings"]
    expected = entry["expected"]
    if not isinstance(expected, list) or not expected:
        return [*errors, f"{qid}: expected must be a non-empty list"]

    found: set[str] = set()
    languages: set[str] = set()
    for exp in expected:
        if not isinstance(exp, dict) or set(exp) != {"source", "page", "section"}:
            errors.append(f"{qid}: expected entry needs exactly source, page, section: {exp!r}")
            continue
        source, page, section = exp["source"], exp["page"], str(exp["section"])
        where = f"{qid}: {source} p.{page} [{section}]"
        pdf = pdf_dir / str(source)
        if not pdf.is_file():
            errors.append(f"{where}: no such PDF in {pdf_dir}")
            continue
        stem = pdf.stem
        languages.add(language_of(stem))
        pages = pdf_pages(pdf)
        if not isinstance(page, int) or not 1 <= page <= len(pages):
            errors.append(f"{where}: page out of range 1..{len(pages)}")
            continue
        text = pages[page - 1]
        if not label_in(section, text):
            errors.append(f"{where}: section label not on the page")
        section_text = source_sections(stem).get((page, section))
        if section_text is None:
            errors.append(f"{where}: the source has no section {section!r} on page {page}")
            continue
        here = [f for f in facts if normalize(f) in text and normalize(f) in section_text]
        if not here:
            errors.append(f"{where}: none of the key facts is in this passage")
        found.update(here)
    for fact in facts:
        if fact not in found:
            errors.append(f"{qid}: key fact {fact!r} is in no expected passage")
    if languages and entry["cross_lingual"] is not (lang not in languages):
        errors.append(f"{qid}: cross_lingual should be {lang not in languages}")
    return errors


def check(questions_path: Path, pdf_dir: Path) -> tuple[list[str], Counter[str]]:
    data = yaml.safe_load(questions_path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        return [f"{questions_path}: must be a YAML list"], Counter()
    errors: list[str] = []
    stats: Counter[str] = Counter()
    ids = Counter(str(e.get("id")) for e in data if isinstance(e, dict))
    errors += [f"duplicate id {qid}" for qid, n in ids.items() if n > 1]
    for entry in data:
        errors += check_entry(entry, pdf_dir)
        if isinstance(entry, dict):
            stats["total"] += 1
            stats[str(entry.get("language"))] += 1
            stats["cross_lingual"] += bool(entry.get("cross_lingual"))
    if stats["total"] < MIN_QUESTIONS:
        errors.append(f"only {stats['total']} questions, need {MIN_QUESTIONS}")
    if abs(stats["fr"] - stats["en"]) > 2:
        errors.append(f"unbalanced languages: {stats['fr']} fr, {stats['en']} en")
    if 4 * stats["cross_lingual"] < stats["total"]:
        errors.append(f"only {stats['cross_lingual']} cross-lingual questions, need a quarter")
    return errors, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify corpora/questions.yaml against the built PDFs.")
    parser.add_argument("--pdf", type=Path, default=HERE / "pdf", help="folder of built PDFs")
    parser.add_argument("--questions", type=Path, default=HERE / "questions.yaml")
    args = parser.parse_args(argv)
    errors, stats = check(args.questions, args.pdf)
    for error in errors:
        print(f"FAIL {error}", file=sys.stderr)
    print(
        f"{stats['total']} questions: {stats['fr']} fr, {stats['en']} en, "
        f"{stats['cross_lingual']} cross-lingual; {len(errors)} problems"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
