#!/usr/bin/env bash
# Builds the macOS installer: PyInstaller Timetray.app (LSUIElement: no Dock icon) -> .dmg
#   bash packaging/macos/build-dmg.sh          (on macOS, from anywhere)
# Needs Python 3.11; the build dependencies are installed from packaging/requirements.lock
# (hash-checked) into its environment first. Uses the system's
# iconutil and hdiutil. Output: packaging/dist/Timetray-<version>.dmg (unsigned: sign and
# notarize with your Developer ID before distributing outside the company).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}
"$PYTHON" -m pip install -q --require-hashes -r packaging/requirements.lock
VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' app/__init__.py)

# The .icns from the SVG: iconutil wants name@2x pairs.
SRC=packaging/build/icon-png
SET=packaging/build/timetray.iconset
rm -rf "$SRC" "$SET"
mkdir -p "$SET" packaging/build/icons
"$PYTHON" packaging/render_icons.py "$SRC" 16 32 64 128 256 512 1024 >/dev/null
for n in 16 32 128 256 512; do
    cp "$SRC/${n}x${n}/apps/timetray.png" "$SET/icon_${n}x${n}.png"
    cp "$SRC/$((n * 2))x$((n * 2))/apps/timetray.png" "$SET/icon_${n}x${n}@2x.png"
done
iconutil -c icns -o packaging/build/icons/timetray.icns "$SET"

"$PYTHON" -m PyInstaller --noconfirm --distpath packaging/dist --workpath packaging/build \
    packaging/timetray.spec

STAGE=packaging/build/dmg
rm -rf "$STAGE"
mkdir -p "$STAGE"
cp -R packaging/dist/Timetray.app "$STAGE/"
ln -s /Applications "$STAGE/Applications"
DMG="packaging/dist/Timetray-$VERSION.dmg"
rm -f "$DMG"
hdiutil create -volname "Timetray $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
echo "build-dmg: $DMG ($(du -h "$DMG" | cut -f1))"
