#!/usr/bin/env bash
# Retakes docs/tray.png: the tray icon with its menu open, in --demo mode (a sample timer
# running), on a virtual X screen with a real tray host (trayer). See
# ../../shared/SCREEN-TESTING.md for why each step is needed.
#
#   docs/screenshot.sh            # writes docs/tray.png, then docs/week.png
#   OUT=/tmp/x.png WEEK_OUT=/tmp/w.png docs/screenshot.sh
#
# The week window needs no tray: docs/week_screenshot.py renders it offscreen with demo data,
# and can be run on its own (--dark, --scale 2 to look at the other themes and scalings).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${OUT:-$ROOT/docs/tray.png}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
DISP="${SCREENSHOT_DISPLAY:-:97}"
export LANG=C.UTF-8

need=()
for tool in Xvfb trayer xdotool import xwininfo xsetroot; do
    command -v "$tool" >/dev/null || need+=("$tool")
done
if ((${#need[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "screenshot.sh: missing ${need[*]}; install: xvfb xauth xdotool imagemagick trayer x11-utils" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb xauth xdotool imagemagick \
        trayer x11-utils x11-xserver-utils fonts-dejavu-core libxcb-cursor0 libxcb-icccm4 libxcb-image0 \
        libxcb-keysyms1 libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-util1 \
        libxcb-xkb1 libxkbcommon-x11-0 >/dev/null
fi

WORK="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

Xvfb "$DISP" -screen 0 1280x800x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY="$DISP"
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
# A plain desktop-like background so the panel and menu stand out.
command -v xsetroot >/dev/null && xsetroot -solid '#4a5d73' || true

trayer --edge top --align right --widthtype request --height 40 --SetDockType true \
    --transparent false --tint 0x202124 --expand false >"$WORK/trayer.log" 2>&1 &
pids+=($!)
sleep 1

# No D-Bus session: Qt docks the icon by XEmbed into trayer, which is what we photograph.
env -u DBUS_SESSION_BUS_ADDRESS -u QT_QPA_PLATFORM TIMETRAY_DATA_DIR="$WORK/data" \
    "$PY" -m app --demo >"$WORK/app.log" 2>&1 &
pids+=($!)

# Find the icon's window docked inside the tray: named Timetray, small (a bigger Timetray
# window is the demo's notification balloon), not the 1x1 helper.
find_icon() {
    xwininfo -root -tree 2>/dev/null | grep -i '"timetray"' | grep -v ' 1x1+' |
        awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+x[0-9]+[+-]/) { split($i, a, /[x+-]/);
               if (a[1] <= 64 && a[2] <= 64) { print $i, $(i + 1); exit } } }' || true
}
balloon_up() {
    xwininfo -root -tree 2>/dev/null |
        awk 'tolower($0) ~ /"timetray"/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+x[0-9]+[+-]/) {
               split($i, a, /[x+-]/); if (a[1] > 64) { found = 1 } } } END { exit !found }'
}
icon=""
for _ in $(seq 100); do
    icon="$(find_icon)"
    [[ -n "$icon" ]] && break
    sleep 0.2
done
if [[ -z "$icon" ]]; then
    echo "screenshot.sh: the tray icon did not appear; app log:" >&2
    cat "$WORK/app.log" >&2
    exit 1
fi
# The demo signs in, checks in and starts its sample timer, then says "Demo mode" in a balloon;
# wait for the balloon to come and go so it does not cover the menu.
for _ in $(seq 40); do balloon_up && break; sleep 0.25; done
for _ in $(seq 80); do balloon_up || break; sleep 0.25; done
sleep 0.5
icon="$(find_icon)"
# "WxH+x+y +X+Y": the size, then the absolute position.
read -r W H X Y < <(echo "$icon" | sed -E 's/^([0-9]+)x([0-9]+)[^ ]* \+([0-9-]+)\+([0-9-]+).*/\1 \2 \3 \4/')
cx=$((X + W / 2))
cy=$((Y + H - 1))  # the lower edge: the menu then opens below the panel
xdotool mousemove "$cx" "$cy"
sleep 0.5
xdotool click 3
sleep 1.5
import -window root "$WORK/full.png"
# Crop to the top-right corner: the panel with the icon and the open menu.
convert "$WORK/full.png" -crop 460x360+820+0 +repage "$OUT"
echo "wrote $OUT"
env -u DISPLAY QT_QPA_PLATFORM=offscreen "$PY" "$ROOT/docs/week_screenshot.py" \
    "${WEEK_OUT:-$ROOT/docs/week.png}"
