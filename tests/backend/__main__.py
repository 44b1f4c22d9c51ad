"""``python -m tests.backend --port 8000 [--host 127.0.0.1]``: print the demo data, then serve."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from tests.backend.app import create_app
from tests.backend.seed import describe
from tests.backend.server import make_config

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.backend", description="Timetray contract test server"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    print(describe())
    print(f"\nAPI: http://{args.host}:{args.port}/api/v1   control: /_test/...", flush=True)
    uvicorn.Server(make_config(create_app(), args.host, args.port, args.log_level)).run()


if __name__ == "__main__":
    main()
