"""Sign in: server URL, e-mail, password, and the server's own words when it refuses."""

from __future__ import annotations

from app.settings_schema import insecure_http_refusal
from app.ui.dialogs.common import error_label, ok_cancel, show_error
from app.ui.plain import plain_label
from app.ui.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QShowEvent,
    QVBoxLayout,
    QWidget,
    Signal,
)


class SignInDialog(QDialog):
    submitted = Signal(str, str, str)  # server_url, email, password

    def __init__(
        self,
        server_url: str | None,
        email: str | None,
        *,
        server_locked: bool = False,
        allow_insecure_http: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """``allow_insecure_http`` is machine policy's word that a plain http:// server may
        be used; without it only this computer (the demo) may be reached without TLS."""
        super().__init__(parent)
        self.setWindowTitle("Sign in")
        self.allow_insecure_http = allow_insecure_http
        self.server = QLineEdit(server_url or "")
        self.server.setPlaceholderText("https://hr.example.com")
        if server_locked:
            self.server.setReadOnly(True)
            self.server.setToolTip("Set by your organisation")
        self.email = QLineEdit(email or "")
        self.email.setPlaceholderText("you@example.com")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.status = plain_label()
        self.error = error_label()
        form = QFormLayout()
        form.addRow("Server", self.server)
        form.addRow("E-mail", self.email)
        form.addRow("Password", self.password)
        self.buttons = ok_cancel(self, "Sign in")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        # Wide enough for the whole address: a cut URL ("p://127.0.0.1:34637") hides which
        # server the password goes to.
        address_width = self.server.fontMetrics().horizontalAdvance(self.server.text() + "MMMM")
        self.server.setMinimumWidth(max(address_width, self.server.sizeHint().width() * 2))
        self.first_empty_field().setFocus()

    def first_empty_field(self) -> QLineEdit:
        """Where typing should go: the first field still to fill (a preset server is skipped,
        so typing an e-mail never replaces the address)."""
        for field in (self.server, self.email, self.password):
            if not field.isReadOnly() and not field.text():
                return field
        return self.password

    def showEvent(self, event: QShowEvent) -> None:
        """Qt selects a line edit's text when focus arrives by Tab or on show; a preset value
        selected is one keystroke from being replaced, so the cursor goes to its end instead."""
        super().showEvent(event)
        for field in (self.server, self.email):
            field.deselect()
            field.end(False)

    def accept(self) -> None:
        """Validates, then asks the controller to sign in; the dialog closes only on success."""
        server = self.server.text().strip().rstrip("/")
        email = self.email.text().strip()
        password = self.password.text()
        error = server_address_error(server, allow_insecure_http=self.allow_insecure_http)
        if error:
            show_error(self.error, error)
            return
        if "@" not in email:
            show_error(self.error, "Enter your work e-mail address.")
            return
        if not password:
            show_error(self.error, "Enter your password.")
            return
        self.set_busy(True)
        self.submitted.emit(server, email, password)

    def set_busy(self, busy: bool) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy)
        self.status.setText("Signing in…" if busy else "")
        if busy:
            show_error(self.error, "")

    def show_failure(self, message: str) -> None:
        self.set_busy(False)
        show_error(self.error, message)
        self.password.selectAll()
        self.password.setFocus()

    def finish(self) -> None:
        self.password.clear()
        super().accept()


def server_address_error(url: str, *, allow_insecure_http: bool) -> str | None:
    """Why a server address typed by the user cannot be used, in words, or None."""
    if not url.lower().startswith(("http://", "https://")):
        return "The server address must start with https://."
    refusal = insecure_http_refusal(url, allowed=allow_insecure_http)
    if refusal:
        return f"Not sent: {refusal}."
    return None
