"""The app in headless Chromium: French and English questions, citations, map, upload, and no request
leaves the machine.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright's Python API; no browser is
downloaded. Every request the page makes is recorded twice (``page.on("request")`` and a
``context.route`` catch-all) and must go to the app's own loopback address. Screenshots are saved in
``test-artifacts/``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from maritime import Assistant
from tests.app.conftest import (
    EN_POSITION,
    EN_QUESTION,
    EN_RADIUS_NM,
    FR_POSITION,
    FR_QUESTION,
    SAMPLE_CELL,
    UPLOADED_PDF,
    ChartTruth,
    running,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting.*", "ignore:The copy keyword is deprecated"),
]
TIMEOUT_MS = 60_000


class Recorder:
    """Every URL the page asks for, seen by the page and by the context's router."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.routed: list[str] = []

    def attach(self, context: Any, page: Any) -> None:
        def route(r: Any) -> None:
            self.routed.append(r.request.url)
            r.continue_()

        context.route("**/*", route)
        page.on("request", lambda request: self.requests.append(request.url))

    def foreign(self, origin: str) -> list[str]:
        allowed = urlsplit(origin).netloc
        urls = self.requests + self.routed
        return [
            u for u in urls if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != allowed
        ]


@pytest.fixture()
def page_and_recorder(browser: Any) -> Iterator[tuple[Any, Recorder]]:
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="fr-FR")
    page = context.new_page()
    recorder = Recorder()
    recorder.attach(context, page)
    try:
        yield page, recorder
    finally:
        context.close()


def _ask(page: Any, question: str) -> None:
    """Type and send ``question``; return when its answer panel is shown (the answer is complete)."""
    before = page.locator("#chat [data-testid='bot']").count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    page.wait_for_function(
        """([n, question]) => {
            const panel = document.querySelector('#answer-details .maritime-answer');
            return document.querySelectorAll("#chat [data-testid='bot']").length > n
                && panel !== null && panel.dataset.question === question;
        }""",
        arg=[before, question],
        timeout=TIMEOUT_MS,
    )


def _map_feature_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all("#map .maritime-map g.mk-feature", "els => els.map(e => e.id)")


def test_french_and_english_questions_in_chromium_stay_on_loopback(
    asst: Assistant,
    browser: Any,
    page_and_recorder: tuple[Any, Recorder],
    chart_truth: ChartTruth,
    artifacts: Path,
    tmp_path: Path,
) -> None:
    from maritime.app import build_app

    page, recorder = page_and_recorder
    with running(build_app(assistant=asst, work_dir=tmp_path)) as url:
        page.goto(url + "/", timeout=TIMEOUT_MS)
        page.wait_for_selector("#question textarea", timeout=TIMEOUT_MS)
        # The notice and the mode banner are where a user looks.
        notice = page.locator("#not-for-navigation")
        assert "Ne pas utiliser pour la navigation" in notice.inner_text()
        assert "Not for navigation" in notice.inner_text()
        page.wait_for_function(
            "() => (document.querySelector('#mode-banner')?.innerText || '').includes('extractive')",
            timeout=TIMEOUT_MS,
        )
        # The map is there before any question: the chart coverage.
        page.wait_for_selector("#map .maritime-map svg path.lndare", timeout=TIMEOUT_MS)

        # -- French: the nearest light ------------------------------------------------------------
        _ask(page, FR_QUESTION)
        answer_text = page.locator("#chat [data-testid='bot']").last.inner_text()
        assert "[C1]" in answer_text and "M" in answer_text
        assert page.locator("#answer-details .maritime-answer").get_attribute("lang") == "fr"
        row = page.locator("#answer-details tr#feat-C1")
        expected_lights = chart_truth.nearest_ids(*FR_POSITION, "LIGHTS")
        assert any(fid in row.inner_text() for fid in expected_lights), row.inner_text()
        citations = page.locator("#answer-details ol.citations > li")
        assert citations.count() >= 1
        assert re.search(r"\.pdf, p\. \d+", citations.first.inner_text())
        assert "map-C1" in _map_feature_ids(page)
        tooltip = page.locator("#map g#map-C1 > title").text_content() or ""
        description = row.locator("td").nth(3).inner_text().strip()
        assert description and description in tooltip  # the light's characteristic, e.g. Fl(4)R 15s
        assert page.locator("#map path.depare").count() > 0 and page.locator("#map path.lndare").count() > 0
        # The source viewer shows the first cited PDF page.
        page.wait_for_selector("#source-image img", timeout=TIMEOUT_MS)
        first_where = citations.first.locator("b").first.inner_text()
        page.wait_for_function(
            "(where) => (document.querySelector('#source-caption')?.innerText || '').includes(where)",
            arg=first_where,
            timeout=TIMEOUT_MS,
        )
        # Clicking the marker in the answer highlights the feature on the map and in the table ...
        page.locator("#chat a[href='#feat-C1']").first.click()
        highlighted = page.eval_on_selector_all(".maritime-hl", "els => els.map(e => e.id)")
        assert {"map-C1", "feat-C1"} <= set(highlighted)
        # ... and clicking a marker on the map highlights its row.
        page.locator("#answer-details").click(position={"x": 2, "y": 2})
        page.locator("#map g#map-C1").dispatch_event("click")
        assert "feat-C1" in page.eval_on_selector_all(".maritime-hl", "els => els.map(e => e.id)")
        page.screenshot(path=str(artifacts / "app-fr.png"), full_page=True)

        # -- English: wrecks within a radius ------------------------------------------------------
        _ask(page, EN_QUESTION)
        assert page.locator("#answer-details .maritime-answer").get_attribute("lang") == "en"
        expected_wrecks = chart_truth.within_ids(*EN_POSITION, EN_RADIUS_NM, "WRECKS")
        rows = page.locator("#answer-details table.features tbody tr")
        assert rows.count() == len(expected_wrecks)
        shown = " ".join(rows.all_inner_texts())
        assert all(fid in shown for fid in expected_wrecks)
        assert page.locator("#map g.mk-WRECKS").count() == len(expected_wrecks)
        assert page.locator("#map path.radius").count() == 1
        assert page.locator("#answer-details ol.citations > li").count() >= 1
        # The source viewer follows the new answer (its first reference is [1] again).
        first_where = page.locator("#answer-details ol.citations > li b").first.inner_text()
        page.wait_for_function(
            "(where) => (document.querySelector('#source-caption')?.innerText || '').includes(where)",
            arg=first_where,
            timeout=TIMEOUT_MS,
        )
        # Follow-up keeps the conversation: four messages in the chat.
        assert page.locator("#chat [data-testid='bot']").count() == 2
        page.screenshot(path=str(artifacts / "app-en.png"), full_page=True)

        # -- Export downloads come from the app itself ---------------------------------------------
        page.locator("#export-geojson").click()
        page.wait_for_selector("#export-file a[href*='.geojson']", timeout=TIMEOUT_MS)
        assert recorder.requests, "the page made requests"
        assert recorder.foreign(url) == []


