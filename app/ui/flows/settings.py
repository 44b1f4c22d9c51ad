"""The Settings dialog: save through the settings port, apply what applies at once, and say
when a change waits for a restart.

Which keys wait for a restart is the settings schema's word (:func:`needs_restart`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from app.settings_schema import SETTING_NAMES, needs_restart
from app.ui.flows.context import FlowContext
from app.ui.notifier import Notifier

log = logging.getLogger(__name__)


class SettingsFlow:
    def __init__(
        self,
        ctx: FlowContext,
        notifier: Notifier,
        autostart_apply: Callable[[bool], None] | None = None,
    ) -> None:
        self._ctx = ctx
        self._notifier = notifier
        self._autostart_apply = autostart_apply
        self.apply()

    def open(self) -> None:
        from app.ui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(
            self._ctx.settings, away_unavailable=self._ctx.snapshot().away_unavailable
        )
        dialog.submitted.connect(self._save)
        self._ctx.dialogs.open("settings", dialog)

    def report_problems(self) -> None:
        """One notice for every settings line that could not be used; its click lists them.
        Several balloons at once hide each other (only the last one stays on screen)."""
        problems = self._ctx.settings.problems
        if problems:
            from app.ui.dialogs.settings_problems import problems_summary

            self._ctx.tell(
                "Settings problems", problems_summary(len(problems)), "settings_problems"
            )

    def open_problems(self) -> None:
        from app.ui.dialogs.settings_problems import SettingsProblemsWindow

        settings = self._ctx.settings

        def used_instead(key: str) -> object:
            return settings.get(key) if key in SETTING_NAMES else None

        window = SettingsProblemsWindow(settings.problems, used_instead)
        self._ctx.dialogs.open("settings_problems", window)

    def apply(self) -> None:
        """Settings the tray applies at once, without a restart."""
        self._notifier.enabled = bool(self._ctx.settings.get("notifications"))

    def _save(self, changes: object) -> None:
        if not isinstance(changes, dict) or not changes:
            return
        tell = self._ctx.tell
        try:
            self._ctx.settings.apply(changes)
        except Exception as exc:
            log.exception("saving settings failed")
            tell("Settings not saved", str(exc), "settings")
            return
        if "autostart" in changes and self._autostart_apply is not None:
            try:
                self._autostart_apply(bool(changes["autostart"]))
            except Exception as exc:
                log.exception("start at login could not be changed")
                tell("Start at login", f"Could not change it: {exc}", "settings")
        self.apply()
        if needs_restart(changes):
            tell("Settings saved", "Some changes apply after Timetray restarts.")
