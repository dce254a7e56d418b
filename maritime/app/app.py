"""The Gradio layout of the web app: :func:`build_app` wires :mod:`maritime.app.handlers` to components.

Nothing is built at import time. ``build_app()`` opens the index (or takes an open
:class:`~maritime.Assistant`) and returns a ``gr.Blocks`` whose ``launch()`` defaults to loopback, the
app's own stylesheet and inline script, the optional login, and no server-side rendering, PWA or MCP
endpoints. Example::

    from maritime.app import build_app

    app = build_app(".maritime-index")
    app.launch()                       # http://127.0.0.1:7860
"""

from __future__ import annotations

import contextlib
import logging
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from maritime.access import markings, resolve_clearance
from maritime.app import handlers, render
from maritime.app.auth import Credentials, auth_from_env, load_auth_file
from maritime.app.mapsvg import render_svg
from maritime.app.views import DOC_TYPES, AnswerView
from maritime.errors import MaritimeError

if TYPE_CHECKING:
    from maritime.assistant import Assistant, Conversation

logger = logging.getLogger(__name__)

AuthSpec = Callable[[str, str], bool] | str | Path | None
#: Questions answered side by side (Gradio queues the rest); an ingest runs alone.
ASK_CONCURRENCY = 8
_STREAM_EVERY_S = 0.05
_DONE = object()


@dataclass
class Session:
    """One browser session: its conversation (follow-up questions) and the answer on screen."""

    conversation: Conversation
    view: AnswerView | None = None
    #: The clearance the session's answers were made with (a new login starts a new session).
    clearance: str | None = None


