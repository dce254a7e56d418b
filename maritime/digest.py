"""SHA-256 of files, read in 1 MiB blocks: what tells an unchanged file from a changed one at ingest."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any


def update_with_file(digest: Any, path: Path) -> None:
    """Feed the bytes of ``path`` to a ``hashlib`` object, a block at a time."""
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    update_with_file(digest, path)
    return digest.hexdigest()
