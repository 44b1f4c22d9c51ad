"""JSON in and out of the store: strict, so what comes back is exactly what went in."""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any, what: str = "value") -> str:
    """Serialise, refusing NaN and non-JSON types up front instead of storing something lossy."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be JSON-serialisable: {exc}") from exc


def dumps_object(value: Any, what: str) -> str:
    if not isinstance(value, dict):
        raise TypeError(f"{what} must be a dict, not {type(value).__name__}")
    return dumps(value, what)


def loads(text: str) -> Any:
    return json.loads(text)
