#!/usr/bin/env bash
# Builds the Linux installer in one command: the PyInstaller bundle, then timetray_<ver>_<arch>.deb
#
#   packaging/build-deb.sh [OUT_DIR]          (default: packaging/dist)
#
# Result: OUT_DIR/timetray/ (the bundle), OUT_DIR/timetray_<version>_<arch>.deb and
# OUT_DIR/build-info.txt (sizes and timings). Env: PYTHON (default .venv/bin/python; the
# locked build dependencies, packaging/requirements.lock, are installed into its environment),
# TIMETRAY_REUSE_BUNDLE=1 packs an existing OUT_DIR/timetray without rebuilding it.
# Build on the oldest distribution you support: the bundle needs its glibc or newer.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=$(realpath -m "${1:-packaging/dist}")
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
PKG=packaging/linux
mkdir -p "$OUT"

need_apt() {  # installs a Debian package when the command it provides is missing
    command -v "$1" >/dev/null 2>&1 && return 0
    command -v apt-get >/dev/null 2>&1 || { echo "build-deb: '$1' is missing (install $2)" >&2; exit 1; }
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "build-deb: installing $2 (for $1)"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}
need_apt objdump binutils  # PyInstaller inspects shared libraries with it
need_apt dpkg-deb dpkg

# The bundle ships what the lock names, each file checked against its sha256: a package that
# is missing, or at another version than locked, is installed from it (needs PyPI then).
"$PYTHON" -m pip install -q --require-hashes -r packaging/requirements.lock || {
    echo "build-deb: cannot install packaging/requirements.lock into $PYTHON's environment" >&2
    exit 1
}

VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' app/__init__.py)
ARCH=$(dpkg --print-architecture)
[ -n "$VERSION" ] || { echo "build-deb: cannot read __version__ from app/__init__.py" >&2; exit 1; }

now() { date +%s.%N; }
t0=$(now)
if [ "${TIMETRAY_REUSE_BUNDLE:-0}" != 1 ] || [ ! -x "$OUT/timetray/timetray" ]; then
    echo "build-deb: building the bundle (PyInstaller)"
    "$PYTHON" -m PyInstaller --noconfirm --log-level WARN \
        --distpath "$OUT" --workpath "$OUT/build" packaging/timetray.spec
fi
t1=$(now)

STAGE="$OUT/deb-root"
rm -rf "$STAGE"
mkdir -p "$STAGE/opt" "$STAGE/DEBIAN"
cp -a "$OUT/timetray" "$STAGE/opt/timetray"
install -Dm755 "$PKG/timetray.sh" "$STAGE/usr/bin/timetray"
install -Dm644 resources/timetray.desktop "$STAGE/usr/share/applications/timetray.desktop"
install -Dm644 "$PKG/timetray-autostart.desktop" "$STAGE/etc/xdg/autostart/timetray.desktop"
install -Dm644 "$PKG/policy.toml" "$STAGE/etc/timetray/policy.toml"
install -Dm644 resources/icons/timetray.svg \
    "$STAGE/usr/share/icons/hicolor/scalable/apps/timetray.svg"
QT_QPA_PLATFORM=offscreen "$PYTHON" packaging/render_icons.py "$STAGE/usr/share/icons/hicolor" \
    >/dev/null
install -Dm644 "$PKG/copyright" "$STAGE/usr/share/doc/timetray/copyright"
install -Dm644 docs/deployment.md "$STAGE/usr/share/doc/timetray/deployment.md"
# Whatever the builder's umask: directories 755, files 644, executables 755, owned by root.
chmod -R u+rwX,go+rX,go-w "$STAGE"

INSTALLED_KB=$(du -sk --apparent-size --exclude=DEBIAN "$STAGE" | cut -f1)
# The Qt libraries the bundled PySide6 loads from the system (offscreen + X11/xcb). Ubuntu 24.04
# renamed some with a t64 suffix, hence the alternatives.
# The bundle's Python and Qt were linked against the build machine's glibc.
GLIBC=$(getconf GNU_LIBC_VERSION | awk '{print $2}')
DEPENDS="libc6 (>= $GLIBC), libglib2.0-0t64 | libglib2.0-0, libegl1, libgl1, libxkbcommon0, libfontconfig1, \
libdbus-1-3, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-render-util0, \
libxcb-render0, libxcb-shape0, libxcb-util1, libxcb-xkb1, libxkbcommon-x11-0"
cat >"$STAGE/DEBIAN/control" <<CONTROL
Package: timetray
Version: $VERSION
Architecture: $ARCH
Maintainer: Timetray maintainers <timetray@example.com>
Installed-Size: $INSTALLED_KB
Depends: $DEPENDS
Recommends: gnome-keyring | kwalletmanager | keepassxc
Section: utils
Priority: optional
Description: system-tray time tracker for the HR Monitoring platform
 Timetray shows the running task timer, pauses and attendance in the system
 tray, and keeps working offline: every action is stored locally first and
 synced to the company's HR Monitoring server once, in order.
 .
 Machine policy for all users lives in /etc/timetray/policy.toml.
CONTROL
printf '%s\n' /etc/timetray/policy.toml /etc/xdg/autostart/timetray.desktop \
    >"$STAGE/DEBIAN/conffiles"
install -m755 "$PKG/postinst" "$STAGE/DEBIAN/postinst"
install -m755 "$PKG/postrm" "$STAGE/DEBIAN/postrm"

DEB="$OUT/timetray_${VERSION}_${ARCH}.deb"
rm -f "$DEB"
dpkg-deb --root-owner-group -Zzstd --build "$STAGE" "$DEB" >/dev/null
t2=$(now)

BUNDLE_MB=$(du -sm "$OUT/timetray" | cut -f1)
DEB_MB=$(awk -v b="$(stat -c %s "$DEB")" 'BEGIN { printf "%.1f", b / 1048576 }')
BUNDLE_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
DEB_S=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1f", b - a }')
cat >"$OUT/build-info.txt" <<INFO
deb=$DEB
version=$VERSION
bundle_mb=$BUNDLE_MB
deb_mb=$DEB_MB
installed_kb=$INSTALLED_KB
bundle_seconds=$BUNDLE_S
deb_seconds=$DEB_S
INFO
echo "build-deb: bundle $OUT/timetray: ${BUNDLE_MB} MB in ${BUNDLE_S} s"
echo "build-deb: package $DEB: ${DEB_MB} MB in ${DEB_S} s"
