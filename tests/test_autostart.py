"""Start at login on each OS, switched from the settings: what lands on disk / in the registry."""

from __future__ import annotations

import plistlib
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import autostart
from app.autostart import LaunchAgent, WindowsRunKey, XdgAutostart, desktop_exec
from tests.test_policy import FakeWinreg

SYSTEM_ENTRY = """\
[Desktop Entry]
Type=Application
Name=Timetray
Exec=timetray --autostart
Icon=timetray
"""


def _xdg(tmp_path: Path, *, system: str | None = None) -> XdgAutostart:
    sysdir = tmp_path / "etc-xdg"
    if system is not None:
        (sysdir / "autostart").mkdir(parents=True)
        (sysdir / "autostart" / "timetray.desktop").write_text(system)
    return XdgAutostart(
        env={"XDG_CONFIG_HOME": str(tmp_path / "home-config"), "XDG_CONFIG_DIRS": str(sysdir)}
    )


def _desktop_keys(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line)


def test_xdg_enable_writes_a_user_entry_that_runs_this_install(tmp_path: Path) -> None:
    xdg = _xdg(tmp_path)
    assert not xdg.is_enabled()
    xdg.enable(["/opt/timetray/timetray"])
    entry = tmp_path / "home-config" / "autostart" / "timetray.desktop"
    assert xdg.user_entry == entry
    keys = _desktop_keys(entry)
    assert keys["Exec"] == "/opt/timetray/timetray --autostart"
    assert keys["Type"] == "Application" and keys["Icon"] == "timetray"
    assert "Hidden" not in keys
    assert xdg.is_enabled()
    xdg.disable()
    assert not entry.exists()
    assert not xdg.is_enabled()
    xdg.disable()  # idempotent


