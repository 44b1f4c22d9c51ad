"""The installers as an admin meets them: the .deb's metadata and files, the unpacked bundle runs,
and the Windows/macOS definitions and the CI workflow say what the deployment guide promises.

The .deb is built once per session (PyInstaller + dpkg-deb, about 30 s on two cores).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import __version__
from app.policy import TomlPolicyReader
from app.policy.linux import DEFAULT_PATH as MACHINE_POLICY
from tests.machine_policy import with_machine_policy

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
HAS_DPKG = shutil.which("dpkg-deb") is not None and sys.platform.startswith("linux")
needs_deb = [
    pytest.mark.skipif(not HAS_DPKG, reason="dpkg-deb is not available (not a Debian system)"),
    pytest.mark.slow,
    pytest.mark.timeout(600),
]

# The system libraries Qt needs (offscreen + xcb), per SCREEN-TESTING.md.
QT_LIBS = [
    *("libegl1", "libgl1", "libxkbcommon0", "libfontconfig1", "libdbus-1-3", "libxcb-cursor0"),
    *("libxcb-icccm4", "libxcb-image0", "libxcb-keysyms1", "libxcb-render-util0"),
    *("libxcb-render0", "libxcb-shape0", "libxcb-util1", "libxcb-xkb1", "libxkbcommon-x11-0"),
]
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)


@pytest.fixture(scope="session")
def deb_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    if not HAS_DPKG:
        pytest.skip("dpkg-deb is not available (not a Debian system)")
    out = tmp_path_factory.mktemp("deb-build")
    env = {**os.environ, "PYTHON": sys.executable}
    done = subprocess.run(
        ["bash", str(PACKAGING / "build-deb.sh"), str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=540,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    info = dict(
        line.split("=", 1) for line in (out / "build-info.txt").read_text().splitlines() if line
    )
    info["out"] = str(out)
    print(
        f"\n[packaging] bundle {info['bundle_mb']} MB in {info['bundle_seconds']} s; "
        f".deb {info['deb_mb']} MB in {info['deb_seconds']} s"
    )
    yield info


@pytest.fixture(scope="session")
def unpacked(deb_build: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("deb-x")
    subprocess.run(["dpkg-deb", "-x", deb_build["deb"], str(root)], check=True, timeout=120)
    return root


def _field(deb: str, name: str) -> str:
    done = subprocess.run(
        ["dpkg-deb", "-f", deb, name], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def _depends_names(depends: str) -> set[str]:
    names = set()
    for group in depends.split(","):
        for alt in group.split("|"):
            names.add(re.sub(r"\s*\(.*\)", "", alt).strip())
    return names


class TestDeb:
    pytestmark = needs_deb

    def test_metadata(self, deb_build: dict[str, str]) -> None:
        deb = deb_build["deb"]
        assert Path(deb).name == f"timetray_{__version__}_{_field(deb, 'Architecture')}.deb"
        assert _field(deb, "Package") == "timetray"
        assert _field(deb, "Version") == __version__
        arch = subprocess.run(
            ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
        ).stdout.strip()
        assert _field(deb, "Architecture") == arch
        depends = _depends_names(_field(deb, "Depends"))
        missing = [lib for lib in QT_LIBS if lib not in depends]
        assert not missing, f"Depends lacks {missing}"
        assert {"libglib2.0-0", "libglib2.0-0t64"} <= depends  # either name satisfies it
        assert int(_field(deb, "Installed-Size")) > 20_000  # KiB; the bundle, not a stub
        assert _field(deb, "Maintainer") and _field(deb, "Description")

    def test_contents_conffiles_and_scripts(
        self, deb_build: dict[str, str], unpacked: Path, tmp_path: Path
    ) -> None:
        listing = subprocess.run(
            ["dpkg-deb", "-c", deb_build["deb"]], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        owners = {line.split()[1] for line in listing}
        assert owners == {"root/root"}
        for path in [
            "opt/timetray/timetray",
            "usr/bin/timetray",
            "usr/share/applications/timetray.desktop",
            "etc/xdg/autostart/timetray.desktop",
            "etc/timetray/policy.toml",
            "usr/share/icons/hicolor/scalable/apps/timetray.svg",
            "usr/share/doc/timetray/copyright",
            "usr/share/doc/timetray/deployment.md",
            *(f"usr/share/icons/hicolor/{n}x{n}/apps/timetray.png" for n in ICON_SIZES),
        ]:
            assert (unpacked / path).is_file(), path
        assert (unpacked / "opt/timetray/timetray").stat().st_mode & stat.S_IXOTH
        assert (unpacked / "usr/bin/timetray").stat().st_mode & stat.S_IXOTH
        # The bundle carries the app's resources (the icon the tray draws from).
        assert list((unpacked / "opt/timetray").rglob("resources/icons/timetray.svg"))

        control = tmp_path / "control"
        subprocess.run(["dpkg-deb", "-e", deb_build["deb"], str(control)], check=True)
        assert (control / "conffiles").read_text().split() == [
            "/etc/timetray/policy.toml",
            "/etc/xdg/autostart/timetray.desktop",
        ]
        for script in ("postinst", "postrm"):
            assert (control / script).stat().st_mode & stat.S_IXUSR
            subprocess.run(["sh", "-n", str(control / script)], check=True)
        postrm = (control / "postrm").read_text()
        purge_block = postrm[postrm.index('"$1" = "purge"') :]
        assert 'etc="$DPKG_ROOT/etc/timetray"' in purge_block
        assert "/home" not in postrm and ".local/share" not in postrm.split("never touched")[1]

    @pytest.mark.skipif(
        not hasattr(os, "geteuid") or os.geteuid() != 0, reason="dpkg --root needs root"
    )
    def test_install_upgrade_remove_purge_in_a_fake_root(
        self, deb_build: dict[str, str], tmp_path: Path
    ) -> None:
        # The real dpkg runs the real maintainer scripts against a private root ($DPKG_ROOT).
        root = tmp_path / "root"
        (root / "var/lib/dpkg/updates").mkdir(parents=True)
        (root / "var/lib/dpkg/info").mkdir()
        (root / "var/lib/dpkg/status").touch()
        user_config = root / "home/erin/.config/timetray/settings.toml"
        user_data = root / "home/erin/.local/share/timetray/offline_queue.sqlite3"
        for path in (user_config, user_data):
            path.parent.mkdir(parents=True)
            path.write_text("the user's\n")
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "TMPDIR": str(tmp_path)}

        def dpkg(*args: str) -> None:
            done = subprocess.run(
                ["dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends",
                 "--log=/dev/null", *args],
                capture_output=True, text=True, env=env, timeout=120,
            )  # fmt: skip
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

        def status() -> str:
            done = subprocess.run(
                ["dpkg-query", f"--root={root}", "-W", "-f=${db:Status-Abbrev}", "timetray"],
                capture_output=True, text=True, env=env, timeout=60,
            )  # fmt: skip
            return done.stdout.strip()

        policy = root / "etc/timetray/policy.toml"
        dpkg("-i", deb_build["deb"])
        assert status() == "ii"
        assert (root / "etc/xdg/autostart/timetray.desktop").is_file()
        version = subprocess.run(
            [str(root / "usr/bin/timetray"), "--version"],
            capture_output=True, text=True, env={**env, "HOME": str(tmp_path)}, timeout=60,
        )  # fmt: skip
        assert version.stdout.strip() == f"timetray {__version__}", version.stderr
        policy.write_text('server_url = "https://hr.example.com"\n')  # IT's edit
        dpkg("-i", deb_build["deb"])  # reinstall/upgrade: postinst configure runs again
        assert status() == "ii"
        assert policy.read_text() == 'server_url = "https://hr.example.com"\n'
        dpkg("-r", "timetray")
        assert status() == "rc"  # removed; the conffiles (IT's policy) stay until purge
        assert not (root / "opt/timetray").exists() and not (root / "usr/bin/timetray").exists()
        assert policy.is_file()
        dpkg("-P", "timetray")
        dpkg("-P", "timetray")  # purging twice is harmless
        assert not (root / "etc/timetray").exists()
        assert not (root / "etc/xdg/autostart/timetray.desktop").exists()
        assert user_config.read_text() == user_data.read_text() == "the user's\n"

    def test_desktop_entries(self, unpacked: Path) -> None:
        app = _desktop(unpacked / "usr/share/applications/timetray.desktop")
        assert app["Exec"] == "timetray" and app["Icon"] == "timetray"
        assert app["Type"] == "Application" and app["Terminal"] == "false"
        auto = _desktop(unpacked / "etc/xdg/autostart/timetray.desktop")
        assert auto["Exec"] == "timetray --autostart"
        assert auto.get("Hidden", "false") == "false"

    def test_icons_have_their_sizes(self, unpacked: Path) -> None:
        for n in ICON_SIZES:
            data = (unpacked / f"usr/share/icons/hicolor/{n}x{n}/apps/timetray.png").read_bytes()
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
            assert struct.unpack(">II", data[16:24]) == (n, n)

    def test_shipped_policy_example_means_no_policy(self, unpacked: Path) -> None:
        result = TomlPolicyReader(unpacked / "etc/timetray/policy.toml").read()
        assert result == ({}, set(), [])

    def test_unpacked_timetray_version_and_help(self, unpacked: Path, tmp_path: Path) -> None:
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "TIMETRAY_DATA_DIR": str(tmp_path),
            "TMPDIR": str(tmp_path),
        }
        exe = str(unpacked / "usr/bin/timetray")  # the wrapper finds ../../opt/timetray
        version = subprocess.run(
            [exe, "--version"], capture_output=True, text=True, env=env, timeout=60
        )
        assert version.returncode == 0, version.stderr
        assert version.stdout.strip() == f"timetray {__version__}"
        helped = subprocess.run(
            [exe, "--help"], capture_output=True, text=True, env=env, timeout=60
        )
        assert helped.returncode == 0, helped.stderr
        assert "usage: timetray" in helped.stdout

    @pytest.mark.skipif(
        not (ROOT / "app/ui/tray_app.py").exists(), reason="the tray UI is not written yet"
    )
    def test_unpacked_bundle_starts_offscreen_despite_a_bad_policy(
        self, unpacked: Path, tmp_path: Path
    ) -> None:
        # An admin's typo: the installed app names the file and the key, and still starts.
        policy = (
            'server_url = "http://127.0.0.1:9"\npoll_interval_seconds = "often"\n'
            'locked_keys = ["server_url"]\n'
        )
        done = self._smoke(unpacked, tmp_path, policy)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        assert "smoke test ok" in done.stdout
        assert f"{MACHINE_POLICY}: poll_interval_seconds: expected an integer" in done.stderr
        log = (tmp_path / "data/logs/timetray.log").read_text()
        assert f"{MACHINE_POLICY}: poll_interval_seconds: expected an integer" in log

    def test_unpacked_bundle_starts_offscreen_with_a_policy_that_is_not_toml(
        self, unpacked: Path, tmp_path: Path
    ) -> None:
        policy = 'server_url = "http://127.0.0.1:9\nautostart = false\n'
        done = self._smoke(unpacked, tmp_path, policy)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        assert "smoke test ok" in done.stdout
        assert f"{MACHINE_POLICY}: server_url: not valid TOML" in done.stderr

    @staticmethod
    def _smoke(unpacked: Path, tmp_path: Path, policy: str) -> subprocess.CompletedProcess[str]:
        """The installed bundle's smoke test, seeing ``policy`` where IT would write it."""
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path / "home"),
            "TMPDIR": str(tmp_path),
            "LANG": "C.UTF-8",
            "QT_QPA_PLATFORM": "offscreen",
            "TIMETRAY_DATA_DIR": str(tmp_path / "data"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        }
        return subprocess.run(
            with_machine_policy(
                tmp_path, policy, [str(unpacked / "usr/bin/timetray"), "--smoke-test"]
            ),
            capture_output=True,
            text=True,
            env=env,
            timeout=90,
        )


