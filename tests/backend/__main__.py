"""``python -m tests.backend --port 8000 [--host 127.0.0.1]``: print the demo data, then serve.

The control endpoints need the secret in ``TIMETRAY_CONTROL_SECRET`` (a random one is made and
printed when it is unset)."""

from __future__ import annotations

import argparse
import logging
import os
import secrets

import uvicorn

from tests.backend.app import create_app
from tests.backend.control import CONTROL_HEADER
from tests.backend.seed import describe
from tests.backend.server import make_config
from tests.backend.state import BackendState

SECRET_ENV = "TIMETRAY_CONTROL_SECRET"

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.backend", description="Timetray contract test server"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    secret = os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32)
    print(describe())
    print(f"\nAPI: http://{args.host}:{args.port}/api/v1   control: /_test/...", flush=True)
    if SECRET_ENV not in os.environ:
        print(f"control calls need the header {CONTROL_HEADER}: {secret}", flush=True)
    app = create_app(BackendState(control_secret=secret))
    uvicorn.Server(make_config(app, args.host, args.port, args.log_level)).run()


if __name__ == "__main__":
    main()
