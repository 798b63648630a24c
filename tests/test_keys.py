"""The key reference: docs/keys.md and `embedcon --help-keys` come from the
key map's tables, and a configuration file can remap keys."""

import os
import subprocess
import sys
from pathlib import Path

from conftest import Key, Mod

from embedcon.models.keyref import markdown_reference, text_reference

ROOT = Path(__file__).resolve().parent.parent


def test_docs_keys_md_is_generated_from_the_tables():
    doc = (ROOT / "docs" / "keys.md").read_text(encoding="utf-8")
    assert doc == markdown_reference(), \
        "docs/keys.md differs from the key map: run `python docs/gen_keys.py`"


def test_help_keys_prints_the_reference():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "embedcon", "--help-keys"], capture_output=True,
                         text=True, timeout=60, env=env, cwd=str(ROOT))
    assert out.returncode == 0, out.stderr
    assert out.stdout == text_reference()
    assert "select_all" in out.stdout and "standard:" in out.stdout


def test_config_file_picks_profile_and_remaps_a_key(tmp_path, embedcon_app, qtbot):
    cfg = tmp_path / "embedcon_config.py"
    cfg.write_text('c.RichJupyterWidget.key_profile = "standard"\n'
                   'c.RichJupyterWidget.key_bindings = {"Ctrl+J": "newline", '
                   '"Ctrl+Shift+A": None}\n')
    app = embedcon_app(f"--config={cfg}", "--no-confirm-exit")
    w = app.widget
    qtbot.waitUntil(lambda: "In [1]: " in w.export_text(), timeout=20000)
    assert w.key_profile == "standard"
    editor = w.focusProxy()
    qtbot.keyClicks(editor, "a")
    qtbot.keyClick(editor, Key.Key_J, Mod.ControlModifier)
    qtbot.keyClicks(editor, "b")
    assert w.input_buffer == "a\nb"
    qtbot.keyClick(editor, Key.Key_A, Mod.ControlModifier)  # standard: select all
    assert editor.textCursor().selectedText() == "a\u2029   ...: b"
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    qtbot.keyClick(editor, Key.Key_A, Mod.ControlModifier | Mod.ShiftModifier)  # unbound
    assert not editor.textCursor().hasSelection()


def test_no_chord_is_bound_twice_in_a_default_table():
    """A dict literal keeps the last of two equal keys silently: Ctrl+S was bound
    to both forward_search and save_session, and the save dialog opened in the
    middle of a reverse search."""
    import ast

    import embedcon.models.keymap as keymap

    tree = ast.parse(open(keymap.__file__, encoding="utf-8").read())
    tables = {"DEFAULT_BINDINGS", "SELECTION_BINDINGS"}
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if names and names[0] in tables and isinstance(node.value, ast.Dict):
                keys = [k.value for k in node.value.keys if isinstance(k, ast.Constant)]
                dupes = sorted({k for k in keys if keys.count(k) > 1})
                assert not dupes, f"{names[0]}: bound twice: {dupes}"
                tables.discard(names[0])
    assert not tables, f"not found: {tables}"
