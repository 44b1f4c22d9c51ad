"""Real pieces of a desktop for the away back ends: an Xvfb display and private D-Bus buses."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest


def wait_for(condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    """Poll a condition until it holds, failing after ``timeout``: never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or condition}")
        time.sleep(0.02)


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A fresh Xvfb on a free display (the server picks it: no race with other tests)."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt package xvfb; .ci/setup installs it)")
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", "640x480x24"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as f:
            number = f.readline().strip()
        if not number:
            pytest.fail("Xvfb did not report a display")
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def private_bus() -> Callable[[], str]:
    """Starts private dbus-daemons (each a stand-in for the session or the system bus)."""
    if shutil.which("dbus-daemon") is None:
        pytest.skip("dbus-daemon is not installed (apt package dbus; .ci/setup installs it)")
    procs: list[subprocess.Popen[str]] = []

    def start() -> str:
        proc = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address"],
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        assert proc.stdout is not None
        address = proc.stdout.readline().strip()
        if not address:
            pytest.fail("dbus-daemon did not print an address")
        return address

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)