def test_upload_in_chromium_makes_files_searchable_and_refuses_a_corrupt_one(
    partial_asst: Assistant,
    page_and_recorder: tuple[Any, Recorder],
    corpus_pdf_dir: Path,
    chart_truth: ChartTruth,
    artifacts: Path,
    tmp_path: Path,
) -> None:
    from maritime.app import build_app

    page, recorder = page_and_recorder
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    pdf = shutil.copy(corpus_pdf_dir / UPLOADED_PDF, incoming / UPLOADED_PDF)
    cell = shutil.copy(SAMPLE_CELL, incoming / SAMPLE_CELL.name)
    broken = incoming / "avis_corrompu.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj <<>> garbage\n%%EOF\n")

    with running(build_app(assistant=partial_asst, work_dir=tmp_path / "work")) as url:
        page.goto(url + "/", timeout=TIMEOUT_MS)
        page.wait_for_selector("#question textarea", timeout=TIMEOUT_MS)
        page.get_by_role("tab", name="Ajouter / Upload").click()
        page.locator("#upload-files input[type=file]").set_input_files([str(pdf), str(cell)])
        page.wait_for_function(
            "() => document.querySelectorAll('#upload-files .file-preview tr, #upload-files table tr').length >= 2",
            timeout=TIMEOUT_MS,
        )
        page.locator("#upload-button").click()
        page.wait_for_function(
            "() => (document.querySelector('#upload-report')?.innerText || '').includes('2 of 2')",
            timeout=TIMEOUT_MS,
        )
        report = page.locator("#upload-report").inner_text()
        assert (
            f"{UPLOADED_PDF} ingéré / ingested" in report
            and f"{SAMPLE_CELL.name} ingéré / ingested" in report
        )

        # The index tab lists the new publication and cell with its edition and datums.
        page.get_by_role("tab", name="Index").click()
        page.wait_for_function(
            "() => (document.querySelector('#index-charts')?.innerText || '').includes('FR_BREST_SAMPLE')",
            timeout=TIMEOUT_MS,
        )
        assert UPLOADED_PDF in page.locator("#index-publications").inner_text()
        assert "Lowest astronomical tide" in page.locator("#index-charts").inner_text()
        n_passages = partial_asst.store.count_documents()
        files_before = [(r.source, r.sha256) for r in partial_asst.files()]

        # Searchable without restart: a chart question and a question on the uploaded notice.
        page.get_by_role("tab", name="Assistant").click()
        _ask(page, EN_QUESTION)
        expected = chart_truth.within_ids(*EN_POSITION, EN_RADIUS_NM, "WRECKS")
        shown = " ".join(page.locator("#answer-details table.features tbody tr").all_inner_texts())
        assert expected and all(fid in shown for fid in expected)
        _ask(page, "épave signalée en rade de Brest, balisage provisoire")
        assert UPLOADED_PDF in page.locator("#answer-details ol.citations").inner_text()

        # A corrupt file: a clear message, nothing lost.
        page.get_by_role("tab", name="Ajouter / Upload").click()
        assert page.locator("#upload-files table.file-preview").count() == 0  # the picker was cleared
        page.locator("#upload-files input[type=file]").set_input_files([str(broken)])
        page.locator("#upload-button").click()
        page.wait_for_function(
            "() => (document.querySelector('#upload-report')?.innerText || '').includes('avis_corrompu.pdf')",
            timeout=TIMEOUT_MS,
        )
        report = page.locator("#upload-report").inner_text()
        assert "avis_corrompu.pdf REFUSÉ / REFUSED — not ingested: PDF has no pages" in report
        assert "Nothing already in the index was changed" in report
        page.screenshot(path=str(artifacts / "app-upload.png"), full_page=True)
        assert partial_asst.store.count_documents() == n_passages
        assert [(r.source, r.sha256) for r in partial_asst.files()] == files_before
        assert recorder.foreign(url) == []
