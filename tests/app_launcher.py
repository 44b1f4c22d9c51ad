"""``python -m tests.app_launcher ARGS``: the ``timetray`` command as the tests start it.

The product reads its machine policy from a fixed place (``/etc/timetray``, HKLM, managed
preferences) that nothing a user sets can move. Tests must never read that place, so every
``timetray`` process a test starts goes through here: the policy source is replaced (no policy,
or the TOML file named by ``TIMETRAY_TEST_POLICY_FILE``) and then the real entry point runs.
This module is not part of the installed package; the variable means nothing to ``timetray``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app.policy import StaticPolicyReader, TomlPolicyReader, replace_policy_source_for_tests

POLICY_ENV = "TIMETRAY_TEST_POLICY_FILE"


def install_test_policy() -> None:
    """The policy this process reads instead of the machine's."""
    chosen = os.environ.get(POLICY_ENV)
    replace_policy_source_for_tests(
        TomlPolicyReader(Path(chosen)) if chosen else StaticPolicyReader(source="no policy (tests)")
    )


def main() -> int:
    install_test_policy()
    from app.main import main as timetray_main

    return timetray_main()


if __name__ == "__main__":
    sys.exit(main())
