"""The ``timetray`` executable: no subcommand starts the tray, a subcommand runs headless."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app import APP_NAME, cli
from app.display import NO_DISPLAY_MESSAGE, has_display

if TYPE_CHECKING:
    from app.demo import DemoSession


def main(argv: Sequence[str] | None = None, *, demo: DemoSession | None = None) -> int:
    """``demo``: given only by the demo launcher (tests/backend/demo.py), see app/demo.py."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = cli.build_parser()
    options = parser.parse_args(args)
    if getattr(options, "command", None):
        return cli.run(options)
    if getattr(options, "autostart", False) and not _autostart_allowed(options):
        return 0  # started by the login entry, but policy or the user turned autostart off
    if not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 1
    if demo is None:
        from app import demo as demo_mode

        if demo_mode.wanted(options):
            if not demo_mode.launcher_available():
                print(f"{APP_NAME}: {demo_mode.UNAVAILABLE}", file=sys.stderr)
                return 1
            return demo_mode.run_launcher(args)
    from app.ui.tray_app import run_tray  # Qt is imported only when a GUI is really wanted

    return run_tray(options, demo)


def _autostart_allowed(options: object) -> bool:
    from app import paths
    from app.config import autostart_allowed

    data_dir = getattr(options, "data_dir", None)
    return autostart_allowed(config_dir=paths.config_dir(data_dir) if data_dir else None)


if __name__ == "__main__":
    sys.exit(main())
