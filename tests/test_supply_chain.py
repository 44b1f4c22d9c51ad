"""What the installers are built from (issue 16, item 8): dependency floors past published
advisories, a hash-pinned lock every build installs, and CI actions pinned by commit."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "packaging" / "requirements.lock"
WORKFLOW = ROOT / ".github" / "workflows" / "installers.yml"


def _project() -> dict[str, list[Requirement]]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {
        "runtime": [Requirement(r) for r in data["dependencies"]],
        "package": [Requirement(r) for r in data["optional-dependencies"]["package"]],
    }


def _lock() -> dict[str, tuple[str, list[str]]]:
    """name -> (pinned version, hashes), read the way pip reads the file."""
    text = LOCK.read_text().replace("\\\n", " ")
    pins: dict[str, tuple[str, list[str]]] = {}
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
        requirement = Requirement(re.sub(r"\s*--hash=\S+", "", line))
        specs = list(requirement.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"not pinned exactly: {line}"
        pins[canonicalize_name(requirement.name)] = (specs[0].version, hashes)
    return pins


@pytest.mark.parametrize(
    ("name", "vulnerable"),
    [
        ("h11", "0.15.0"),  # CVE-2025-43859, request smuggling
        ("filelock", "3.20.0"),  # CVE-2025-68146, lock-file symlink
        ("filelock", "4.2.0"),  # the soft-lock symlink advisories of 2026
        ("pyside6-essentials", "6.6.2"),  # Qt image reader fixes of 6.6.3
    ],
)
def test_floors_exclude_releases_with_advisories(name: str, vulnerable: str) -> None:
    declared = {canonicalize_name(r.name): r for r in _project()["runtime"]}
    assert name in declared, f"{name} needs its own floor in pyproject.toml"
    assert not declared[name].specifier.contains(vulnerable)


def test_the_lock_pins_every_dependency_with_hashes_within_the_declared_ranges() -> None:
    pins = _lock()
    assert all(hashes for _, hashes in pins.values()), "every pin needs a sha256"
    for requirement in _project()["runtime"] + _project()["package"]:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in the lock"
        assert requirement.specifier.contains(pins[name][0]), (name, pins[name][0])
    # Each OS's own packages are in the one lock, behind markers.
    assert {"pywin32-ctypes", "pefile", "macholib", "secretstorage"} <= set(pins)


def test_every_installer_build_installs_the_lock_with_hashes_required() -> None:
    install = re.compile(
        r"pip install -q --require-hashes\s*(\\\s*)?-r packaging[/\\]requirements\.lock"
    )
    for script in ("build-deb.sh", "macos/build-dmg.sh", "windows/build-msi.ps1"):
        assert install.search((ROOT / "packaging" / script).read_text()), script
    workflow = WORKFLOW.read_text()
    assert len(install.findall(workflow)) == 3  # one per job
    assert ".[package]" not in workflow  # nothing resolved afresh at build time


def test_workflow_actions_are_pinned_by_full_commit_with_the_tag_beside() -> None:
    uses = re.findall(r"uses:\s*(\S+)(.*)", WORKFLOW.read_text())
    assert uses
    for action, rest in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r"\s+# v\d+(\.\d+)*", rest), f"{action}: say the tag in a comment"
