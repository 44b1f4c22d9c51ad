"""The tray's view of the layered settings: read a key, know whether IT locked it, save changes.

``app.config`` owns the settings, their defaults and their validation; this adapter only gives
the UI three verbs over an ``app.config.LoadedSettings`` (``get``, ``locked``, ``apply``), so
the UI never writes a key that policy has locked and never keeps a second copy of a default.
Tests hand in a ``LoadedSettings`` built by :func:`in_memory` and a ``save`` that records
the changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.config import SETTING_NAMES, LoadedSettings, Settings, save_user_settings

log = logging.getLogger(__name__)

SaveFn = Callable[[dict[str, Any]], object]
ReloadFn = Callable[[], LoadedSettings]


def in_memory(
    values: Settings | None = None, locked: frozenset[str] = frozenset()
) -> LoadedSettings:
    """Settings that live only in this process: ``app.config``'s defaults unless given."""
    chosen = values if values is not None else Settings()
    return LoadedSettings(
        values=chosen,
        locked=locked,
        sources={name: "default" for name in SETTING_NAMES},
        problems=(),
        user_file=Path("settings.toml"),
    )


class SettingsPort:
    def __init__(
        self,
        loaded: LoadedSettings | None = None,
        *,
        save: SaveFn | None = None,
        reload: ReloadFn | None = None,
    ) -> None:
        """``save(changes)`` writes the changes; when it returns a ``LoadedSettings`` (as
        ``app.config.save_user_settings`` does) that becomes the view, else ``reload()`` is
        asked for one, else the changes are kept in memory for this run."""
        self._loaded = loaded if loaded is not None else in_memory()
        self._save = save
        self._reload = reload

    @classmethod
    def from_disk(
        cls, loaded: LoadedSettings, config_dir: Path, cli: dict[str, object] | None = None
    ) -> SettingsPort:
        """The real thing: changes go to the user file in ``config_dir`` through
        ``app.config``, which validates them and answers with the settings now in force (the
        command line still wins over the file, as it did at start-up)."""

        def save(changes: dict[str, Any]) -> LoadedSettings:
            return save_user_settings(changes, config_dir=config_dir, cli=cli)

        return cls(loaded, save=save)

    @property
    def loaded(self) -> LoadedSettings:
        return self._loaded

    @property
    def values(self) -> Settings:
        return self._loaded.values

    @property
    def locked(self) -> frozenset[str]:
        return frozenset(self._loaded.locked)

    @property
    def problems(self) -> list[str]:
        return [str(problem) for problem in self._loaded.problems]

    def get(self, name: str, default: Any = None) -> Any:
        """The value in force for ``name``; ``default`` only when that value is None (e.g. no
        server configured yet). An unknown name is a programming error, so it raises."""
        if name not in SETTING_NAMES:
            raise KeyError(f"{name}: not a Timetray setting")
        value = getattr(self._loaded.values, name)
        return default if value is None else value

    def apply(self, changes: dict[str, Any]) -> list[str]:
        """Save the unlocked keys among ``changes``; returns the keys refused because locked.

        ``app.config.SettingsError`` (an invalid value) propagates with nothing saved, so the
        caller can tell the user why."""
        refused = sorted(key for key in changes if key in self.locked)
        allowed = {k: v for k, v in changes.items() if k not in self.locked}
        if not allowed:
            return refused
        answer = self._save(allowed) if self._save is not None else None
        if isinstance(answer, LoadedSettings):
            self._loaded = answer
        elif self._reload is not None:
            try:
                self._loaded = self._reload()
            except Exception:
                log.exception("reloading settings failed; keeping the saved values in memory")
                self._keep(allowed)
        else:
            self._keep(allowed)
        return refused

    def _keep(self, changes: dict[str, Any]) -> None:
        self._loaded = replace(self._loaded, values=replace(self._loaded.values, **changes))