class MaritimeBlocks(gr.Blocks):
    """``gr.Blocks`` whose ``launch()`` defaults suit the app: loopback, own CSS and script, login."""

    maritime_auth: Callable[[str, str], bool] | None = None

    def launch(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("server_name", "127.0.0.1")
        kwargs.setdefault("css", render.CSS)
        kwargs.setdefault("head", render.HEAD)
        kwargs.setdefault("auth", self.maritime_auth)
        kwargs.setdefault(
            "auth_message", "maritime — Ne pas utiliser pour la navigation / Not for navigation"
        )
        kwargs.setdefault("footer_links", ["api", "settings"])
        kwargs.setdefault("ssr_mode", False)
        kwargs.setdefault("pwa", False)
        kwargs.setdefault("mcp_server", False)
        kwargs.setdefault("enable_monitoring", False)
        kwargs.setdefault("show_error", True)
        kwargs.setdefault("max_file_size", "500mb")
        kwargs.setdefault("share", False)
        return super().launch(*args, **kwargs)


def _resolve_auth(auth: AuthSpec) -> Callable[[str, str], bool] | None:
    if auth is None:
        return auth_from_env()
    if isinstance(auth, str | Path):
        return load_auth_file(auth)
    return auth


def build_app(
    index_dir: str | Path | None = None,
    *,
    assistant: Assistant | None = None,
    auth: AuthSpec = None,
    work_dir: str | Path | None = None,
    clearance: str | None = None,
) -> gr.Blocks:
    """Build the web app over an index.

    Parameters
    ----------
    index_dir:
        Index folder (``$MARITIME_INDEX`` or the per-user folder when None); ignored with ``assistant``.
    assistant:
        An open :class:`~maritime.Assistant` to serve instead (tests, notebooks).
    auth:
        A login check ``(user, password) -> bool``, or the path of an auth file
        (:mod:`maritime.app.auth`); None: ``$MARITIME_APP_AUTH_FILE`` if set, else no login.
    work_dir:
        Where exported files and rendered pages are written (default: a new temporary folder).
        Uploaded files are kept in ``<index>/uploads`` (the index points at them).
    clearance:
        What users may see when the login file gives them no clearance, or everyone without a login
        (default: the assistant's, i.e. ``$MARITIME_CLEARANCE``, else the lowest marking). A logged-in
        user's clearance limits their answers, passages, maps, source pages, index tab, exports and
        the marking of their uploads (:mod:`maritime.access`).

    Returns
    -------
    gr.Blocks
        Call ``.launch()`` (defaults: 127.0.0.1:7860) or ``.launch(prevent_thread_lock=True)``.
    """
    from maritime.assistant import Assistant

    asst = assistant if assistant is not None else Assistant.open(index_dir, clearance=clearance)
    default_clearance = resolve_clearance(clearance) if clearance else asst.clearance
    credentials = _resolve_auth(auth)
    gate = handlers.AssistantGate()
    out_dir = Path(work_dir) if work_dir is not None else Path(tempfile.mkdtemp(prefix="maritime-app-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    upload_dir = asst.index_dir / "uploads"
    levels = markings().levels

    def clearance_of(request: gr.Request | None) -> str:
        """The logged-in user's clearance (auth file), else the assistant's."""
        user = getattr(request, "username", None) if request is not None else None
        if user and isinstance(credentials, Credentials):
            return credentials.clearance_of(user, default_clearance)
        return default_clearance

    def session_for(session: Session | None, clearance: str) -> Session | None:
        """The session, unless it was made under another clearance (then none: nothing carries over)."""
        return session if session is not None and session.clearance == clearance else None

    # -- event functions (thin: the work is in handlers) ------------------------------------------

    def banner() -> str:
        return f"**Modèle / Model** : {handlers.mode_banner()}"

    def coverage_map(request: gr.Request) -> str:
        with gate.shared():
            return render_svg(None, asst.charts_for(clearance_of(request)))

    def ask(
        question: str,
        history: list[dict[str, Any]] | None,
        session: Session | None,
        area: str,
        position: str,
        radius_nm: float | None,
        bbox: str,
        doc_language: str,
        doc_type: str,
        answer_language: str,
        top_k: float,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream the answer into the chat, then show its sources, features and map."""
        question = (question or "").strip()
        if not question:
            raise gr.Error("Tapez une question / Type a question")
        try:
            filters = handlers.parse_filters(
                area=area,
                position=position,
                radius_nm=radius_nm,
                bbox=bbox,
                doc_language=doc_language,
                doc_type=doc_type,
                answer_language=answer_language,
                top_k=top_k,
            )
        except MaritimeError as exc:
            raise gr.Error(str(exc)) from exc
        clearance = clearance_of(request)
        session = session_for(session, clearance) or Session(
            conversation=asst.conversation(), clearance=clearance
        )
        chat = [
            *(history or []),
            {"role": "user", "content": question},
            {"role": "assistant", "content": "…"},
        ]
        keep = gr.update()
        yield chat, "", keep, keep, keep, session

        tokens: queue.Queue[Any] = queue.Queue()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["view"] = handlers.ask(
                    asst,
                    question,
                    filters=filters,
                    conversation=session.conversation,
                    on_token=tokens.put,
                    gate=gate,
                    clearance=clearance,
                )
            except MaritimeError as exc:
                outcome["error"] = str(exc)
            except Exception as exc:  # shown in the chat; the session goes on
                logger.exception("ask failed")
                outcome["error"] = f"{type(exc).__name__}: {exc}"
            finally:
                tokens.put(_DONE)

        threading.Thread(target=work, name="maritime-ask", daemon=True).start()
        streamed = ""
        done = False
        while not done:
            item = tokens.get()
            pieces = [item]
            deadline = time.monotonic() + _STREAM_EVERY_S
            while item is not _DONE and time.monotonic() < deadline:
                with contextlib.suppress(queue.Empty):
                    item = tokens.get(timeout=max(deadline - time.monotonic(), 0.001))
                    pieces.append(item)
            done = _DONE in pieces
            text = "".join(p for p in pieces if isinstance(p, str))
            if text:
                streamed += text
                chat[-1] = {"role": "assistant", "content": streamed}
                yield chat, keep, keep, keep, keep, session
        if "error" in outcome:
            chat[-1] = {"role": "assistant", "content": f"⚠ {outcome['error']}"}
            yield chat, keep, keep, keep, keep, session
            return
        view: AnswerView = outcome["view"]
        chat[-1] = {"role": "assistant", "content": view.markdown}
        session.view = view
        choices = handlers.source_choices(view)
        yield (
            chat,
            keep,
            render.answer_details_html(view),
            view.map_html,
            gr.update(choices=choices, value=choices[0][1] if choices else None),
            session,
        )

    def new_conversation(request: gr.Request) -> tuple[Any, ...]:
        empty = gr.update(choices=[], value=None)
        return [], None, render.answer_details_html(None), coverage_map(request), empty, None, ""

    def show_source(ref: str | None, session: Session | None, request: gr.Request) -> tuple[Any, str]:
        clearance = clearance_of(request)
        session = session_for(session, clearance)
        if not ref or session is None or session.view is None or session.view.answer is None:
            return None, ""
        try:
            view = handlers.source_view(
                asst, session.view.answer, ref, out_dir=out_dir, gate=gate, clearance=clearance
            )
        except MaritimeError as exc:
            return None, f"⚠ {exc}"
        return view.image_path, view.caption

    def exporter(kind: str) -> Callable[[Session | None, gr.Request], str | None]:
        def export(session: Session | None, request: gr.Request) -> str | None:
            clearance = clearance_of(request)
            session = session_for(session, clearance)
            if session is None or session.view is None or session.view.answer is None:
                raise gr.Error("Posez d'abord une question / Ask a question first")
            charts = asst.charts_for(clearance)
            with gate.shared():
                return str(handlers.write_export(session.view.answer, charts, kind, out_dir=out_dir))

        export.__name__ = f"export_{kind}"
        return export

    def upload(
        files: list[str] | None,
        marking: str | None,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[str, None]:
        if not files:
            raise gr.Error("Choisissez des fichiers / Choose files")

        def relay(fraction: float, description: str) -> None:
            progress(fraction, desc=description)

        try:
            report = handlers.upload(
                asst,
                list(files),
                upload_dir=upload_dir,
                progress=relay,
                gate=gate,
                marking=marking,
                clearance=clearance_of(request),
            )
        except MaritimeError as exc:
            raise gr.Error(str(exc)) from exc
        return render.upload_report_markdown(report), None  # the report lists them: clear the picker

    def index_tables(request: gr.Request) -> tuple[Any, Any, str]:
        view = handlers.index_view(asst, gate=gate, clearance=clearance_of(request))
        return render.publication_rows(view), render.chart_rows(view), view.summary

    # -- layout ------------------------------------------------------------------------------------

    with MaritimeBlocks(title="maritime — assistant hydrographique / hydrographic assistant") as app:
        gr.HTML(render.NOT_FOR_NAVIGATION_HTML, elem_id="not-for-navigation", js_on_load=None)
        banner_md = gr.Markdown(elem_id="mode-banner", elem_classes=["maritime-banner"])
        session_state = gr.State(None)
        with gr.Tabs():
            with gr.Tab("Assistant", id="assistant"), gr.Row(equal_height=False):
                with gr.Column(scale=5):
                    chatbot = gr.Chatbot(
                        label="Questions (français ou English)",
                        elem_id="chat",
                        height=420,
                        feedback_options=None,
                        buttons=["copy"],
                        placeholder="Ex. : « Quel est le feu le plus proche de 48°21,5'N 004°33'O ? » · "
                        "“Which wrecks are within 3 NM of 48°20'N 4°32'W?”",
                    )
                    with gr.Row():
                        question_box = gr.Textbox(
                            show_label=False,
                            placeholder="Votre question / Your question",
                            elem_id="question",
                            scale=5,
                            max_lines=4,
                        )
                        ask_button = gr.Button("Demander / Ask", variant="primary", elem_id="ask", scale=1)
                    new_button = gr.Button("Nouvelle conversation / New conversation", size="sm")
                    with gr.Accordion("Filtres / Filters", open=False, elem_id="filters"):
                        area = gr.Radio(
                            choices=[
                                ("aucune / none", "none"),
                                ("position + rayon / radius", "near"),
                                ("rectangle / box", "bbox"),
                            ],
                            value="none",
                            label="Zone / Area",
                        )
                        with gr.Row():
                            position = gr.Textbox(label="Position", placeholder="48°21,5'N 004°33'O")
                            radius_nm = gr.Number(label="Rayon / Radius (M / NM)", value=3.0, minimum=0)
                        bbox = gr.Textbox(
                            label="Rectangle / Box",
                            placeholder="min_lat, min_lon, max_lat, max_lon  ou/or  48°15'N 4°40'O; 48°25'N 4°25'O",
                        )
                        with gr.Row():
                            doc_language = gr.Dropdown(
                                choices=[("toutes / any", "any"), ("français", "fr"), ("English", "en")],
                                value="any",
                                label="Langue des documents / Document language",
                            )
                            doc_type = gr.Dropdown(
                                choices=[("tous / any", "any"), *[(t, t) for t in DOC_TYPES]],
                                value="any",
                                label="Type de document / Document type",
                            )
                            answer_language = gr.Dropdown(
                                choices=[
                                    ("celle de la question / question's", "auto"),
                                    ("français", "fr"),
                                    ("English", "en"),
                                ],
                                value="auto",
                                label="Langue de la réponse / Answer language",
                            )
                        top_k = gr.Slider(1, 20, value=5, step=1, label="Passages")
                    details = gr.HTML(
                        render.answer_details_html(None), elem_id="answer-details", js_on_load=None
                    )
                with gr.Column(scale=4):
                    map_html = gr.HTML(elem_id="map", js_on_load=None)
                    with gr.Row():
                        export_md = gr.Button("Markdown", size="sm", elem_id="export-md")
                        export_geojson = gr.Button("GeoJSON", size="sm", elem_id="export-geojson")
                        export_png = gr.Button("PNG", size="sm", elem_id="export-png")
                    export_file = gr.File(label="Export", elem_id="export-file", interactive=False)
                    with gr.Accordion("Source", open=True, elem_id="source-viewer"):
                        source_pick = gr.Dropdown(
                            choices=[], label="Référence / Reference", elem_id="source-pick"
                        )
                        source_caption = gr.Markdown(elem_id="source-caption")
                        source_image = gr.Image(
                            label="Page", type="filepath", interactive=False, elem_id="source-image"
                        )
            with gr.Tab("Ajouter / Upload", id="upload"):
                gr.Markdown(
                    "Publications (PDF, Markdown, texte, HTML) et cartes (cellule S-57 `.000` avec ses mises à "
                    "jour `.001`…, GeoPackage, GeoJSON, liste de lieux CSV). Consultables dès la fin de "
                    "l'ingestion. / Publications and charts; searchable as soon as the ingest ends."
                )
                upload_files = gr.File(
                    file_count="multiple", label="Fichiers / Files", elem_id="upload-files"
                )
                upload_marking = gr.Dropdown(
                    choices=list(levels),
                    value=levels[0],
                    label="Marquage / Marking (au plus votre habilitation / at most your clearance)",
                    elem_id="upload-marking",
                )
                upload_button = gr.Button("Ingérer / Ingest", variant="primary", elem_id="upload-button")
                upload_report = gr.Markdown(elem_id="upload-report")
            with gr.Tab("Index", id="index") as index_tab:
                index_summary = gr.Markdown(elem_id="index-summary")
                refresh_button = gr.Button("Actualiser / Refresh", size="sm")
                gr.Markdown("### Publications")
                publications = gr.Dataframe(
                    headers=render.PUBLICATION_HEADERS,
                    interactive=False,
                    elem_id="index-publications",
                    wrap=True,
                )
                gr.Markdown("### Cartes / Charts")
                chart_cells = gr.Dataframe(
                    headers=render.CHART_HEADERS,
                    interactive=False,
                    elem_id="index-charts",
                    wrap=True,
                    column_widths=render.CHART_COLUMN_WIDTHS,
                )

        # -- events --------------------------------------------------------------------------------

        ask_outputs = [chatbot, question_box, details, map_html, source_pick, session_state]
        ask_inputs: dict[str, Any] = {
            "question": question_box,
            "history": chatbot,
            "session": session_state,
            "area": area,
            "position": position,
            "radius_nm": radius_nm,
            "bbox": bbox,
            "doc_language": doc_language,
            "doc_type": doc_type,
            "answer_language": answer_language,
            "top_k": top_k,
        }
        source_inputs: dict[str, Any] = {"ref": source_pick, "session": session_state}
        for trigger in (ask_button.click, question_box.submit):
            trigger(
                fn=ask,
                inputs_kwargs=ask_inputs,
                outputs=ask_outputs,
                api_name="ask" if trigger == ask_button.click else None,
                api_visibility="public" if trigger == ask_button.click else "private",
                concurrency_limit=ASK_CONCURRENCY,
                concurrency_id="ask",
            ).then(
                # The first source of the new answer (its reference may be "1" again, so no change event).
                fn=show_source,
                inputs_kwargs=source_inputs,
                outputs=[source_image, source_caption],
                api_visibility="private",
                concurrency_limit=ASK_CONCURRENCY,
            )
        new_button.click(
            fn=new_conversation,
            outputs=[chatbot, session_state, details, map_html, source_pick, source_image, source_caption],
            api_name="new_conversation",
        )
        source_pick.input(
            fn=show_source,
            inputs_kwargs=source_inputs,
            outputs=[source_image, source_caption],
            api_name="source",
            concurrency_limit=ASK_CONCURRENCY,
        )
        for button, kind in ((export_md, "md"), (export_geojson, "geojson"), (export_png, "png")):
            button.click(
                fn=exporter(kind),
                inputs_kwargs={"session": session_state},
                outputs=export_file,
                api_name=f"export_{kind}",
                concurrency_limit=ASK_CONCURRENCY,
            )
        upload_button.click(
            fn=upload,
            inputs_kwargs={"files": upload_files, "marking": upload_marking},
            outputs=[upload_report, upload_files],
            api_name="upload",
            concurrency_limit=1,
        ).then(
            fn=index_tables, outputs=[publications, chart_cells, index_summary], api_visibility="private"
        ).then(fn=coverage_map, outputs=map_html, api_visibility="private")
        refresh_button.click(
            fn=index_tables, outputs=[publications, chart_cells, index_summary], api_name="index"
        )
        index_tab.select(
            fn=index_tables, outputs=[publications, chart_cells, index_summary], api_visibility="private"
        )
        app.load(fn=banner, outputs=banner_md, api_visibility="private")
        app.load(fn=coverage_map, outputs=map_html, api_visibility="private")

    app.maritime_auth = credentials
    app.queue(default_concurrency_limit=ASK_CONCURRENCY)
    return app


def launch_app(
    app: gr.Blocks,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
) -> Any:
    """Start the app's web server (blocks unless ``prevent_thread_lock``); what the CLI runs."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        logger.warning(
            "serving on %s: the app is reachable from other machines%s",
            host,
            "" if getattr(app, "maritime_auth", None) else " without a login (use --auth-file)",
        )
    return app.launch(
        server_name=host, server_port=port, prevent_thread_lock=prevent_thread_lock, quiet=quiet
    )


__all__ = ["Credentials", "MaritimeBlocks", "Session", "build_app", "launch_app"]
