"""maritime: an offline bilingual assistant over nautical publications and chart data.

Not for navigation: answers are aids for analysis and must be checked against official products.
"""

from __future__ import annotations

__version__ = "0.1.0"
