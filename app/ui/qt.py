"""The only module that imports PySide6, and it imports each name only when first asked for.

Keeping every Qt import here means a Qt upgrade (or a switch of binding) touches one file, and a
grep for ``PySide6`` proves the rest of the tree is Qt-free.

Names resolve lazily (PEP 562): PySide6 builds a class's Python type the first time it is
looked up, so binding all of them up front cost about 35 ms at start-up, a third of a bare tray
app's whole start, before the icon could show. ``from app.ui.qt import QTimer`` costs only
QTimer; QtNetwork and QtWidgets' dialog classes load when the code that needs them runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import QByteArray as QByteArray
    from PySide6.QtCore import QDate as QDate
    from PySide6.QtCore import QDateTime as QDateTime
    from PySide6.QtCore import QElapsedTimer as QElapsedTimer
    from PySide6.QtCore import QEvent as QEvent
    from PySide6.QtCore import QObject as QObject
    from PySide6.QtCore import QPoint as QPoint
    from PySide6.QtCore import QPointF as QPointF
    from PySide6.QtCore import QRect as QRect
    from PySide6.QtCore import QRectF as QRectF
    from PySide6.QtCore import QSize as QSize
    from PySide6.QtCore import QSocketNotifier as QSocketNotifier
    from PySide6.QtCore import Qt as Qt
    from PySide6.QtCore import QTime as QTime
    from PySide6.QtCore import QTimer as QTimer
    from PySide6.QtCore import Signal as Signal
    from PySide6.QtCore import Slot as Slot
    from PySide6.QtGui import QAction as QAction
    from PySide6.QtGui import QActionGroup as QActionGroup
    from PySide6.QtGui import QCloseEvent as QCloseEvent
    from PySide6.QtGui import QColor as QColor
    from PySide6.QtGui import QCursor as QCursor
    from PySide6.QtGui import QFont as QFont
    from PySide6.QtGui import QFontMetricsF as QFontMetricsF
    from PySide6.QtGui import QGuiApplication as QGuiApplication
    from PySide6.QtGui import QIcon as QIcon
    from PySide6.QtGui import QImage as QImage
    from PySide6.QtGui import QKeyEvent as QKeyEvent
    from PySide6.QtGui import QKeySequence as QKeySequence
    from PySide6.QtGui import QMouseEvent as QMouseEvent
    from PySide6.QtGui import QPainter as QPainter
    from PySide6.QtGui import QPainterPath as QPainterPath
    from PySide6.QtGui import QPaintEvent as QPaintEvent
    from PySide6.QtGui import QPalette as QPalette
    from PySide6.QtGui import QPen as QPen
    from PySide6.QtGui import QPixmap as QPixmap
    from PySide6.QtGui import QShowEvent as QShowEvent
    from PySide6.QtGui import QTextDocument as QTextDocument
    from PySide6.QtNetwork import QLocalServer as QLocalServer
    from PySide6.QtNetwork import QLocalSocket as QLocalSocket
    from PySide6.QtNetwork import QNetworkInformation as QNetworkInformation
    from PySide6.QtWidgets import QAbstractItemView as QAbstractItemView
    from PySide6.QtWidgets import QApplication as QApplication
    from PySide6.QtWidgets import QCheckBox as QCheckBox
    from PySide6.QtWidgets import QComboBox as QComboBox
    from PySide6.QtWidgets import QDateEdit as QDateEdit
    from PySide6.QtWidgets import QDialog as QDialog
    from PySide6.QtWidgets import QDialogButtonBox as QDialogButtonBox
    from PySide6.QtWidgets import QDoubleSpinBox as QDoubleSpinBox
    from PySide6.QtWidgets import QFileDialog as QFileDialog
    from PySide6.QtWidgets import QFormLayout as QFormLayout
    from PySide6.QtWidgets import QHBoxLayout as QHBoxLayout
    from PySide6.QtWidgets import QHeaderView as QHeaderView
    from PySide6.QtWidgets import QLabel as QLabel
    from PySide6.QtWidgets import QLineEdit as QLineEdit
    from PySide6.QtWidgets import QListWidget as QListWidget
    from PySide6.QtWidgets import QListWidgetItem as QListWidgetItem
    from PySide6.QtWidgets import QMenu as QMenu
    from PySide6.QtWidgets import QMessageBox as QMessageBox
    from PySide6.QtWidgets import QPlainTextEdit as QPlainTextEdit
    from PySide6.QtWidgets import QProgressBar as QProgressBar
    from PySide6.QtWidgets import QPushButton as QPushButton
    from PySide6.QtWidgets import QSizePolicy as QSizePolicy
    from PySide6.QtWidgets import QSpinBox as QSpinBox
    from PySide6.QtWidgets import QSystemTrayIcon as QSystemTrayIcon
    from PySide6.QtWidgets import QTableWidget as QTableWidget
    from PySide6.QtWidgets import QTableWidgetItem as QTableWidgetItem
    from PySide6.QtWidgets import QTimeEdit as QTimeEdit
    from PySide6.QtWidgets import QTreeWidget as QTreeWidget
    from PySide6.QtWidgets import QTreeWidgetItem as QTreeWidgetItem
    from PySide6.QtWidgets import QVBoxLayout as QVBoxLayout
    from PySide6.QtWidgets import QWidget as QWidget
    from PySide6.QtWidgets import QWidgetAction as QWidgetAction

# Each name's home module. The imports above are what mypy sees (``X as X`` re-exports them);
# tests/ui/test_qt_shim.py checks that the two agree.
_HOME: dict[str, str] = {
    "QtCore": "QByteArray QDate QDateTime QElapsedTimer QEvent QObject QPoint QRect QSize Qt"
    " QSocketNotifier QTime QTimer Signal Slot QPointF QRectF",
    "QtGui": "QAction QActionGroup QCloseEvent QColor QCursor QFont QFontMetricsF QGuiApplication"
    " QIcon QImage QKeyEvent QKeySequence QPainter QPainterPath QPalette QPen QPixmap"
    " QShowEvent QMouseEvent QPaintEvent QTextDocument",
    "QtNetwork": "QLocalServer QLocalSocket QNetworkInformation",
    "QtWidgets": "QAbstractItemView QApplication QCheckBox QComboBox QDateEdit QDialog"
    " QDialogButtonBox QDoubleSpinBox QFileDialog QFormLayout QHBoxLayout QLabel QLineEdit"
    " QListWidget QListWidgetItem QMenu QMessageBox QPlainTextEdit QPushButton QSpinBox"
    " QSystemTrayIcon QTimeEdit QTreeWidget QTreeWidgetItem QVBoxLayout QWidget QWidgetAction"
    " QHeaderView QProgressBar QSizePolicy QTableWidget QTableWidgetItem",
}
HOME: dict[str, str] = {name: module for module, names in _HOME.items() for name in names.split()}


def __getattr__(name: str) -> Any:
    module = HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"PySide6.{module}"), name)
    globals()[name] = value  # the next lookup is a plain module attribute
    return value
