"""maritime: an offline bilingual assistant over nautical publications and chart data.

Not for navigation: answers are aids for analysis and must be checked against official products.

``from maritime import Assistant`` is the entry point; it is imported lazily so that the pure
modules (``maritime.geo``, ``maritime.enc`` decoding) load without Haystack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from maritime.config import disable_telemetry
from maritime.errors import MaritimeError

# Air-gapped by default: Haystack reads its telemetry switch when it is first imported, so it must be
# set before any maritime module imports Haystack. A user may still opt in by setting the variables.
disable_telemetry()

if TYPE_CHECKING:
    from maritime.assistant import Assistant

__version__ = "0.1.0"
__all__ = ["Assistant", "MaritimeError", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from maritime.assistant import Assistant

        return Assistant
    raise AttributeError(f"module 'maritime' has no attribute {name!r}")
