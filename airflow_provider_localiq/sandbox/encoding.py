"""Encode response documents as compact JSON, with ``orjson`` when it is installed (it is optional).

Both encoders give the same bytes for the documents the sandbox builds; orjson is only faster,
which matters for CRM pages of thousands of records.
"""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - depends on the environment
    orjson = None  # type: ignore[assignment]


def encode(document: Any) -> bytes:
    """Return ``document`` as UTF-8 JSON without insignificant whitespace."""
    if orjson is not None:
        return orjson.dumps(document)
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
