"""The Jupyter Qt Console guide's "process management" section, in embedcon.

Each form of ``--existing`` the guide shows, ``%connect_info``, and the
security warning for a kernel on a non-loopback address.
"""

import os
import subprocess
import sys

import pytest
from jupyter_client import KernelManager
from sshd import non_loopback_ip


@pytest.fixture
def runtime_kernel(tmp_path, monkeypatch):
    """A kernel started by someone else, its file kernel-12345.json in the runtime dir."""
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    km = KernelManager(kernel_name="python3", connection_file=str(tmp_path / "kernel-12345.json"))
    km.start_kernel()
    yield km
    km.shutdown_kernel(now=True)


@pytest.mark.parametrize("form", ["none", "full path", "file name", "partial name", "number"])
def test_every_existing_form_of_the_guide_attaches(embedcon_app, runtime_kernel, qtbot, form):
    arg = {"none": [], "full path": [runtime_kernel.connection_file],
           "file name": ["kernel-12345.json"], "partial name": ["kernel-123"],
           "number": ["12345"]}[form]
    app = embedcon_app("--existing", *arg)
    assert os.path.samefile(app.connection_file, runtime_kernel.connection_file)
    assert app.kernel_manager is None  # attached, not owned
    qtbot.waitUntil(lambda: app.widget._handshake_done, timeout=20000)
    app.widget.execute("print('attached', 6 * 7)")
    qtbot.waitUntil(lambda: "attached 42" in app.widget.export_text(), timeout=20000)


def test_connect_info_shows_what_a_second_console_needs(console):
    console.run("%connect_info")
    out = console.output_of_last_cell()
    name = os.path.basename(console.km.connection_file)
    assert name in out and "--existing" in out
    assert '"key"' in out  # the guide: the file's content, for copying by hand


def test_a_non_loopback_ip_needs_an_explicit_flag_and_warns(embedcon_app, qtbot, caplog):
    ip = non_loopback_ip()
    assert ip, "this machine has no non-loopback IPv4 address to test with"
    out = subprocess.run([sys.executable, "-m", "embedcon", "--ip", ip], capture_output=True,
                         text=True, timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 1
    assert "embedcon: error: refusing to let the kernel listen on" in out.stderr
    assert "--allow-remote-access" in out.stderr
    caplog.set_level("WARNING", logger="embedcon.manager")
    app = embedcon_app("--ip", ip, "--allow-remote-access", "--no-confirm-exit")
    assert app.kernel_manager.ip == ip
    assert "the traffic is not encrypted" in caplog.text
    assert oct(os.stat(app.kernel_manager.connection_file).st_mode & 0o777) == "0o600"
