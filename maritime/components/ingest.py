"""Haystack components that turn publications and chart files into something a pipeline can write.

``MaritimePublicationConverter`` gives the same passages as :meth:`maritime.Assistant.ingest` (page,
section, box, language, positions, token counts), so an integrator can embed them and write them to
any Haystack DocumentStore (OpenSearch, Elasticsearch, pgvector) with a ``DocumentWriter``. The
incremental replace-by-file logic of the embedded index lives in the facade; with another store, use
the writer's ``DuplicatePolicy.OVERWRITE`` (passage ids depend on the file's content).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from haystack import Document, component, default_to_dict

from maritime.access import MARKING_KEY, resolve_marking
from maritime.digest import sha256_file
from maritime.errors import IngestError
from maritime.llm.tokenization import TokenCounter
from maritime.publications.convert import convert
from maritime.publications.ingest import PublicationIngester, discover
from maritime.store.sqlite_store import SQLiteDocumentStore

logger = logging.getLogger(__name__)


@component
class MaritimePublicationConverter:
    """Convert and split publications (PDF, Markdown, text, HTML) into located passages."""

    def __init__(self, *, max_tokens: int = 320, ocr: bool | None = None) -> None:
        self.max_tokens = max_tokens
        self.ocr = ocr
        self._ingester: PublicationIngester | None = None

    def warm_up(self) -> None:
        if self._ingester is None:
            # The store is only needed by the facade's incremental path; here it is a throw-away.
            self._ingester = PublicationIngester(
                SQLiteDocumentStore(":memory:"),
                counter=TokenCounter(),
                max_tokens=self.max_tokens,
                ocr=self.ocr,
            )

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, max_tokens=self.max_tokens, ocr=self.ocr)

    @component.output_types(documents=list[Document], skipped=list[dict])
    def run(self, sources: list[str], marking: str | None = None) -> dict[str, Any]:
        """Passages of every publication under ``sources`` (files or folders); bad files go to ``skipped``.

        ``marking``: the classification put on every passage (:mod:`maritime.access`; default the
        lowest level), which the document store files it under.
        """
        level = resolve_marking(marking)
        self.warm_up()
        assert self._ingester is not None
        documents: list[Document] = []
        skipped: list[dict] = []
        for path, source in discover([Path(s) for s in sources]):
            try:
                sha = sha256_file(path)
                converted = convert(path, ocr=self.ocr)
            except IngestError as exc:
                skipped.append({"path": str(path), "reason": exc.reason})
                continue
            except OSError as exc:
                skipped.append({"path": str(path), "reason": f"cannot read file: {exc.strerror}"})
                continue
            for doc in self._ingester.documents_for(converted, source, sha):
                doc.meta[MARKING_KEY] = level
                documents.append(doc)
        return {"documents": documents, "skipped": skipped}


@component
class MaritimeChartIngester:
    """Read S-57 cells (with updates), GeoPackage and GeoJSON into a chart store folder."""

    def __init__(self, *, charts_path: str) -> None:
        self.charts_path = charts_path

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, charts_path=self.charts_path)

    @component.output_types(ingested=list[dict], unchanged=list[str], skipped=list[dict])
    def run(self, sources: list[str], marking: str | None = None) -> dict[str, Any]:
        """Ingest ``sources``, classified ``marking`` (default the lowest level; :mod:`maritime.access`)."""
        from maritime.enc.store import ChartStore

        report = ChartStore.open(Path(self.charts_path)).ingest([Path(s) for s in sources], marking=marking)
        return {
            "ingested": [{"cell": c, "features": n} for c, n in report.ingested],
            "unchanged": list(report.unchanged),
            "skipped": [{"path": p, "reason": r} for p, r in report.skipped],
        }
