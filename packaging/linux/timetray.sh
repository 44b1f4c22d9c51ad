#!/bin/sh
# /usr/bin/timetray: runs the bundle this package put in /opt/timetray (found relative to this
# script, so an unpacked package works too).
here=$(dirname "$(readlink -f "$0")")
exec "$here/../../opt/timetray/timetray" "$@"
