"""Issue 16's conventions: config files, every widget trait from the command
line, --log-level, and a library that logs instead of printing."""

import json
import os
import subprocess
import sys

from embedcon.widgets.rich_widget import RichSettings

ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def _run(*argv, env=None, code=None):
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "embedcon", *argv]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=env or ENV)


def test_every_widget_trait_is_settable_from_the_command_line():
    out = _run("--help-all").stdout
    names = sorted(RichSettings.class_traits(config=True))
    assert len(names) > 20
    missing = [n for n in names if f"--RichJupyterWidget.{n}=" not in out]
    assert not missing, missing


_PROBE = r"""
import json, sys
from qtpy import QtCore, QtWidgets
qapp = QtWidgets.QApplication(["embedcon"])
from embedcon import __main__ as entry
from embedcon.app import EmbedconApp

def check():
    app = EmbedconApp.instance()
    w = getattr(app, "widget", None)
    if w is None or not w._handshake_done:
        return
    if not getattr(check, "sent", False):
        check.sent = True
        w.execute("print('out'); import sys; print('err', file=sys.stderr); 1/0")
    if "ZeroDivisionError" in w.export_text():
        sys.stderr.write("RESULT " + json.dumps({"font_size": w.font_size,
                                                  "confirm_exit": app.confirm_exit,
                                                  "log_level": app.log_level}) + "\n")
        app.window.confirm_exit = False
        app.window.close()

timer = QtCore.QTimer()
timer.timeout.connect(check)
timer.start(20)
entry.main(sys.argv[1:])
"""


def test_a_json_config_file_a_log_level_and_nothing_printed(tmp_path):
    (tmp_path / "embedcon_config.json").write_text(json.dumps(
        {"RichJupyterWidget": {"font_size": 13}, "EmbedconApp": {"confirm_exit": False}}))
    env = {**ENV, "JUPYTER_CONFIG_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", _PROBE, "--log-level=WARN"],
                         capture_output=True, text=True, timeout=90, env=env)
    lines = [ln for ln in out.stderr.splitlines() if ln.startswith("RESULT ")]
    assert lines, out.stderr[-2000:]
    result = json.loads(lines[-1][len("RESULT "):])
    assert result["font_size"] == 13 and result["confirm_exit"] is False
    assert result["log_level"] == 30
    # the kernel's output went to the console, and the library printed nothing
    assert out.stdout == "", out.stdout[-2000:]
