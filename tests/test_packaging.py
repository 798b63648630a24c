"""Packaging conventions: one version, shown by ``embedcon --version``; typed."""

import os
import re
import subprocess
import sys
from pathlib import Path

import embedcon

ROOT = Path(__file__).resolve().parent.parent


def test_version_is_written_once_and_shown_by_the_command():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert not re.search(r'^version\s*=\s*"', pyproject, re.M)  # dynamic: embedcon.__version__
    assert 'version = {attr = "embedcon.__version__"}' in pyproject
    out = subprocess.run([sys.executable, "-m", "embedcon", "--version"], capture_output=True,
                         text=True, timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == embedcon.__version__


def test_the_package_says_it_is_typed():
    assert (ROOT / "embedcon" / "py.typed").exists()
    assert 'embedcon = ["py.typed"]' in (ROOT / "pyproject.toml").read_text()