def _desktop(path: Path) -> dict[str, str]:
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:])


# --- source-level checks (no build needed) --------------------------------------------------


def test_policy_example_uncommented_is_a_valid_policy(tmp_path: Path) -> None:
    """Every example in the shipped policy file works when an admin uncomments it."""
    pem = tmp_path / "company-ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n")
    text = (PACKAGING / "linux/policy.toml").read_text()
    lines = [line[2:] for line in text.splitlines() if re.match(r"# [a-z_]+ = ", line)]
    policy = tmp_path / "policy.toml"
    policy.write_text("\n".join(lines).replace("/etc/timetray/company-ca.pem", str(pem)) + "\n")
    values, locked, problems = TomlPolicyReader(policy).read()
    assert problems == []
    assert set(values) == {
        "server_url",
        "poll_interval_seconds",
        "autostart",
        "auto_resume",
        "ca_bundle",
        "weekly_target_hours",
        "away_minutes",
        "away_action",
        "allow_insecure_http",
        "allow_token_file",
        "mcp_access",
    }
    assert locked == {"server_url", "ca_bundle"}


@pytest.mark.needs_posix("the maintainer scripts are sh and bash scripts")
def test_maintainer_scripts_and_build_script_parse() -> None:
    for script in ("linux/postinst", "linux/postrm", "linux/timetray.sh"):
        subprocess.run(["sh", "-n", str(PACKAGING / script)], check=True)
    subprocess.run(["bash", "-n", str(PACKAGING / "build-deb.sh")], check=True)
    subprocess.run(["bash", "-n", str(PACKAGING / "macos/build-dmg.sh")], check=True)


