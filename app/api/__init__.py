"""Backend client: typed models, one error hierarchy, token refresh (no Qt, no queues).

The names below load on first use (PEP 562): the log formatter (``redaction``) and the clock
(``timeutil``) live here too and are imported before the tray's icon shows, which must not pull
httpx, keyring and the client behind them into the start (``tests/ui/test_start_imports.py``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.api import errors as errors
    from app.api import models as models
    from app.api.client import ApiClient as ApiClient
    from app.api.tokens import TokenStore as TokenStore

__all__ = ["ApiClient", "TokenStore", "errors", "models"]

_HOME = {
    "ApiClient": "app.api.client",
    "TokenStore": "app.api.tokens",
    "errors": "app.api.errors",
    "models": "app.api.models",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(home)
    value = module if home.endswith(f".{name}") else getattr(module, name)
    globals()[name] = value
    return value
