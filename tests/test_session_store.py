"""The application's saved session (pure model, no Qt): tabs, their kernels, bad files."""

import json
import os
import stat

from embedcon.models.session_store import HISTORY_KEPT, SavedTab, SessionState, SessionStore


def test_round_trip_keeps_which_tabs_shared_a_kernel(tmp_path):
    store = SessionStore(str(tmp_path / "d" / "session.json"))
    tabs = [SavedTab("a", "python3", ["x = 1"], 0), SavedTab("a \u21c42", "python3", [], 0),
            SavedTab("b", "python3", ["y"] * (HISTORY_KEPT + 5), 1)]
    store.save(SessionState(tabs=tabs, current=2, geometry="AAA", close_answer="keep"))
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600  # it holds input history
    back = store.load()
    assert [(t.title, t.kernel) for t in back.tabs] == [("a", 0), ("a \u21c42", 0), ("b", 1)]
    assert len(back.tabs[2].history) == HISTORY_KEPT
    assert (back.current, back.geometry, back.close_answer) == (2, "AAA", "keep")


def test_old_and_bad_files_read_as_what_can_be_used(tmp_path):
    path = tmp_path / "session.json"
    path.write_text(json.dumps({"tabs": [
        {"title": "old", "kernel_name": "python3", "history": ["a", 3]},  # no kernel number
        {"title": "t", "kernel_name": "python3", "kernel": "0"},
        {"title": "t", "kernel_name": "python3", "kernel": True},
        {"title": "t", "kernel_name": "python3", "kernel": -4},
        {"title": "no kernelspec"}, "not a tab"],
        "current": "x", "close_answer": "explode"}))
    state = SessionStore(str(path)).load()
    assert [t.kernel for t in state.tabs] == [-1, -1, -1, -1]
    assert state.tabs[0].history == ["a"]
    assert (state.current, state.close_answer) == (0, "")
    path.write_text("{not json")
    assert SessionStore(str(path)).load() == SessionState()
    assert SessionStore(str(tmp_path / "missing.json")).load() == SessionState()