def test_pyinstaller_spec_is_windowed_and_macos_app_has_no_dock_icon() -> None:
    spec = (PACKAGING / "timetray.spec").read_text()
    assert "console=False" in spec
    assert '"LSUIElement": True' in spec
    assert 'str(ROOT / "app" / "main.py")' in spec
    assert '(str(ROOT / "resources"), "resources")' in spec


WIX = "{http://wixtoolset.org/schemas/v4/wxs}"


def test_wix_definition_is_per_machine_with_policy_properties() -> None:
    tree = ET.parse(PACKAGING / "windows/timetray.wxs")
    package = tree.getroot().find(f"{WIX}Package")
    assert package is not None
    assert package.get("Scope") == "perMachine"
    assert package.get("Name") == "Timetray"
    assert re.fullmatch(r"[0-9A-F-]{36}", package.get("UpgradeCode", ""))
    assert package.find(f"{WIX}MajorUpgrade") is not None  # upgrade in place
    props = {p.get("Id"): p for p in tree.iter(f"{WIX}Property")}
    assert {"SERVERURL", "AUTOSTART"} <= set(props)
    values = {
        v.get("Name"): v
        for key in tree.iter(f"{WIX}RegistryKey")
        if key.get("Root") == "HKLM" and key.get("Key") == r"SOFTWARE\Policies\Timetray"
        for v in key.iter(f"{WIX}RegistryValue")
    }
    assert values["ServerUrl"].get("Value") == "[SERVERURL]"
    assert values["ServerUrl"].get("Type") == "string"
    assert values["Autostart"].get("Type") == "integer"
    run = [
        v
        for key in tree.iter(f"{WIX}RegistryKey")
        if key.get("Key") == r"SOFTWARE\Microsoft\Windows\CurrentVersion\Run"
        for v in key.iter(f"{WIX}RegistryValue")
    ]
    assert run and "--autostart" in (run[0].get("Value") or "")


