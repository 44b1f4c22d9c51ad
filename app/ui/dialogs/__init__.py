"""The tray's dialogs and windows. Each opens non-modally (``open()``), so the tray keeps
ticking while one is up, and reports what the user chose through a signal."""
