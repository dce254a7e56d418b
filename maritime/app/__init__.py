"""The web app for hydrographers (Gradio): ``build_app()`` and the plain handler functions it wires.

Importing this package builds nothing and opens no index: :func:`build_app` does, when called.
``maritime.app.handlers`` and ``maritime.app.views`` do not import Gradio.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from maritime.app.app import build_app, launch_app

__all__ = ["build_app", "launch_app"]


def __getattr__(name: str) -> Any:
    # Gradio takes seconds to import: only the app factory pays for it, not the handlers' users.
    if name in __all__:
        from maritime.app import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
