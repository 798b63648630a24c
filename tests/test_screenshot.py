"""The README's screenshot comes from scripts/screenshot.py; it must keep working."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_screenshot_script_renders_the_console(tmp_path, qapp):
    from qtpy import QtGui

    out = tmp_path / "shot.png"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "screenshot.py"), str(out)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    img = QtGui.QImage(str(out))
    assert (img.width(), img.height()) == (760, 520)
    colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    assert len(colours) > 8  # text in several colours, not a blank window
    assert (ROOT / "docs" / "screenshot.png").exists()
    assert "docs/screenshot.png" in (ROOT / "README.md").read_text()
