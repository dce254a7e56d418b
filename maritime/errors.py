"""Exceptions raised by maritime.

Every error derives from :class:`MaritimeError` so callers can catch one type. Messages name the bad
value (file, coordinate, option) and, where there is one, the fix.
"""

from __future__ import annotations


class MaritimeError(Exception):
    """Base class of every error raised on purpose by maritime."""


class CoordinateError(MaritimeError, ValueError):
    """A position could not be parsed, or is outside [-90, 90] x [-180, 180]."""


class IngestError(MaritimeError):
    """A file could not be ingested (corrupt, encrypted, empty, unsupported)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexStoreError(MaritimeError):
    """The index folder is missing, locked or not a maritime index."""


class ConfigError(MaritimeError):
    """A setting (environment variable or argument) has an invalid value."""


class ChartQueryError(MaritimeError, ValueError):
    """A chart query got an argument it cannot use (negative radius, unknown cell, route of one point)."""


class ModelUnavailableError(MaritimeError):
    """The configured model cannot answer: endpoint down, timed out, invalid answer or missing file."""


class ChatFormatError(MaritimeError, ValueError):
    """A conversation cannot be put in the Mistral instruct format (unknown role, empty, wrong order)."""


__all__ = [
    "ChartQueryError",
    "ChatFormatError",
    "ConfigError",
    "CoordinateError",
    "IndexStoreError",
    "IngestError",
    "MaritimeError",
    "ModelUnavailableError",
]
