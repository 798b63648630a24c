"""Each example runs headless as a script and its console executes a cell."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CHECKS = {
    "embed_qtconsole.py": ("print('hello from', 6*7)", "hello from 42"),
    "inprocess_qtconsole.py": ("label.setText('set from console'); print(label.text(), model.mean())",
                               "set from console 2.5"),
    "kernel_in_app.py": ("label.setText('in-app'); print(label.text(), data.add(3))", "in-app 4"),
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_runs_headless(name):
    code, expected = CHECKS[name]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "EMBEDCON_EXAMPLE_SELFTEST": code}
    proc = subprocess.run([sys.executable, name], cwd=EXAMPLES, env=env, capture_output=True,
                          text=True, timeout=90)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    transcript = proc.stdout.split("=== transcript ===")[1]
    assert expected + "\n" in transcript
    if name == "kernel_in_app.py":
        assert "embedcon --existing" in proc.stdout
