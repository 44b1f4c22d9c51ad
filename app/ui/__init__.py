"""The tray (PySide6). Every Qt import goes through app.ui.qt."""
