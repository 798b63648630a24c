"""Tests for the reference holder: embedcon.keep / release and app.references."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc

import pytest
from qtpy import QtCore, QtWidgets

import embedcon
from embedcon.references import References, holder, keep, release


def held_labels(text):
    return [o for o in holder() if isinstance(o, QtWidgets.QLabel) and o.text() == text]


def test_kept_window_survives_del_and_gc(qapp, qtbot):
    w = embedcon.keep(QtWidgets.QLabel("survivor"))
    w.show()
    destroyed = []
    w.destroyed.connect(lambda *_: destroyed.append(True))
    del w
    gc.collect()
    qtbot.wait(20)
    (alive,) = held_labels("survivor")
    assert alive.isVisible()
    assert destroyed == []
    alive.close()  # kept top-level windows are freed when closed
    del alive
    qtbot.waitUntil(lambda: destroyed == [True], timeout=2000)
    assert held_labels("survivor") == []


def test_unkept_window_disappears(qapp, qtbot):
    destroyed = []

    def make():
        w = QtWidgets.QLabel("transient")
        w.destroyed.connect(lambda *_: destroyed.append(True))
        w.show()

    make()
    gc.collect()
    qtbot.waitUntil(lambda: destroyed == [True], timeout=2000)


def test_window_made_in_a_function_survives_when_kept(qapp, qtbot):
    def make():
        keep(QtWidgets.QLabel("from a function")).show()

    make()
    gc.collect()
    (w,) = held_labels("from a function")
    assert w.isVisible()
    w.close()
    del w
    qtbot.waitUntil(lambda: held_labels("from a function") == [], timeout=2000)


def test_keep_returns_obj_and_is_idempotent(qapp):
    w = QtWidgets.QLabel("twice")
    n = len(holder())
    assert keep(w) is w
    assert keep(w) is w
    assert len(holder()) == n + 1
    assert w in holder()
    assert w.testAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    release(w)
    assert w not in holder()
    assert len(holder()) == n


def test_child_widget_does_not_get_delete_on_close(qapp):
    parent = QtWidgets.QWidget()
    child = QtWidgets.QLabel("child", parent)
    keep(child)
    try:
        assert not child.testAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    finally:
        release(child)


def test_released_object_lives_while_referenced(qapp):
    w = keep(QtWidgets.QLabel("released"))
    release(w)
    gc.collect()
    assert w.text() == "released"  # still a valid object: we still hold it
    assert w not in holder()


def test_plain_qobject_dropped_when_destroyed(qapp, qtbot):
    obj = keep(QtCore.QObject())
    assert obj in holder()
    n = len(holder())
    obj.deleteLater()
    del obj
    qtbot.waitUntil(lambda: len(holder()) == n - 1, timeout=2000)


def test_app_references_add_discard(qapp, qtbot):
    refs = holder()
    app = QtWidgets.QApplication.instance()
    assert app.references is refs
    assert isinstance(app.references, References)
    w = QtWidgets.QLabel("docs style")
    app.references.add(w)
    assert w in app.references
    app.references.discard(w)
    assert w not in app.references
    # discarding something never kept is harmless, like set.discard
    app.references.discard(QtWidgets.QLabel("never kept"))


def test_holder_adopts_an_old_style_set(qapp):
    app = QtWidgets.QApplication.instance()
    previous = holder()
    w = QtWidgets.QLabel("in a set")
    app.references = {w}
    try:
        refs = holder()
        assert isinstance(refs, References)
        assert refs is not previous
        assert w in refs
        assert app.references is refs
    finally:
        refs.release(w)
        for obj in list(refs):  # hand back anything the old holder had
            previous.keep(obj)
        app.references = previous


def test_embedcon_release_wrapper(qapp):
    w = embedcon.keep(QtWidgets.QLabel("wrapped"))
    assert w in holder()
    embedcon.release(w)
    assert w not in holder()


def test_contains_uses_identity(qapp):
    a = QtWidgets.QLabel("a")
    keep(a)
    try:
        assert a in holder()
        assert QtWidgets.QLabel("a") not in holder()
        assert 42 not in holder()
    finally:
        release(a)


@pytest.mark.parametrize("n", [50])
def test_many_kept_windows_closed_leave_holder_empty(qapp, qtbot, n):
    base = len(holder())
    windows = [keep(QtWidgets.QWidget()) for _ in range(n)]
    for w in windows:
        w.show()
    assert len(holder()) == base + n
    for w in windows:
        w.close()
    del windows, w
    qtbot.waitUntil(lambda: len(holder()) == base, timeout=3000)
