"""docs/guide.md stays true: every block it shows is run, or marked and listed.

The guide's fenced blocks, by language:

- ``sh``: each ``embedcon ...`` line is a command.  Those with a help-like flag
  (``--help``, ``--help-all``, ``--help-keys``, ``--generate-config``) run to
  completion; the others start the console headless as a subprocess
  (``QT_QPA_PLATFORM=offscreen``) with a probe that runs a cell, checks its
  output and the options the command gave, and quits.  ``--existing`` forms
  attach to a kernel this module starts as ``kernel-12345.json`` in a
  temporary runtime directory.
- ``python``: a script, run in a subprocess; a console it makes runs a cell,
  then the script's event loop is left (``app.exec()`` returns) and the rest
  of the script runs.  A block marked ``<!-- config: ... -->`` is a
  configuration file, given to ``embedcon --config``.
- ``ipython``: a cell, typed into a real console on a real kernel; it must
  finish without an error.
- ``css``: a file (its first line names it), written where the commands run.

A block the test cannot run headless carries ``<!-- not run: reason -->`` just
above it in the guide's source; each one is a test reported as skipped with
that reason, so nothing is dropped silently.  ``docs/screenshots.py`` is run
too (slow), and its pictures must not be blank.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guide.md"
HELP_FLAGS = ("--help", "--help-all", "--help-keys", "--generate-config", "--version")
_FENCE = re.compile(r"^```(\w*)\s*$")
_MARK = re.compile(r"^<!--\s*(not run|run|config):\s*(.*?)\s*-->\s*$")


@dataclass
class Block:
    lang: str
    code: str
    line: int  # 1-based line of the opening fence
    mark: str = ""  # "not run", "run", "config" or ""
    reason: str = ""

    @property
    def id(self) -> str:
        return f"L{self.line}-{self.lang}"


def guide_blocks() -> list[Block]:
    lines = GUIDE.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, body = i, []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1
        prev = start - 1
        while prev >= 0 and not lines[prev].strip():
            prev -= 1
        mark = _MARK.match(lines[prev]) if prev >= 0 else None
        blocks.append(Block(m.group(1), "\n".join(body) + "\n", start + 1,
                            mark.group(1) if mark else "", mark.group(2) if mark else ""))
    return blocks


BLOCKS = guide_blocks()


def commands(block: Block) -> list[str]:
    """The ``embedcon`` command lines of a sh block (continuations joined)."""
    joined = block.code.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        line = line.split(" #", 1)[0].strip()
        if line.startswith("embedcon"):
            out.append(line)
    return out


def _by(lang, runnable=True):
    return [pytest.param(b, id=b.id) for b in BLOCKS
            if b.lang == lang and (b.mark != "not run") == runnable]


# -- the guide's shape -------------------------------------------------------------
def test_every_block_is_run_or_marked_with_a_reason(capsys):
    known = {"sh", "python", "ipython", "css"}
    assert BLOCKS, "no code blocks found in docs/guide.md"
    unknown = [b.id for b in BLOCKS if b.lang not in known]
    assert not unknown, f"blocks of a language the test cannot run: {unknown}"
    skipped = [b for b in BLOCKS if b.mark == "not run"]
    assert all(b.reason for b in skipped)
    for b in BLOCKS:
        if b.lang == "sh" and b.mark != "not run":
            other = [ln for ln in b.code.replace("\\\n", " ").splitlines()
                     if ln.strip() and not ln.strip().startswith(("embedcon", "#"))]
            assert not other, f"{b.id}: commands the test does not run, unmarked: {other}"
            assert commands(b), f"{b.id}: an sh block without an embedcon command"
    with capsys.disabled():
        print(f"\ndocs/guide.md: {len(BLOCKS)} blocks, {len(skipped)} not run headless:")
        for b in skipped:
            print(f"  line {b.line} ({b.lang}): {b.reason}")
    # the guide's pictures exist and are referenced
    for name in re.findall(r"\]\((images/[^)]+\.png)\)", GUIDE.read_text()):
        assert (GUIDE.parent / name).is_file(), name


@pytest.mark.parametrize("block", [pytest.param(b, id=b.id) for b in BLOCKS
                                   if b.mark == "not run"])
def test_not_run_headless(block):
    pytest.skip(f"guide line {block.line}: {block.reason}")


# -- sh: embedcon commands ---------------------------------------------------------
@pytest.fixture(scope="module")
def guide_dirs(tmp_path_factory):
    """cwd (with the guide's css files), a runtime dir holding a running
    kernel-12345.json, a config dir; the kernel is stopped afterwards."""
    from jupyter_client import KernelManager

    base = tmp_path_factory.mktemp("guide")
    cwd, runtime, config = base / "cwd", base / "runtime", base / "config"
    for d in (cwd, runtime, config):
        d.mkdir()
    for b in BLOCKS:
        if b.lang == "css":
            name = re.match(r"/\*\s*(\S+)\s*\*/", b.code)
            assert name, f"{b.id}: a css block names its file in its first line"
            (cwd / name.group(1)).write_text(b.code)
    km = KernelManager(kernel_name="python3", connection_file=str(runtime / "kernel-12345.json"))
    km.start_kernel()
    yield {"cwd": cwd, "runtime": runtime, "config": config, "km": km}
    km.shutdown_kernel(now=True)


def _env(dirs, runtime=None):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "JUPYTER_RUNTIME_DIR": str(runtime or dirs["runtime"]),
           "JUPYTER_CONFIG_DIR": str(dirs["config"]),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return env


def _argv(command: str, dirs) -> list[str]:
    command = command.replace("$(jupyter --runtime-dir)", str(dirs["runtime"]))
    argv = shlex.split(command)
    assert argv[0] == "embedcon"
    return [os.path.expanduser(a) for a in argv[1:]]


_APP_PROBE = r"""
import json, os, sys
from qtpy import QtCore, QtWidgets
qapp = QtWidgets.QApplication(["embedcon"])
import embedcon.__main__ as entry
from embedcon.app import EmbedconApp
state = {}

def check():
    if not EmbedconApp.initialized():
        return
    app = EmbedconApp.instance()
    w = getattr(app, "widget", None)
    if w is None or not (w._handshake_done and "prompt" not in w._requests.values()):
        return
    if not state:
        state["sent"] = True
        w.execute("print('guide', 6 * 7)")
        return
    if "guide 42" not in w.export_text():
        return
    s = w.settings
    print(json.dumps({
        "settings": {t: str(getattr(s, t)) for t in s.trait_names() if not t.startswith("_")},
        "theme_name": getattr(w, "theme_name", ""),
        "prompt_colour": w._prompt_format.foreground().color().name(),
        "owned": app.kernel_manager is not None,
        "connection_file": app.connection_file}), flush=True)
    if app.kernel_manager is not None:
        app.kernel_manager.shutdown_kernel(now=True)
    os._exit(0)

timer = QtCore.QTimer()
timer.timeout.connect(check)
timer.start(10)
entry.main(sys.argv[1:])
"""


def run_console(argv, dirs, runtime=None, timeout=90):
    out = subprocess.run([sys.executable, "-c", _APP_PROBE, *argv], capture_output=True,
                         text=True, timeout=timeout, cwd=dirs["cwd"], env=_env(dirs, runtime))
    last = out.stdout.strip().splitlines()[-1:]
    assert out.returncode == 0 and last, (argv, out.returncode, out.stderr[-3000:])
    return json.loads(last[0])


def _check_options(argv, report, dirs):
    """The options the command gave are what the console uses."""
    from embedcon.app import aliases

    s = report["settings"]
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--RichJupyterWidget."):
            trait, _, value = arg[len("--RichJupyterWidget."):].partition("=")
            assert s[trait].lower() == value.lower(), (arg, s[trait])
        elif arg.startswith("--") and arg[2:] in aliases and i + 1 < len(argv):
            target, value = aliases[arg[2:]], argv[i + 1]
            i += 1
            if target.startswith("RichJupyterWidget."):
                trait = target.split(".", 1)[1]
                assert s[trait].lower() == value.lower(), (arg, value, s[trait])
            elif target == "EmbedconApp.stylesheet":
                from embedcon.models.stylesheet import console_classes

                sheet = (dirs["cwd"] / value).read_text()
                assert s["style_sheet"] == sheet
                wanted = console_classes(sheet).get("in-prompt", {}).get("color")
                if wanted:  # the prompt is drawn in the style sheet's colour
                    assert report["prompt_colour"] == wanted.lower(), report["prompt_colour"]
        i += 1
    if "--theme" in argv:
        assert report["theme_name"] == argv[argv.index("--theme") + 1]
    if "--colors" in argv:
        scheme = argv[argv.index("--colors") + 1]
        if scheme in ("LightBG", "Linux"):
            assert report["theme_name"] == {"LightBG": "light", "Linux": "dark"}[scheme]


def _ssh_block(block) -> bool:
    return any("--ssh" in c for c in commands(block))


@pytest.mark.slow
@pytest.mark.parametrize("block", [p for p in _by("sh") if not _ssh_block(p.values[0])])
def test_guide_commands(block, guide_dirs, tmp_path):
    for command in commands(block):
        argv = _argv(command, guide_dirs)
        if any(a in HELP_FLAGS for a in argv):
            out = subprocess.run([sys.executable, "-m", "embedcon", *argv], capture_output=True,
                                 text=True, timeout=60, cwd=guide_dirs["cwd"],
                                 env=_env(guide_dirs))
            assert out.returncode == 0, (command, out.stderr[-2000:])
            if "--generate-config" in argv:
                assert (guide_dirs["config"] / "embedcon_config.py").is_file()
            else:
                assert len(out.stdout) > 200, (command, out.stdout)
            continue
        existing = "--existing" in argv
        # a new kernel gets a runtime dir of its own: "the most recent kernel"
        # of the --existing forms stays the guide's kernel-12345.json
        runtime = None if existing else tmp_path / f"rt{len(os.listdir(tmp_path))}"
        if runtime is not None:
            runtime.mkdir()
        report = run_console(argv, guide_dirs, runtime)
        if existing:
            assert not report["owned"]
            assert os.path.basename(report["connection_file"]) == "kernel-12345.json"
        else:
            assert report["owned"]
        _check_options(argv, report, guide_dirs)


@pytest.mark.slow
@pytest.mark.parametrize("block", [p for p in _by("sh") if _ssh_block(p.values[0])])
def test_guide_ssh_commands(block, guide_dirs, tmp_path_factory):
    """The guide's --ssh commands through a real OpenSSH server on loopback
    (tests/sshd.py): the guide's host and key are replaced by the server's."""
    from sshd import SSHServer

    server = SSHServer(tmp_path_factory.mktemp("sshd"))
    tunnelled = guide_dirs["runtime"] / "kernel-12345-ssh.json"
    try:
        for command in commands(block):
            argv = _argv(command, guide_dirs)
            i = argv.index("--ssh")
            argv[i + 1] = server.server
            if "--sshkey" in argv:
                argv[argv.index("--sshkey") + 1] = str(server.user_key)
            else:  # the guide relies on the user's default key or agent
                argv += ["--sshkey", str(server.user_key)]
            argv += [f"--EmbedconApp.ssh_options={opt}" for opt in server.options]
            report = run_console(argv, guide_dirs)
            assert not report["owned"]
            assert report["connection_file"] == str(tunnelled), report["connection_file"]
            info = json.loads(tunnelled.read_text())
            original = json.loads((guide_dirs["runtime"] / "kernel-12345.json").read_text())
            assert info["shell_port"] != original["shell_port"]  # the tunnel's local ports
    finally:
        server.stop()
        # "the most recent kernel" of the other --existing commands stays kernel-12345.json
        tunnelled.unlink(missing_ok=True)


def test_stylesheet_that_cannot_be_read_is_a_one_line_error(guide_dirs):
    out = subprocess.run([sys.executable, "-m", "embedcon", "--stylesheet", "missing.css"],
                         capture_output=True, text=True, timeout=60, cwd=guide_dirs["cwd"],
                         env=_env(guide_dirs))
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "embedcon: error: cannot read the style sheet missing.css: No such file or directory"]


# -- python: embedding scripts and the configuration file --------------------------
_SNIPPET_HARNESS = r"""
import gc, json, os, sys
from qtpy import QtCore, QtWidgets

def consoles():
    from embedcon.widgets import RichJupyterWidget
    app = QtWidgets.QApplication.instance()
    if app is None:
        return []
    return [w for w in app.allWidgets()
            if isinstance(w, RichJupyterWidget) and w.kernel_client is not None]

report = {"ran": False}

def probe():
    cs = consoles()
    if not cs:
        QtWidgets.QApplication.instance().quit()
        return
    w = cs[0]
    if not (w._handshake_done and "prompt" not in w._requests.values()):
        return
    if not report.get("sent"):
        report["sent"] = True
        w.execute("print('guide', 6 * 7, 'names:', *[n for n in ('data', 'window', 'keep') "
                  "if n in globals()], ':end')")
        return
    text = w.export_text()
    if "guide 42" in text:
        gc.collect()
        report["ran"] = True
        report["names"] = text.rsplit("names:", 1)[1].split(":end", 1)[0].split()
        report["labels"] = [x.text() for x in QtWidgets.QApplication.topLevelWidgets()
                            if isinstance(x, QtWidgets.QLabel) and x.isVisible()]
        QtWidgets.QApplication.instance().quit()

def _guide_exec(app):
    timer = QtCore.QTimer()
    timer.timeout.connect(probe)
    timer.start(10)
    app.exec()
    timer.stop()
    return 0

source = open(sys.argv[1]).read().replace("app.exec()", "_guide_exec(app)")
namespace = {"__name__": "__main__", "_guide_exec": _guide_exec}
exec(compile(source, "guide-snippet", "exec"), namespace)
if consoles() and not report["ran"]:  # a script that did not run the event loop
    _guide_exec(QtWidgets.QApplication.instance())
for w in consoles():
    if w.kernel_manager is not None and getattr(w.kernel_manager, "has_kernel", False):
        w.shutdown_kernel()
print(json.dumps(report), flush=True)
os._exit(0)
"""


@pytest.mark.slow
@pytest.mark.parametrize("block", [p for p in _by("python") if p.values[0].mark != "config"])
def test_guide_python(block, guide_dirs, tmp_path):
    script = tmp_path / "snippet.py"
    script.write_text(block.code)
    out = subprocess.run([sys.executable, "-c", _SNIPPET_HARNESS, str(script)],
                         capture_output=True, text=True, timeout=90, cwd=guide_dirs["cwd"],
                         env=_env(guide_dirs, tmp_path))
    last = out.stdout.strip().splitlines()[-1:]
    assert out.returncode == 0 and last, (block.id, out.stderr[-3000:])
    report = json.loads(last[0])
    if "_console(" in block.code or "start_kernel" in block.code:
        assert report["ran"], (block.id, report, out.stderr[-2000:])
    if "keep(" in block.code:
        assert "made in the console" in report["labels"], report
    # the namespace the snippet gave is the console's
    for given in re.findall(r"_console\(\{\"(\w+)\"", block.code):
        assert given in report["names"], (given, report)
    if "inprocess_console(" in block.code or "in_app_console(" in block.code:
        assert "keep" in report["names"], report


@pytest.mark.slow
@pytest.mark.parametrize("block", [p for p in _by("python") if p.values[0].mark == "config"])
def test_guide_config_file(block, guide_dirs, tmp_path):
    path = tmp_path / "embedcon_config.py"
    path.write_text(block.code)
    runtime = tmp_path / "rt"
    runtime.mkdir()
    report = run_console([f"--config={path}"], guide_dirs, runtime)
    from traitlets.config import Config

    ns = {"get_config": Config}
    exec(block.code, ns)
    assert ns["c"].RichJupyterWidget
    for trait, value in ns["c"].RichJupyterWidget.items():
        assert report["settings"][trait] == str(value), (trait, report["settings"][trait])


# -- ipython: cells typed into a console --------------------------------------------
@pytest.fixture(scope="module")
def guide_kernel(qapp):
    from conftest import start_kernel, stop_kernel

    km, kc = start_kernel()
    yield km, kc
    stop_kernel(km, kc)


@pytest.fixture(scope="module")
def display_kernel(qapp):
    """A kernel on a virtual X display (tests/xvfb.py), for the guide's
    ``%matplotlib qt`` cell: matplotlib opens Qt windows only on a display."""
    from xvfb import VirtualDisplay, start_kernel_on

    display = VirtualDisplay()
    km, kc = start_kernel_on(display)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    display.stop()


@pytest.mark.slow
@pytest.mark.parametrize("block", _by("ipython"))
def test_guide_cells(block, request, make_console):
    on_display = "%matplotlib qt" in block.code
    kernel = request.getfixturevalue("display_kernel" if on_display else "guide_kernel")
    c = make_console(*kernel, wait=False)
    c.wait_prompt()
    c.wait_ready()
    reply = c.run_source(block.code.rstrip("\n"), timeout=60000)
    assert reply["content"]["status"] == "ok", (block.code, reply["content"])
    c.qtbot.waitUntil(lambda: c.w._builder.pending == 0 and
                      all(b.kind != "pending" for b in c.w.rich_blocks()), timeout=20000)
    failed = [(b.mime, b.note) for b in c.w.rich_blocks() if b.kind == "error"]
    assert not failed, failed  # every rich output drawn, none replaced by its reason
    if "%matplotlib inline" in block.code:
        assert [b for b in c.w.rich_blocks() if b.kind in ("image", "svg")], "no figure drawn"
    if on_display:  # a Qt window in the kernel, nothing inline, and the kernel answers
        assert not c.w.rich_blocks()
        c.run("import matplotlib.pyplot as plt; w = plt.get_current_fig_manager().window; "
              "print(plt.get_backend(), w.isVisible())", timeout=20000)
        assert "QtAgg True" in c.output_of_last_cell()
        c.run("plt.close('all')")
    if c.w.pager.isVisible():  # obj? pages: the pager shows the text
        assert c.w.pager.text().strip()
        c.w.pager.close_page()
    c.w.kernel_client = None


@pytest.mark.slow
def test_exit_keep_kernel_then_attach(embedcon_app, qtbot, guide_dirs):
    """``exit(keep_kernel=True)`` closes the console, the kernel keeps running,
    and a second console attaches to it afterwards."""
    from qtpy import QtCore

    app = embedcon_app("--no-confirm-exit")
    w, km = app.widget, app.kernel_manager
    qtbot.waitUntil(lambda: w._handshake_done, timeout=30000)
    w.execute("guide_value = 6 * 7")
    qtbot.waitUntil(lambda: w._prompt_kind == "input" and "In [2]" in w._prompt_text(),
                    timeout=20000)
    w.input_buffer = "exit(keep_kernel=True)"
    qtbot.keyClick(w.focusProxy(), QtCore.Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not app.window.isVisible(), timeout=20000)
    qtbot.wait(300)
    assert km.is_alive()
    runtime = Path(km.connection_file).parent
    argv = ["--existing", km.connection_file]
    report = run_console(argv, {**guide_dirs, "runtime": runtime})
    assert not report["owned"]
    out = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import sys
        from jupyter_client import BlockingKernelClient
        kc = BlockingKernelClient(connection_file=sys.argv[1])
        kc.load_connection_file()
        kc.start_channels()
        kc.wait_for_ready(timeout=20)
        reply = kc.execute_interactive("print(guide_value)", timeout=20,
                                       output_hook=lambda m: print(m['content'].get('text', ''),
                                                                   end=''))
        kc.stop_channels()
        """), km.connection_file], capture_output=True, text=True, timeout=60,
        env=_env(guide_dirs))
    assert "42" in out.stdout, out.stderr[-2000:]


