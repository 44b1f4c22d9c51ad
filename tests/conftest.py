"""Shared fixtures. Tests run headless: Qt's offscreen platform is forced before any Qt import."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("LANG", "C.UTF-8")
# Never let a test reach the user's real keyring or data.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

from tests.backend_fixtures import *  # noqa: F403
