"""Render the app icon (resources/icons/timetray.svg) to the PNG sizes desktops and installers use.

A build-time tool, not part of the app: it uses PySide6's QtSvg (already a dependency, no
extra system package) on Qt's offscreen platform, so it runs on a headless build machine.

    python packaging/render_icons.py OUT_DIR [SIZE ...]
    python packaging/render_icons.py --ico FILE.ico

The first form writes OUT_DIR/<size>x<size>/apps/timetray.png for each size (the hicolor
theme layout; default sizes: the usual hicolor set); the second a multi-size Windows icon.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "timetray.svg"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 256)


def render(out_dir: Path, sizes: tuple[int, ...] = HICOLOR_SIZES) -> list[Path]:
    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: cannot read {SVG}")
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = out_dir / f"{size}x{size}" / "apps" / "timetray.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target)):
            raise SystemExit(f"render_icons: cannot write {target}")
        written.append(target)
    del app
    return written


def write_ico(target: Path, sizes: tuple[int, ...] = ICO_SIZES) -> Path:
    """A Windows .ico holding PNG images (supported since Vista), written without extra tools."""
    import struct
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        pngs = [
            (size, path.read_bytes())
            for size, path in zip(sizes, render(Path(tmp), sizes), strict=True)
        ]
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, data in pngs:
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(header + entries + blobs)
    return target


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    if sys.argv[1] == "--ico" and len(sys.argv) == 3:
        print(write_ico(Path(sys.argv[2])))
        raise SystemExit(0)
    chosen = tuple(int(s) for s in sys.argv[2:]) or HICOLOR_SIZES
    for path in render(Path(sys.argv[1]), chosen):
        print(path)