# -- the screenshots ---------------------------------------------------------------
@pytest.mark.slow
def test_screenshots_script_makes_pictures_that_are_not_blank(tmp_path):
    from qtpy import QtGui

    out = subprocess.run([sys.executable, str(ROOT / "docs" / "screenshots.py"), str(tmp_path)],
                         capture_output=True, text=True, timeout=180,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                              "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr[-3000:]
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == ["rich-dark.png", "rich-light.png", "session-dark.png", "session-light.png",
                     "style-dark.png", "style-light.png"]
    for name in names:
        img = QtGui.QImage(str(tmp_path / name))
        assert img.width() >= 800 and img.height() >= 500, name
        bg = img.pixel(img.width() // 2, img.height() - 5)
        colours, ink = set(), 0
        for y in range(0, img.height(), 3):
            for x in range(0, img.width(), 3):
                p = img.pixel(x, y)
                colours.add(p)
                ink += p != bg
        samples = (img.height() // 3 + 1) * (img.width() // 3 + 1)
        assert len(colours) > 50 and ink > samples * 0.03, (name, len(colours), ink)
    # the committed pictures are the script's (same names)
    assert sorted(p.name for p in (ROOT / "docs" / "images").glob("*.png")) == names


# -- the guide's themes reach every part of the console ------------------------------
@pytest.mark.parametrize("sheet", ["", ".in-prompt { color: #0a7d00; }\n"
                                       ".inverted { background-color: #264f78; }"])
def test_dark_theme_reaches_pager_completion_columns_and_find_bar(qtbot, sheet):
    """Found while looking at the guide's pictures: ``theme = "dark"`` restyled
    only the transcript; the pager, the ncurses completion columns and the
    find bar stayed light (under a style sheet Qt passes no palette on to
    children).  And ``auto`` gives back the host's palette."""
    from qtpy import QtGui, QtWidgets

    from embedcon.models.contrast import is_dark
    from embedcon.widgets import RichJupyterWidget

    host = QtGui.QPalette()
    host.setColor(QtGui.QPalette.ColorRole.Base, QtGui.QColor("#fff8e0"))
    w = RichJupyterWidget(paging="vsplit", gui_completion="ncurses", style_sheet=sheet)
    w.setPalette(host)
    qtbot.addWidget(w)
    w.resize(700, 500)
    w.show()
    w.page("pager text\n" * 5)
    w.completer.columns.show()
    parts = {"pager": w.pager, "columns": w.completer.columns}

    def base(widget):
        return widget.palette().color(QtGui.QPalette.ColorRole.Base).name()

    w.theme = "dark"
    w.find_bar.show()  # made after the theme was set
    qtbot.waitUntil(lambda: is_dark(w.find_bar.palette().color(
        QtGui.QPalette.ColorRole.Base).name()), timeout=2000)
    parts["find bar"] = w.find_bar
    for name, part in parts.items():
        assert is_dark(base(part)), (name, base(part))
    img = w.grab().toImage()
    for name, part in parts.items():  # drawn dark too: its centre is not light
        centre = part.mapTo(w, part.rect().center())
        assert is_dark(img.pixelColor(centre).name()), (name, img.pixelColor(centre).name())
    w.theme = "light"
    assert not any(is_dark(base(p)) for p in parts.values())
    w.theme = "auto"
    assert base(w) == "#fff8e0" and base(w.pager) == "#fff8e0"
    if ".inverted" in sheet:  # the selected completion keeps the sheet's colour
        for theme in ("auto", "dark", "light"):
            w.theme = theme
            highlight = w.completer.columns.palette().color(QtGui.QPalette.ColorRole.Highlight)
            assert highlight.name() == "#264f78", (theme, highlight.name())
    assert w.call_tip.palette().color(QtGui.QPalette.ColorRole.ToolTipBase) == \
        QtWidgets.QToolTip.palette().color(QtGui.QPalette.ColorRole.ToolTipBase)


@pytest.mark.slow
def test_two_consoles_on_one_kernel_see_each_other(kernel, make_console, embedcon_app, qtbot):
    """The guide's second console (``--existing`` with include_other_output)
    and the first one (the same setting) show each other's cells."""
    km, kc = kernel
    first = make_console(km, kc, include_other_output=True)
    app = embedcon_app("--existing", km.connection_file,
                       "--RichJupyterWidget.include_other_output=True")
    second = app.widget
    qtbot.waitUntil(lambda: second._handshake_done and "prompt" not in second._requests.values(),
                    timeout=20000)
    first.run("shared = 'from the first'; print(shared)")
    qtbot.waitUntil(lambda: "from the first" in second.export_text(), timeout=20000)
    assert "[other client] In [" in second.export_text()
    second.execute("print(shared.upper(), 'AND THE SECOND')")
    qtbot.waitUntil(lambda: "FROM THE FIRST AND THE SECOND" in first.text(), timeout=20000)
    assert "[other client] In [" in first.text()
