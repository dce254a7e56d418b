"""Shared fixtures: paths to the repository's sample data and to ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()
CORPUS_PDF = REPO / "corpora" / "pdf"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip: the real public data sets are not part of the repository."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at {SHARED_DATA} (../shared/data is not in this checkout)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def corpus_pdf_dir() -> Path:
    """The sample corpus PDFs, built from corpora/src (built here when missing)."""
    if not (CORPUS_PDF.is_dir() and any(CORPUS_PDF.glob("*.pdf"))):
        import subprocess
        import sys

        subprocess.run([sys.executable, str(REPO / "corpora" / "build_corpus.py")], check=True, cwd=REPO)
    return CORPUS_PDF
