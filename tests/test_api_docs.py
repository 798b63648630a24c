"""docs/api.md is generated from the code (scripts/gen_api_docs.py) and kept in sync."""

import subprocess
import sys
from pathlib import Path

import pytest
import qtpy

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(qtpy.API_NAME.lower() != "pyqt6", reason="generated on the default binding")
def test_api_docs_are_in_sync_with_the_code():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_api_docs.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr + "\n(run: python scripts/gen_api_docs.py)"
    text = (ROOT / "docs" / "api.md").read_text()
    for name in ("server_console", "RichJupyterWidget", "kernel_state_changed", "buffer_size",
                 "QtKernelManager", "ServerKernelClient"):
        assert name in text
