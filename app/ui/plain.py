"""Text from the server or the user reaches the screen as text, never as markup.

Qt guesses whether a label's or a tooltip's string is rich text (``Qt::mightBeRichText``), and a
desktop's notification server may render markup in a bubble. A task titled
``<a href=...>Session expired - click to sign in</a><img width=3000 ...>`` then showed a fake
link and blew a label up to 3000 px. So every label is made here, with its format fixed to plain
text, and every string bound for a tooltip, a tray sink or a menu passes one of these functions.
tests/ui/test_plain_text.py fails when a ``QLabel`` is made anywhere else in app/ui.
"""

from __future__ import annotations

import html
import sys

from app.ui.qt import QLabel, QMessageBox, Qt, QWidget

# Whether the tray's tooltip and bubbles may be read as markup (see tray_text).
TRAY_READS_MARKUP = sys.platform not in ("win32", "darwin")


def plain_label(text: str = "", parent: QWidget | None = None, *, wrap: bool = False) -> QLabel:
    """A label that shows ``text`` (now and after any ``setText``) exactly as written."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setText(text)
    return label


def plain_message_box(
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton,
) -> QMessageBox:
    """A question box whose text (a task title in the quit warning, the server's last error in
    the sign-out one) is shown as written."""
    box = QMessageBox(icon, title, "", buttons)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    return box


def tip(text: str) -> str:
    """A tooltip Qt draws (an action's, an item's, a widget's) showing ``text`` literally.

    Escaping alone is not enough: Qt looks only at the first line to decide, so an escaped
    ``R&amp;D`` would be taken as plain text and shown with its entity. The ``<qt>`` wrapper
    makes it rich text whose only content is the escaped string. Text with neither ``<`` nor
    ``&`` cannot be read as markup and is left as it is (Qt lays plain tooltips out unwrapped)."""
    if "<" not in text and "&" not in text:
        return text
    return "<qt>" + html.escape(text, quote=False).replace("\n", "<br>") + "</qt>"


def tray_text(text: str) -> str:
    """``text`` for the tray icon's tooltip or a notification bubble.

    On Linux those go to the desktop (a StatusNotifierItem host, the freedesktop notification
    server with its ``body-markup``) or to Qt's own tooltip and balloon, all of which may render
    markup, so ``<`` and ``&`` are escaped. Windows and macOS show these natively as plain text,
    where an escape would appear as ``&lt;``."""
    return html.escape(text, quote=False) if TRAY_READS_MARKUP else text


def menu_text(text: str) -> str:
    """``text`` for an action or a button: Qt draws it plainly but takes ``&`` as a mnemonic
    marker, so a task called "R&D" would show as "RD" with an underlined D."""
    return text.replace("&", "&&")
