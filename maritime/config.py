"""Settings read from the environment (``MARITIME_*``) with sensible defaults.

Nothing here opens a network connection; the only network peer maritime ever talks to is the local
model endpoint the user configures.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_INDEX = "MARITIME_INDEX"
ENV_EMBEDDER = "MARITIME_EMBEDDER"


def default_index_dir() -> Path:
    """Return the index folder: ``$MARITIME_INDEX`` or the per-user data folder.

    The per-user folder follows the XDG convention: ``$XDG_DATA_HOME/maritime/index`` or
    ``~/.local/share/maritime/index``.
    """
    env = os.environ.get(ENV_INDEX)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "maritime" / "index"


def disable_telemetry() -> None:
    """Turn Haystack telemetry and Gradio analytics off for this process (air-gapped by default)."""
    os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
