"""Names of the ``Document.meta`` keys that maritime writes and reads.

One module, so that a key is never spelled twice. Values are JSON-serialisable.
"""

from __future__ import annotations

#: File name, or path relative to the ingested root, of the publication.
SOURCE = "source"
#: Absolute path of the file when it was ingested.
SOURCE_PATH = "source_path"
#: Title of the publication (PDF metadata, first heading or file stem).
TITLE = "title"
#: 1-based page number for paged sources (PDF); None otherwise.
PAGE = "page"
#: Heading, paragraph number or article the passage belongs to.
SECTION = "section"
#: Heading path of the passage, outermost first, joined by " > ".
HEADING = "heading"
#: [x0, y0, x1, y1] in PDF points on ``PAGE``.
BBOX = "bbox"
#: ISO 639-1 code of the passage's language ("fr", "en", ...), "und" when unknown.
LANGUAGE = "language"
#: Positions written in the passage: list of [lat, lon] in decimal degrees (WGS84).
POSITIONS = "positions"
#: Kind of publication: "sailing_directions", "notice", "regulation", "light_list", "manual", "other".
DOC_TYPE = "doc_type"
#: SHA-256 of the source file's bytes; re-ingest compares it.
FILE_SHA256 = "file_sha256"
#: 0-based order of the passage in its file.
PASSAGE_INDEX = "passage_index"
#: Number of Mistral tokens in the passage content.
N_TOKENS = "n_tokens"
#: "text" (text layer) or "ocr" (Tesseract).
EXTRACTION = "extraction"
