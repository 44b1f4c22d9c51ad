"""The UI suite's own guard: a Qt warning it does not know fails the test."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.logging import Record

from app.ui.qt import QObject, QPushButton
from tests.ui.conftest import unexpected_qt_warnings


@pytest.mark.qt_log_ignore(r"No such signal QPushButton::clickd\(\)")
def test_a_misspelt_signal_is_an_unexpected_warning(qapp: Any, qtlog: Any) -> None:
    # PySide makes up a signal for a bad name in connect(); disconnect() still says
    # "No such signal", the very warning the old blanket allowance let through.
    button, target = QPushButton(), QObject()
    assert not QObject.disconnect(button, "2clickd()", target, "1deleteLater()")
    [seen] = [r for r in qtlog.records if "clickd" in r.message]
    assert unexpected_qt_warnings([seen]) == []  # this test's marker allows it, nothing else
    unmarked = Record(seen.type, seen.message, False, seen.context)  # type: ignore[no-untyped-call]
    assert unexpected_qt_warnings([unmarked]) == [
        "QObject::disconnect: No such signal QPushButton::clickd()"
    ]
