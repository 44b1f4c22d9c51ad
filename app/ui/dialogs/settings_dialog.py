"""Settings: the user's own layer. Keys locked by machine policy are shown but read-only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.settings_schema import needs_restart
from app.ui.dialogs.common import error_label, show_error
from app.ui.dialogs.sign_in import server_address_error
from app.ui.plain import plain_label
from app.ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.ui.settings_port import SettingsPort

LOCKED_TIP = "Set by your organisation (machine policy); it cannot be changed here."
RESTART_TIP = "Applies after Timetray restarts."
RESTART_MARK = " *"


class SettingsDialog(QDialog):
    submitted = Signal(object)  # dict of changed keys

    def __init__(
        self,
        settings: SettingsPort,
        parent: QWidget | None = None,
        *,
        away_unavailable: Sequence[str] = (),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.server_url = QLineEdit(settings.get("server_url") or "")
        self.poll_interval_seconds = QSpinBox()
        self.poll_interval_seconds.setRange(5, 3600)
        self.poll_interval_seconds.setSuffix(" s")
        self.poll_interval_seconds.setValue(int(settings.get("poll_interval_seconds")))
        self.auto_resume = QCheckBox("Resume the timer after a break or a new check-in")
        self.auto_resume.setChecked(bool(settings.get("auto_resume")))
        self.autostart = QCheckBox("Start Timetray when I log in")
        self.autostart.setChecked(bool(settings.get("autostart")))
        self.notifications = QCheckBox("Show notifications")
        self.notifications.setChecked(bool(settings.get("notifications")))
        self.long_timer_hours = QDoubleSpinBox()
        self.long_timer_hours.setRange(0, 24)
        self.long_timer_hours.setDecimals(1)
        self.long_timer_hours.setSpecialValueText("never")
        self.long_timer_hours.setSuffix(" h")
        self.long_timer_hours.setValue(float(settings.get("long_timer_hours") or 0))
        self.idle_reminder_minutes = QSpinBox()
        self.idle_reminder_minutes.setRange(0, 480)
        self.idle_reminder_minutes.setSpecialValueText("never")
        self.idle_reminder_minutes.setSuffix(" min")
        self.idle_reminder_minutes.setValue(int(settings.get("idle_reminder_minutes") or 0))
        self.weekly_target_hours = QDoubleSpinBox()
        self.weekly_target_hours.setRange(0, 168)
        self.weekly_target_hours.setDecimals(1)
        self.weekly_target_hours.setSpecialValueText("none")
        self.weekly_target_hours.setSuffix(" h")
        self.weekly_target_hours.setValue(float(settings.get("weekly_target_hours") or 0))
        self.away_minutes = QSpinBox()
        self.away_minutes.setRange(0, 480)
        self.away_minutes.setSpecialValueText("never")
        self.away_minutes.setSuffix(" min idle")
        self.away_minutes.setValue(int(settings.get("away_minutes") or 0))
        self.away_action = QComboBox()
        self.away_action.addItem("Ask me: keep or discard", "ask")
        self.away_action.addItem("Only pause and tell me", "pause")
        self.away_action.setCurrentIndex(0 if settings.get("away_action") != "pause" else 1)
        # What this computer cannot tell (no idle counter, no lock signal): said, not guessed.
        self.away_unavailable = plain_label("\n".join(away_unavailable), wrap=True)
        self.away_unavailable.setVisible(bool(away_unavailable))
        self.ca_bundle = QLineEdit(str(settings.get("ca_bundle") or ""))
        self.ca_bundle.setPlaceholderText("System certificates")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        ca_row = QWidget()
        ca_layout = QHBoxLayout(ca_row)
        ca_layout.setContentsMargins(0, 0, 0, 0)
        ca_layout.addWidget(self.ca_bundle)
        ca_layout.addWidget(browse)
        self._ca_browse = browse

        form = QFormLayout()
        rows = (
            ("server_url", "Server", self.server_url),
            ("poll_interval_seconds", "Check the server every", self.poll_interval_seconds),
            ("auto_resume", "", self.auto_resume),
            ("autostart", "", self.autostart),
            ("notifications", "", self.notifications),
            ("long_timer_hours", "Remind me when a timer runs longer than", self.long_timer_hours),
            (
                "idle_reminder_minutes",
                "Remind me when checked in without a timer for",
                self.idle_reminder_minutes,
            ),
            ("weekly_target_hours", "My weekly target", self.weekly_target_hours),
            ("away_minutes", "Pause the timer when I am away for", self.away_minutes),
            ("away_action", "When I come back", self.away_action),
            ("ca_bundle", "Custom CA bundle", ca_row),
        )
        for key, label, widget in rows:
            # The settings table says which keys the running app only reads at start.
            if needs_restart([key]):
                if isinstance(widget, QCheckBox):
                    widget.setText(widget.text() + RESTART_MARK)
                else:
                    label += RESTART_MARK
                widget.setToolTip(RESTART_TIP)
            form.addRow(label, widget)
            if key == "away_action":
                form.addRow("", self.away_unavailable)
        self.error = error_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        restart_note = plain_label(f"{RESTART_MARK.strip()} {RESTART_TIP}", wrap=True)
        layout.addWidget(restart_note)
        if settings.locked & set(self._widgets()):
            note = plain_label("Greyed-out settings are managed by your organisation.", wrap=True)
            layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        for key, widget in self._widgets().items():
            if key in settings.locked:
                widget.setEnabled(False)
                widget.setToolTip(LOCKED_TIP)
                if key == "ca_bundle":
                    browse.setEnabled(False)

    def _widgets(self) -> dict[str, QWidget]:
        return {
            "server_url": self.server_url,
            "poll_interval_seconds": self.poll_interval_seconds,
            "auto_resume": self.auto_resume,
            "autostart": self.autostart,
            "notifications": self.notifications,
            "long_timer_hours": self.long_timer_hours,
            "idle_reminder_minutes": self.idle_reminder_minutes,
            "weekly_target_hours": self.weekly_target_hours,
            "away_minutes": self.away_minutes,
            "away_action": self.away_action,
            "ca_bundle": self.ca_bundle,
        }

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "CA bundle", "", "Certificates (*.pem *.crt *.cer);;All files (*)"
        )
        if path:
            self.ca_bundle.setText(path)

    def values(self) -> dict[str, Any]:
        return {
            "server_url": self.server_url.text().strip().rstrip("/") or None,
            "poll_interval_seconds": self.poll_interval_seconds.value(),
            "auto_resume": self.auto_resume.isChecked(),
            "autostart": self.autostart.isChecked(),
            "notifications": self.notifications.isChecked(),
            "long_timer_hours": self.long_timer_hours.value(),
            "idle_reminder_minutes": self.idle_reminder_minutes.value(),
            "weekly_target_hours": self.weekly_target_hours.value(),
            "away_minutes": self.away_minutes.value(),
            "away_action": str(self.away_action.currentData()),
            "ca_bundle": self.ca_bundle.text().strip() or None,
        }

    def changes(self) -> dict[str, Any]:
        """Only what the user changed and may change, so policy keys are never written."""
        out: dict[str, Any] = {}
        for key, value in self.values().items():
            if key in self.settings.locked:
                continue
            current = self.settings.get(key)
            if isinstance(value, float):
                same = current is not None and abs(float(current) - value) < 1e-9
            elif isinstance(value, bool):
                same = bool(current) == value
            else:
                same = current == value
            if not same:
                out[key] = value
        return out

    def accept(self) -> None:
        url = self.values()["server_url"]
        if url and "server_url" not in self.settings.locked:
            allowed = bool(self.settings.get("allow_insecure_http"))
            error = server_address_error(str(url), allow_insecure_http=allowed)
            if error:
                show_error(self.error, error)
                return
        self.submitted.emit(self.changes())
        super().accept()
