"""Starts the tray: one instance, logging, settings, the core, the bridge, the icon.

``run_tray(options)`` is called by ``app.main`` with the parsed command line (the CLI engineer
defines the flags; they are read with ``getattr`` so a missing one means "not given").
"""

from __future__ import annotations

import gc
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import APP_NAME, __version__

if TYPE_CHECKING:
    from app.demo import DemoSession

log = logging.getLogger(__name__)

SMOKE_QUIT_MS = 1000
SMOKE_TRAY_WAIT_MS = 500


def run_tray(options: Any, demo: DemoSession | None = None) -> int:
    """Show the icon as soon as Qt is up, then load everything else.

    Only the paths, logging, Qt and the icon painter come before the first paint: the settings
    (and machine policy), the core with its HTTP client, scheduler, SQLite store and keyring
    load from a zero-delay timer once the event loop runs, so the user sees Timetray answer
    in about the time of a bare Qt tray app (``bench/ui_bench.py``).

    ``demo``: the demo launcher's server and account (see app/demo.py); its data folder
    replaces the user's, while the log stays in the usual place so it outlives the demo.
    """
    from app import paths
    from app.logging_setup import configure

    smoke = bool(getattr(options, "smoke_test", False))
    verbose = bool(getattr(options, "verbose", False))
    data_override = getattr(options, "data_dir", None)
    server_flag = getattr(options, "server", None)

    configure(paths.log_dir(data_override), verbose=verbose)
    if demo is not None:
        data_override, server_flag = demo.data_dir, demo.server_url
        log.info("starting in demo mode against the contract test server at %s", server_flag)
    data_dir = paths.data_dir(data_override)
    log.info("%s %s starting (demo=%s, smoke=%s)", APP_NAME, __version__, demo is not None, smoke)
    state: dict[str, Any] = {}

    from app.ui.qt import QApplication, QTimer
    from app.ui.quit_signals import QuitSignals
    from app.ui.single_instance import InstanceServer, notify_running, server_name

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("Timetray")
    app.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(False)

    name = server_name(str(data_dir.resolve()))
    if demo is None and notify_running(name):
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

    def end_on_signal(name: str) -> None:
        if "controller" in state:
            state["controller"].really_quit(name)
        else:  # still starting: nothing to shut down yet but the loop
            app.quit()

    quit_signals = QuitSignals(end_on_signal)

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
        quit_signals.close()
        instance.close()
    log.info("%s exiting with %s", APP_NAME, code)
    # Everything is saved and closed by now. What is left is the interpreter's own ending,
    # whose garbage collections walk the whole heap (Qt, httpx, the scheduler) to free memory
    # the OS takes back anyway: 0.3-0.5 s after the icon went (more under load). Frozen
    # objects are left out of those walks; objects made from here on are collected as usual.
    gc.freeze()
    return int(code)


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
    demo: DemoSession | None,
    smoke: bool,
    data_dir: Path,
    data_override: str | None,
    server_flag: str | None,
    early: Any,
) -> None:
    """Everything after the first paint; puts the controller in ``state`` for the signal
    handler and a second launch."""
    from app.ui.qt import QTimer

    settings_loaded = _load_settings(data_override, server_flag)

    from app import autostart, paths
    from app.ui.controller import TrayController
    from app.ui.settings_port import SettingsPort

    if demo is None:  # a .dmg installs no login item: the app registers its own (macOS only)
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
    controller.settings_flow.report_problems()
    QTimer.singleShot(0, lambda: _watch_network(state, core, controller))

    if demo is not None:
        _run_demo(controller, core, demo)
    elif not settings.get("server_url") and not server_flag:
        controller.sign_in()

    if smoke:

        def finish_smoke() -> None:
            if controller.shown:
                where = "tray" if controller.tray.isVisible() else "window"
                print(f"{APP_NAME}: smoke test ok ({where})")
            controller.really_quit()

        QTimer.singleShot(SMOKE_TRAY_WAIT_MS + SMOKE_QUIT_MS, finish_smoke)


def _watch_network(state: dict[str, Any], core: Any, controller: Any) -> None:
    """Pass the OS's word on the network to the core, once the server could not be reached."""
    from app.ui.network import NetworkWatcher

    watcher = NetworkWatcher(
        controller.bridge.snapshot_changed, core.network_changed, parent=controller
    )
    watcher.on_snapshot(controller.snapshot)
    state["network"] = watcher


def _run_demo(controller: Any, core: Any, demo: DemoSession) -> None:
    """Sign in to the demo server (the launcher prepared the day there), then say so."""
    from app.core.facade import CommandResult

    def signed_in(result: CommandResult) -> None:
        if not result.ok:
            controller.show_message("Demo mode", f"Could not sign in: {result.message}")
            return
        core.sync_now()
        controller.show_message(
            "Demo mode",
            "A local test server with sample tasks, signed in as Erin Employee. "
            "Nothing reaches a real server.",
        )

    controller.bridge.command(
        "login", core.login(demo.server_url, demo.email, demo.password), signed_in
    )


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
    from app.away.signals import away_signals

    core = build_core(
        settings_loaded.values,
        data_dir,
        away_signals=lambda wall, threshold: away_signals(wall, idle_threshold_seconds=threshold),
    )
    core.open()
    return core