def test_ci_workflow_builds_each_installer_on_its_own_os() -> None:
    text = (ROOT / ".github/workflows/installers.yml").read_text()
    for runner in ("ubuntu-22.04", "windows-latest", "macos-latest"):
        assert f"runs-on: {runner}" in text
    assert "packaging/build-deb.sh" in text
    assert "packaging/windows/build-msi.ps1" in text
    assert "wix build" in (PACKAGING / "windows/build-msi.ps1").read_text()
    assert "packaging/macos/build-dmg.sh" in text
    assert text.count("actions/upload-artifact@") == 3


def test_deployment_guide_covers_every_os_and_topic() -> None:
    guide = (ROOT / "docs/deployment.md").read_text()
    for os_name in ("Linux", "Windows", "macOS"):
        section = guide.split(f"## {os_name}", 1)[1].split("\n## ", 1)[0]
        for topic in (
            "Silent install",
            "Preset server",
            "Policy keys",
            "Autostart",
            "Upgrade",
            "Uninstall",
        ):
            assert f"### {topic}" in section, f"{os_name}: {topic}"


@pytest.mark.needs_posix("runs the dpkg maintainer scripts with sh")
def test_maintainer_scripts_are_idempotent_and_purge_only_the_policy(tmp_path: Path) -> None:
    root = tmp_path / "root"  # $DPKG_ROOT, as `dpkg --root` sets it
    etc = root / "etc/timetray"
    etc.mkdir(parents=True)
    (root / "usr/share/applications").mkdir(parents=True)
    (root / "usr/share/icons/hicolor").mkdir(parents=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("rm", "rmdir", "cat"):
        (bin_dir / tool).symlink_to(shutil.which(tool) or f"/bin/{tool}")
    calls = tmp_path / "calls"
    for tool in ("update-desktop-database", "gtk-update-icon-cache"):  # record, don't run
        (bin_dir / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{calls}"\n')
        (bin_dir / tool).chmod(0o755)
    env = {"PATH": str(bin_dir), "DPKG_ROOT": str(root)}
    sh = shutil.which("sh") or "/bin/sh"

    def run(script: str, action: str) -> None:
        subprocess.run([sh, str(PACKAGING / "linux" / script), action], check=True, env=env)

    run("postinst", "configure")
    run("postinst", "configure")
    assert calls.read_text().splitlines() == 2 * [
        f"update-desktop-database -q {root}/usr/share/applications",
        f"gtk-update-icon-cache -q -t -f {root}/usr/share/icons/hicolor",
    ]
    (etc / "policy.toml").write_text('server_url = "https://hr.example.com"\n')
    (etc / "policy.toml.dpkg-old").write_text("old\n")
    (etc / "company-ca.pem").write_text("pem\n")
    run("postrm", "remove")
    run("postrm", "remove")
    assert sorted(p.name for p in etc.iterdir()) == [
        "company-ca.pem",
        "policy.toml",
        "policy.toml.dpkg-old",
    ]
    run("postrm", "purge")
    assert [p.name for p in etc.iterdir()] == ["company-ca.pem"]  # not ours to delete
    run("postrm", "purge")
    (etc / "company-ca.pem").unlink()
    run("postrm", "purge")
    assert not etc.exists()
    calls.unlink()
    (bin_dir / "update-desktop-database").unlink()  # a minimal system without the tools
    (bin_dir / "gtk-update-icon-cache").unlink()
    run("postinst", "configure")
    run("postrm", "remove")
    assert not calls.exists()
