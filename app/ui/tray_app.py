"""Starts the tray: one instance, logging, settings, the core, the bridge, the icon.

``run_tray(options)`` is called by ``app.main`` with the parsed command line (the CLI engineer
defines the flags; they are read with ``getattr`` so a missing one means "not given").
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from app import APP_NAME, __version__

log = logging.getLogger(__name__)

DEMO_EMAIL = "emp1@example.com"
DEMO_PASSWORD = "Employee1234!"  # the contract test server's public demo account, not a secret
DEMO_TASK_ID = "60000000-0000-4000-8000-000000000003"  # "Implement tray sync"
DEMO_ELAPSED_MINUTES = 67  # the sample timer starts this long ago (icon shows "1:07")
SMOKE_QUIT_MS = 1000
SMOKE_TRAY_WAIT_MS = 500


def demo_available() -> bool:
    """True in a dev checkout: the contract test server (and FastAPI) can be imported.

    The installed ``timetray`` script runs with its own folder on ``sys.path``, not the
    checkout's, so the checkout that holds this package is added when it has the test server.
    """
    import importlib.util
    import sys
    from pathlib import Path

    if importlib.util.find_spec("fastapi") is None:
        return False
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "tests" / "backend" / "__init__.py").is_file() and str(checkout) not in sys.path:
        sys.path.append(str(checkout))
    return _find_spec_safe("tests.backend") is not None


def _find_spec_safe(name: str) -> Any:
    import importlib.util

    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


def run_tray(options: Any) -> int:
    """Show the icon as soon as Qt is up, then load everything else.

    Only the paths, logging, Qt and the icon painter come before the first paint: the settings
    (and machine policy), the core with its HTTP client, scheduler, SQLite store and keyring
    load from a zero-delay timer once the event loop runs, so the user sees Timetray answer
    in about the time of a bare Qt tray app (``bench/ui_bench.py``).
    """
    from app import paths
    from app.logging_setup import configure

    demo = bool(getattr(options, "demo", False))
    smoke = bool(getattr(options, "smoke_test", False))
    verbose = bool(getattr(options, "verbose", False))
    data_override = getattr(options, "data_dir", None)
    server_flag = getattr(options, "server", None)

    state: dict[str, Any] = {}
    if demo:
        if not demo_available():
            print(
                f"{APP_NAME}: --demo needs a development checkout with the test server "
                "(the tests/ folder and fastapi); this installation has neither.",
                file=sys.stderr,
            )
            return 1
        data_override = state["temp_dir"] = _make_temp_dir()

    data_dir = paths.data_dir(data_override)
    configure(paths.log_dir(data_override), verbose=verbose)
    log.info("%s %s starting (demo=%s, smoke=%s)", APP_NAME, __version__, demo, smoke)

    from app.ui.qt import QApplication, QTimer
    from app.ui.single_instance import InstanceServer, notify_running, server_name

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("Timetray")
    app.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(False)

    name = server_name(str(data_dir.resolve()))
    if not demo and notify_running(name):
        log.info("already running; asked the first instance to show itself")
        print(f"{APP_NAME}: already running; showing it.", file=sys.stderr)
        return 0

    # Show the icon first (in a neutral "starting" look), then load the core: importing the
    # HTTP client, the scheduler and SQLite takes longer than Qt itself, and the user should
    # see Timetray answer at once.
    early = _show_early_icon(app)

    def bring_forward() -> None:
        if "controller" in state:
            state["controller"].bring_forward()

    instance = InstanceServer(name, bring_forward)
    instance.listen()

    def finish_startup() -> None:
        try:
            _continue_startup(app, state, demo, smoke, data_dir, data_override, server_flag, early)
        except Exception:
            log.exception("start-up failed")
            app.exit(1)

    QTimer.singleShot(0, finish_startup)
    try:
        code = app.exec()
    finally:
        instance.close()
        if state.get("backend") is not None:
            state["backend"].stop()
        if state.get("temp_dir") is not None:
            import shutil

            shutil.rmtree(state["temp_dir"], ignore_errors=True)
    log.info("%s exiting with %s", APP_NAME, code)
    return int(code)


def _make_temp_dir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="timetray-demo-")


def _show_early_icon(app: Any) -> Any:
    """The tray icon in its "starting" look, when a tray host is there already (else the
    controller waits for one, and falls back to a window)."""
    from app.ui.early_icon import is_dark, starting_icon
    from app.ui.qt import QSystemTrayIcon

    if not QSystemTrayIcon.isSystemTrayAvailable():
        return None
    early = QSystemTrayIcon(starting_icon(is_dark(app.palette())))
    early.setToolTip("Timetray: starting…")
    early.show()
    icon_shown()
    return early


def icon_shown() -> None:
    """Called once when the icon (or the fallback window) first appears; a hook for benches."""
    log.info("icon shown")


def _continue_startup(
    app: Any,
    state: dict[str, Any],
    demo: bool,
    smoke: bool,
    data_dir: Path,
    data_override: str | None,
    server_flag: str | None,
    early: Any,
) -> None:
    """Everything after the first paint; fills ``state`` (backend, controller, temp_dir) so
    ``run_tray`` can clean up whatever got started, even when a later step fails."""
    from app.ui.qt import QTimer

    settings_loaded = _load_settings(data_override, server_flag)
    if not demo and not settings_loaded.values.server_url and demo_available():
        log.info("no server configured in a dev checkout: starting in demo mode")
        demo = True
        data_override = state["temp_dir"] = _make_temp_dir()
        data_dir = Path(data_override)

    backend: Any = None
    if demo:
        from tests.backend import start_in_thread

        backend = state["backend"] = start_in_thread(port=0)
        server_flag = backend.url
        settings_loaded = _load_settings(data_override, server_flag)

    from app import autostart, paths
    from app.ui.controller import TrayController
    from app.ui.settings_port import SettingsPort

    if not demo:  # a .dmg installs no login item: the app registers its own (macOS only)
        try:
            autostart.reconcile_at_start(settings_loaded.values.autostart)
        except OSError as exc:
            log.warning("could not register the start at login: %s", exc)

    settings = SettingsPort.from_disk(
        settings_loaded, paths.config_dir(data_override), _cli_settings(server_flag)
    )
    core = _make_core(settings_loaded, data_dir)
    if core is None:
        app.exit(1)
        return
    controller = TrayController(
        core,
        settings,
        wait_for_tray=True,
        tray_timeout_ms=SMOKE_TRAY_WAIT_MS if smoke else 10_000,
        data_dir=data_dir,
        autostart_apply=_autostart_apply,
        on_quit=app.quit,
        tray=early,
        on_shown=None if early is not None else icon_shown,
    )
    state["controller"] = controller
    controller.show()
    for problem in settings.problems:
        controller.show_message("Settings problem", problem, "settings")

    if demo:
        _run_demo(controller, core, backend, str(server_flag))
    elif not settings.get("server_url") and not server_flag:
        controller.sign_in()

    if smoke:

        def finish_smoke() -> None:
            if controller.shown:
                where = "tray" if controller.tray.isVisible() else "window"
                print(f"{APP_NAME}: smoke test ok ({where})")
            controller.really_quit()

        QTimer.singleShot(SMOKE_TRAY_WAIT_MS + SMOKE_QUIT_MS, finish_smoke)


def _run_demo(controller: Any, core: Any, backend: Any, server_url: str) -> None:
    """Sign in to the local test server, check in and start a sample timer that has run for
    a while, so the icon shows what a working day looks like. Every step waits on the previous
    Future through the bridge; the test server's control calls run off the GUI thread."""
    from app.core.facade import CommandResult

    bridge = controller.bridge
    back = DEMO_ELAPSED_MINUTES * 60

    def announce(_result: CommandResult | None = None) -> None:
        core.sync_now()
        controller.show_message(
            "Demo mode",
            "A local test server with sample tasks, signed in as Erin Employee. "
            "Nothing reaches a real server.",
        )

    def started(result: CommandResult) -> None:
        bridge.in_background(lambda: backend.advance_clock(back), announce)

    def checked_in(result: CommandResult) -> None:
        bridge.command("start", core.start(DEMO_TASK_ID), started)

    def rewound(_none: object) -> None:
        bridge.command("check_in", core.check_in("office"), checked_in)

    def signed_in(result: CommandResult) -> None:
        if not result.ok:
            controller.show_message("Demo mode", f"Could not sign in: {result.message}")
            return
        bridge.in_background(lambda: backend.advance_clock(-back), rewound)

    bridge.command("login", core.login(server_url, DEMO_EMAIL, DEMO_PASSWORD), signed_in)


def _cli_settings(server: str | None) -> dict[str, object] | None:
    return {"server_url": server} if server else None


def _load_settings(data_override: str | None, server: str | None) -> Any:
    from app import config, paths

    return config.load_settings(
        config_dir=paths.config_dir(data_override), cli=_cli_settings(server)
    )


def _autostart_apply(enabled: bool) -> None:
    from app import autostart

    autostart.apply(enabled)


def _make_core(settings_loaded: Any, data_dir: Path) -> Any:
    try:
        from app.core.wiring import build_core
    except ImportError as exc:
        print(f"{APP_NAME}: the core is missing from this build: {exc}", file=sys.stderr)
        return None
    core = build_core(settings_loaded.values, data_dir)
    core.open()
    return core
