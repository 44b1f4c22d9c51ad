"""Run a program as if IT had written ``/etc/timetray/policy.toml``, without touching the machine.

The program runs in a private mount namespace where ``/etc`` is an overlay of the real one plus
our ``timetray/policy.toml``; nothing outside that process sees it. This is how a test shows what
the product does with a machine policy in its fixed place (the frozen bundle, a locked key that
no variable may unlock). Linux only, and it needs either root or unprivileged user namespaces;
otherwise the test is skipped saying so.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

_SCRIPT = (
    'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc'
    ' && shift 2 && exec "$@"'
)


def _unshare() -> list[str]:
    base = ["unshare", "--mount", "--propagation", "private"]
    return base if os.geteuid() == 0 else [*base, "--user", "--map-root-user"]


@functools.cache
def _unavailable() -> str | None:
    """Why a private /etc overlay cannot be made here, or None when it can."""
    if not sys.platform.startswith("linux"):
        return "mount namespaces are Linux only"
    if shutil.which("unshare") is None:
        return "the unshare command is missing"
    with tempfile.TemporaryDirectory(prefix="etc-overlay-probe-") as scratch:
        upper, work = Path(scratch, "upper"), Path(scratch, "work")
        upper.mkdir()
        work.mkdir()
        done = subprocess.run(
            [*_unshare(), "sh", "-c", _SCRIPT, "sh", str(upper), str(work), "true"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    if done.returncode != 0:
        return f"cannot overlay /etc in a private mount namespace ({done.stderr.strip()})"
    return None


def with_machine_policy(tmp_path: Path, policy: str, command: Sequence[str]) -> list[str]:
    """``command`` wrapped so that it sees ``policy`` as /etc/timetray/policy.toml."""
    scratch = tmp_path / "etc-overlay"
    reason = _unavailable()
    if reason is not None:
        pytest.skip(f"needs a private /etc overlay: {reason}")
    upper, work = scratch / "upper", scratch / "work"
    (upper / "timetray").mkdir(parents=True)
    work.mkdir()
    (upper / "timetray" / "policy.toml").write_text(policy, encoding="utf-8")
    return [*_unshare(), "sh", "-c", _SCRIPT, "sh", str(upper), str(work), *command]
