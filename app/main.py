"""The ``timetray`` executable: no subcommand starts the tray, a subcommand runs headless."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from app import cli
from app.display import NO_DISPLAY_MESSAGE, has_display


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    parser = cli.build_parser()
    options = parser.parse_args(args)
    if getattr(options, "command", None):
        return cli.run(options)
    if not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 1
    from app.ui.tray_app import run_tray  # Qt is imported only when a GUI is really wanted

    return run_tray(options)


if __name__ == "__main__":
    sys.exit(main())
