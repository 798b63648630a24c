"""The assistance features' later additions, against a real ipykernel: the call
tip hides when the focus leaves the input, completion types and signatures in
every style, and pager pages sent as text/html shown as rich text."""

import os

import pytest
from conftest import Key, Mod
from qtpy import QtWidgets
from test_assist import _kernel_with_env

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shared_kernel(qapp, tmp_path_factory):
    env = dict(os.environ, IPYTHONDIR=str(tmp_path_factory.mktemp("ipython")))
    km, kc = _kernel_with_env(env)
    kc.stop_channels()
    yield km
    if km.has_kernel:
        km.shutdown_kernel(now=True)


@pytest.fixture
def con(shared_kernel, make_console):
    made = []

    def make(**traits):
        kc = shared_kernel.client()
        kc.start_channels()
        c = make_console(None, kc, wait=False, **traits)
        c.wait_prompt()
        c.wait_ready()
        made.append(kc)
        return c

    yield make
    for kc in made:
        kc.stop_channels()


# -- call tip and focus -------------------------------------------------------------
def test_call_tip_hides_when_the_focus_leaves_the_input(con, qtbot):
    c = con()
    tip = c.w.call_tip
    host = QtWidgets.QWidget()  # the host application's window: console + a line edit
    qtbot.addWidget(host)
    layout = QtWidgets.QVBoxLayout(host)
    layout.addWidget(c.w)
    other = QtWidgets.QLineEdit(host)
    layout.addWidget(other)
    host.resize(900, 700)
    host.show()
    host.activateWindow()
    qtbot.waitUntil(host.isActiveWindow, timeout=5000)
    c.editor.setFocus()
    qtbot.waitUntil(c.editor.hasFocus, timeout=5000)
    c.type("print(")
    qtbot.waitUntil(tip.isVisible, timeout=10000)
    other.setFocus()  # the user clicks into another widget of the host
    qtbot.waitUntil(other.hasFocus, timeout=5000)
    assert not tip.isVisible()
    c.editor.setFocus()  # back in the input: Shift+Tab shows it again
    qtbot.waitUntil(c.editor.hasFocus, timeout=5000)
    c.key(Key.Key_Backtab, Mod.ShiftModifier)
    qtbot.waitUntil(tip.isVisible, timeout=10000)
    # a reply that arrives after the focus left is dropped
    c.key(Key.Key_Escape)
    c.key(Key.Key_Backtab, Mod.ShiftModifier)
    other.setFocus()
    qtbot.waitUntil(other.hasFocus, timeout=5000)
    qtbot.wait(500)
    assert not tip.isVisible()
    # the window hidden: the tip goes with the focus
    c.editor.setFocus()
    c.key(Key.Key_Backtab, Mod.ShiftModifier)
    qtbot.waitUntil(tip.isVisible, timeout=10000)
    host.hide()
    host.show()
    qtbot.wait(50)
    assert not tip.isVisible()
    c.w.setParent(None)
