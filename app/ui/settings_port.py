"""The tray's view of the layered settings: read a key, know whether IT locked it, save changes.

``app.config`` owns the layers; this adapter only shields the UI from its exact shape (and
lets tests hand in a plain namespace), so the UI never writes a key that policy has locked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "server_url": None,
    "poll_interval_seconds": 20,
    "auto_resume": True,
    "autostart": False,
    "notifications": True,
    "ca_bundle": None,
    "long_timer_hours": 10.0,
    "idle_reminder_minutes": 0,
    "notes_max_length": 2000,
    "last_email": None,
}


class SettingsPort:
    def __init__(
        self,
        loaded: Any = None,
        *,
        save: Callable[[dict[str, Any]], object] | None = None,
        reload: Callable[[], Any] | None = None,
    ) -> None:
        self._loaded = loaded
        self._save = save
        self._reload = reload
        self._overrides: dict[str, Any] = {}

    @property
    def locked(self) -> frozenset[str]:
        return frozenset(getattr(self._loaded, "locked", frozenset()) or frozenset())

    @property
    def problems(self) -> list[str]:
        return [str(p) for p in (getattr(self._loaded, "problems", None) or [])]

    def get(self, name: str, default: Any = None) -> Any:
        if name in self._overrides:
            return self._overrides[name]
        values = getattr(self._loaded, "values", self._loaded)
        value = getattr(values, name, None) if values is not None else None
        if value is None:
            return DEFAULTS.get(name, default) if default is None else default
        return value

    def apply(self, changes: dict[str, Any]) -> list[str]:
        """Save the unlocked keys among ``changes``; returns the keys refused because locked."""
        refused = sorted(key for key in changes if key in self.locked)
        allowed = {k: v for k, v in changes.items() if k not in self.locked}
        if not allowed:
            return refused
        if self._save is not None:
            self._save(allowed)
        if self._reload is not None:
            try:
                self._loaded = self._reload()
                self._overrides.clear()
                return refused
            except Exception:
                log.exception("reloading settings failed; keeping the saved values in memory")
        self._overrides.update(allowed)
        return refused