def test_xdg_honours_xdg_config_home_and_defaults_to_dot_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert XdgAutostart(env={}).user_entry == tmp_path / ".config/autostart/timetray.desktop"
    assert XdgAutostart(env={}).system_entries == [Path("/etc/xdg/autostart/timetray.desktop")]
    custom = XdgAutostart(env={"XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    assert custom.user_entry == tmp_path / "cfg/autostart/timetray.desktop"


def test_xdg_system_entry_is_shadowed_with_hidden_and_restored(tmp_path: Path) -> None:
    xdg = _xdg(tmp_path, system=SYSTEM_ENTRY)
    assert xdg.is_enabled()  # installed by the .deb for everybody
    xdg.disable()
    keys = _desktop_keys(xdg.user_entry)
    assert keys["Hidden"] == "true"
    assert not xdg.is_enabled()
    system_file = tmp_path / "etc-xdg" / "autostart" / "timetray.desktop"
    assert system_file.read_text() == SYSTEM_ENTRY  # the packaged file is never touched
    xdg.enable(["/somewhere/else/timetray"])
    assert not xdg.user_entry.exists()  # the package's entry applies again
    assert xdg.is_enabled()


def test_xdg_user_can_enable_when_the_system_entry_is_disabled(tmp_path: Path) -> None:
    xdg = _xdg(tmp_path, system=SYSTEM_ENTRY + "X-GNOME-Autostart-enabled=false\n")
    assert not xdg.is_enabled()
    xdg.enable(["timetray"])
    assert _desktop_keys(xdg.user_entry)["Exec"] == "timetray --autostart"
    assert xdg.is_enabled()


def test_desktop_exec_quotes_paths_with_spaces_and_specials() -> None:
    assert desktop_exec(["/opt/timetray/timetray", "--autostart"]) == (
        "/opt/timetray/timetray --autostart"
    )
    value = desktop_exec(["/home/erin/My Apps/python", "-m", "app", "--autostart"])
    assert value == '"/home/erin/My Apps/python" -m app --autostart'
    # A desktop launcher unescapes the string, then splits the quoted arguments.
    odd = desktop_exec(['/tmp/a"b$c\\d', "100%"])
    assert _launcher_split(odd) == ['/tmp/a"b$c\\d', "100%"]


def _launcher_split(value: str) -> list[str]:
    """What the Desktop Entry spec says a launcher does with an Exec value: unescape the
    string (``\\s \\n \\t \\r \\\\``), split the quoted arguments, then ``%%`` -> ``%``."""
    assert "\n" not in value and "\r" not in value, "a raw line break ends the entry's line"
    escapes = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    text, i = "", 0
    while i < len(value):
        if value[i] == "\\":
            text += escapes[value[i + 1]]
            i += 2
        else:
            text += value[i]
            i += 1
    args: list[str] = []
    current, quoted, i = "", False, 0
    while i < len(text):
        char = text[i]
        if quoted and char == "\\":
            current += text[i + 1]
            i += 1
        elif char == '"':
            quoted = not quoted
        elif char == " " and not quoted:
            args.append(current)
            current = ""
        else:
            current += char
        i += 1
    return [arg.replace("%%", "%") for arg in [*args, current]]


def test_a_newline_in_a_path_stays_inside_the_exec_line(tmp_path: Path) -> None:
    command = ["/home/erin/apps\nHidden=true\nExec=/tmp/evil/timetray", "--autostart"]
    value = desktop_exec(command)
    assert _launcher_split(value) == command
    xdg = _xdg(tmp_path)
    xdg.enable(command)
    keys = _desktop_keys(xdg.user_entry)
    assert "Hidden" not in keys
    assert keys["Exec"] == value
    assert xdg.is_enabled()


def test_other_control_characters_are_refused() -> None:
    with pytest.raises(ValueError, match="control character"):
        desktop_exec(["/opt/a\x1bb/timetray"])


@given(
    st.lists(
        st.text(st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from("\n\t\r")),
        min_size=1,
        max_size=4,
    )
)
def test_any_command_survives_the_desktop_entry_round_trip(command: list[str]) -> None:
    command = [arg for arg in command if not any(c in arg for c in "\u2028\u2029\x85")]
    if command:
        assert _launcher_split(desktop_exec(command)) == command


def test_default_command_launches_this_installation() -> None:
    command = autostart.default_command()
    assert command[0]
    assert Path(command[0]).name.startswith(("timetray", "python")) or command[-2:] == ["-m", "app"]


# --- Windows ------------------------------------------------------------------------------------

RUN = (FakeWinreg.HKEY_CURRENT_USER, r"Software\Microsoft\Windows\CurrentVersion\Run")


def test_windows_run_key_round_trip() -> None:
    reg = FakeWinreg({RUN: {"OneDrive": ("C:\\od.exe /background", FakeWinreg.REG_SZ)}})
    run = WindowsRunKey(reg)
    assert not run.is_enabled()
    run.enable([r"C:\Program Files\Timetray\timetray.exe"])
    assert reg.keys[RUN]["Timetray"] == (
        r'"C:\Program Files\Timetray\timetray.exe" --autostart',
        FakeWinreg.REG_SZ,
    )
    assert run.is_enabled()
    run.disable()
    assert "Timetray" not in reg.keys[RUN]
    assert "OneDrive" in reg.keys[RUN]  # other programs' entries are left alone
    run.disable()  # idempotent
    assert not run.is_enabled()
    assert reg.open_handles == 0


def test_windows_missing_run_key_is_created() -> None:
    reg = FakeWinreg()
    run = WindowsRunKey(reg)
    assert not run.is_enabled()
    run.disable()
    run.enable([r"C:\Timetray\timetray.exe"])
    assert reg.keys[RUN]["Timetray"][0] == r"C:\Timetray\timetray.exe --autostart"


def _command_line_to_argv(line: str) -> list[str]:
    """``CommandLineToArgvW`` as documented: the program token is read up to the next quote
    (or blank) with no escapes; after it, 2n backslashes + ``"`` give n backslashes and a
    quote that opens or closes, 2n+1 give n backslashes and a literal ``"``, other
    backslashes are literal, and only space and tab separate arguments."""
    if line.startswith('"'):
        end = line.index('"', 1)
        argv, i = [line[1:end]], end + 1
    else:
        end = next((k for k, c in enumerate(line) if c in " \t"), len(line))
        argv, i = [line[:end]], end
    while True:
        while i < len(line) and line[i] in " \t":
            i += 1
        if i >= len(line):
            return argv
        current, quoted = "", False
        while i < len(line):
            char = line[i]
            if char == "\\":
                count = 0
                while i < len(line) and line[i] == "\\":
                    count, i = count + 1, i + 1
                if i < len(line) and line[i] == '"':
                    current += "\\" * (count // 2)
                    if count % 2:
                        current, i = current + '"', i + 1
                else:
                    current += "\\" * count
                continue
            if char == '"':
                quoted, i = not quoted, i + 1
                continue
            if char in " \t" and not quoted:
                break
            current, i = current + char, i + 1
        argv.append(current)


def test_an_argument_ending_in_a_backslash_keeps_the_next_arguments_apart() -> None:
    command = [
        r"C:\Program Files\Timetray\timetray.exe",
        "--data-dir",
        "C:\\Users\\Erin Doe\\Timetray data\\",
        "--autostart",
    ]
    line = autostart.windows_command_line(command)
    assert line.endswith(r'"C:\Users\Erin Doe\Timetray data\\" --autostart')
    assert _command_line_to_argv(line) == command


def test_quotes_and_backslashes_before_them_survive_the_run_key() -> None:
    command = [r"C:\Timetray\timetray.exe", 'say "hi"', 'a\\"b', "", "\\\\server\\share\\"]
    assert _command_line_to_argv(autostart.windows_command_line(command)) == command


@given(st.lists(st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\0"))))
def test_any_arguments_survive_the_run_key_round_trip(rest: list[str]) -> None:
    command = [r"C:\Program Files\Timetray\timetray.exe", *rest]
    assert _command_line_to_argv(autostart.windows_command_line(command)) == command


# --- macOS --------------------------------------------------------------------------------------


def test_macos_launch_agent_round_trip(tmp_path: Path) -> None:
    agent = LaunchAgent(tmp_path / "LaunchAgents")
    assert not agent.is_enabled()
    agent.enable(["/Applications/Timetray.app/Contents/MacOS/timetray"])
    path = tmp_path / "LaunchAgents" / "com.timetray.Timetray.plist"
    with path.open("rb") as handle:
        data = plistlib.load(handle)
    assert data["Label"] == "com.timetray.Timetray"
    assert data["ProgramArguments"] == [
        "/Applications/Timetray.app/Contents/MacOS/timetray",
        "--autostart",
    ]
    assert data["RunAtLoad"] is True
    assert agent.is_enabled()
    agent.disable()
    assert not path.exists() and not agent.is_enabled()
    agent.disable()


def test_macos_corrupt_agent_counts_as_off(tmp_path: Path) -> None:
    agent = LaunchAgent(tmp_path)
    agent.path.write_bytes(b"<plist><dict>")
    assert not agent.is_enabled()
    agent.enable(["/x/timetray"])
    assert agent.is_enabled()


def test_backend_per_platform() -> None:
    assert isinstance(autostart.for_platform("linux"), XdgAutostart)
    assert isinstance(autostart.for_platform("win32"), WindowsRunKey)
    assert isinstance(autostart.for_platform("darwin"), LaunchAgent)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG is the Linux backend")
def test_apply_switches_the_current_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "none"))
    autostart.apply(True, ["timetray"])
    assert autostart.is_enabled()
    assert (tmp_path / "autostart" / "timetray.desktop").is_file()
    autostart.apply(False)
    assert not autostart.is_enabled()


MAIN = Path(__file__).resolve().parent.parent / "app" / "main.py"


@pytest.mark.skipif(
    "autostart_allowed" not in MAIN.read_text(),
    reason="app/main.py does not handle --autostart yet",
)
def test_login_launch_exits_quietly_when_policy_turns_autostart_off(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("autostart = false\n")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "TIMETRAY_DATA_DIR": str(tmp_path / "data"),
        "TIMETRAY_POLICY_FILE": str(policy),
    }
    done = subprocess.run(
        [sys.executable, "-m", "app", "--autostart"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=MAIN.parent.parent,
    )
    # No display here either: without the gate it would complain and exit 1.
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


# --- no double launch, and macOS registers itself ------------------------------------------------

HKLM_RUN = (FakeWinreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\Windows\CurrentVersion\Run")


def test_windows_user_turning_autostart_on_under_the_msi_entry_does_not_launch_twice() -> None:
    # Installed with AUTOSTART=1: the MSI's all-users entry already starts Timetray at login.
    machine = r'"C:\Program Files\Timetray\timetray.exe" --autostart'
    reg = FakeWinreg({HKLM_RUN: {"Timetray": (machine, FakeWinreg.REG_SZ)}, RUN: {}})
    run = WindowsRunKey(reg)
    assert run.is_enabled()
    run.disable()  # the user's "off" is honoured by --autostart, the MSI's entry stays
    run.enable([r"C:\Program Files\Timetray\timetray.exe"])
    assert "Timetray" not in reg.keys[RUN]
    assert reg.keys[HKLM_RUN]["Timetray"][0] == machine
    assert reg.open_handles == 0


def test_macos_first_start_registers_the_login_launch_once(tmp_path: Path) -> None:
    agent = LaunchAgent(tmp_path / "LaunchAgents")
    exe = "/Applications/Timetray.app/Contents/MacOS/timetray"
    assert autostart.reconcile_at_start(True, [exe], platform="darwin", backend=agent)
    assert agent.is_enabled() and agent.command() == [exe, "--autostart"]
    assert not autostart.reconcile_at_start(True, [exe], platform="darwin", backend=agent)
    # The app was moved: the agent follows it.
    moved = "/Users/erin/Applications/Timetray.app/Contents/MacOS/timetray"
    assert autostart.reconcile_at_start(True, [moved], platform="darwin", backend=agent)
    assert agent.command() == [moved, "--autostart"]


def test_reconcile_leaves_autostart_off_and_other_platforms_alone(tmp_path: Path) -> None:
    agent = LaunchAgent(tmp_path / "LaunchAgents")
    assert not autostart.reconcile_at_start(
        False, ["/x/timetray"], platform="darwin", backend=agent
    )
    assert not agent.path.exists()
    for plat in ("linux", "win32"):  # the .deb and the MSI register it themselves
        assert not autostart.reconcile_at_start(True, ["/x/timetray"], platform=plat, backend=agent)
    assert not agent.path.exists()
