"""LocalIQ transfers."""

from __future__ import annotations
