"""Hostile output and input: floods, huge lines, escape fuzz, bad bytes, big pastes,
many threads.

Floods come from the fake kernel (``fake_kernel.FakeKernel``, pre-serialised
frames so that only the console's own work is measured); invalid UTF-8 and
threads from a real ipykernel.  While output arrives a 10 ms QTimer ticks on
the GUI thread and the longest gap between ticks is the longest freeze the
user would see.  The tests assert a generous bound (the machine is shared
and noisy) and print the figure (``pytest -s``); docs/robustness.md lists
what was measured.
"""

import os
import random
import re
import time

import pytest
from conftest import Key
from fake_kernel import FakeKernel
from qtpy import QtCore, QtWidgets


STALL_BOUND = 0.3  # seconds; the target is 0.1 (noisy shared machine), see docs/robustness.md
SLACK_BLOCKS = 20


def report(case, **figures):
    print(f"\n[hostile] {case}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


class GuiWatch:
    """Longest gap between ticks of a 10 ms timer on the GUI thread."""

    def __init__(self):
        self.ticks = [time.perf_counter()]
        self.timer = QtCore.QTimer()
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))
        self.timer.start(10)

    def stop(self) -> float:
        self.timer.stop()
        self.ticks.append(time.perf_counter())
        return max(b - a for a, b in zip(self.ticks, self.ticks[1:]))


class Flood:
    """A console on a fake kernel whose next cell prints ``texts``."""

    def __init__(self, fk, kc, console):
        self.fk, self.kc, self.c = fk, kc, console
        self.parent = fk.header_for(kc.session.session)

    def run(self, texts, end_marker, timeout=60000):
        """Run one cell that prints ``texts`` (one stream message each); return
        (longest GUI gap, seconds) until ``end_marker`` is on screen and the
        prompt is back."""
        frames = [self.fk.stream(t, self.parent) for t in texts]
        self.fk.on_execute = lambda code, parent: frames
        watch = GuiWatch()
        t0 = time.perf_counter()
        try:
            self.c.run("flood", timeout=timeout)
            self.c.wait_text(end_marker, timeout=timeout)
            self.c.wait_prompt()
        finally:
            self.fk.on_execute = None
            gap = watch.stop()
        return gap, time.perf_counter() - t0

    @property
    def blocks(self):
        return self.c.w._doc.blockCount()


@pytest.fixture
def flood(qapp, make_console, tmp_path):
    fk = FakeKernel(tmp_path)
    kc = fk.client()
    try:
        c = make_console(None, kc)
        fk.wait_subscribed()
        c.run("warm_up")  # first keystrokes load the lexer: not part of any measurement
        yield Flood(fk, kc, c)
    finally:
        kc.stop_channels()
        fk.close()


# -- floods and huge lines ------------------------------------------------------------


def test_a_million_lines(flood):
    limit = flood.c.w.buffer_size
    texts = ["".join(f"line {i * 1000 + j}\n" for j in range(1000)) for i in range(1000)]
    r0 = rss_mb()
    gap, seconds = flood.run(texts, "line 999999\n")
    grown = rss_mb() - r0
    text = flood.c.text()
    assert "line 999999\nIn [3]: " in text
    assert "line 0\n" not in text  # trimmed: scrollback is bounded...
    assert flood.blocks <= limit + SLACK_BLOCKS  # ...to buffer_size lines
    lines = [ln for ln in text.splitlines() if ln.startswith("line ")]
    numbers = [int(ln.split()[1]) for ln in lines]
    assert numbers == list(range(numbers[0], 1_000_000))  # nothing lost in what is kept
    assert gap < STALL_BOUND
    # a second flood: memory stays flat
    r1 = rss_mb()
    flood.run([t.replace("line", "again") for t in texts], "again 999999\n")
    again = rss_mb() - r1
    assert flood.blocks <= limit + SLACK_BLOCKS
    assert again < 60, f"RSS grew {again:.0f} MB on the second million lines"
    report("1M lines", longest_gap_ms=round(gap * 1000), seconds=round(seconds, 2),
           blocks=flood.blocks, rss_first_mb=round(grown), rss_second_mb=round(again))


def test_a_million_coloured_lines(flood):
    texts = ["".join(f"\x1b[3{j % 8}mline {i * 1000 + j}\x1b[0m\n" for j in range(1000))
             for i in range(1000)]
    gap, seconds = flood.run(texts, "line 999999\n")
    text = flood.c.text()
    assert "\x1b" not in text and "line 999999\nIn [3]: " in text
    assert flood.blocks <= flood.c.w.buffer_size + SLACK_BLOCKS
    # Each frame writes up to buffer_size coloured lines (20,000 spans): ~2x the
    # plain case.  Text trimmed before display is no longer parsed in full
    # (that alone took ~4 s for these lines), hence a bound of 1 s here.
    assert gap < 2 * STALL_BOUND
    report("1M coloured lines", longest_gap_ms=round(gap * 1000), seconds=round(seconds, 2))


def test_a_ten_megabyte_line(flood):
    w = flood.c.w
    gap, seconds = flood.run(["x" * 10_000_000 + "\n", "after the big line\n"],
                             "after the big line")
    text = flood.c.text()
    assert "x" * 10_000_000 + "\nafter the big line" in text  # export_text keeps it whole
    kept = w.max_line_chars
    assert w.elided_outputs()[-1] == "x" * (10_000_000 - kept)  # nothing silently lost
    assert w._doc.toPlainText().count("x") == kept + w.writer.tail_chars  # head and tail shown
    assert flood.blocks <= kept // w.fold_width + SLACK_BLOCKS + 10  # folded, bounded
    assert gap < STALL_BOUND
    report("10 MB line", longest_gap_ms=round(gap * 1000), seconds=round(seconds, 2),
           blocks=flood.blocks)


def test_a_flood_of_small_messages(flood):
    # every message costs the GUI thread a signal and a handler call: 30,000 of
    # them were handled in one event-loop turn (the bridge drained its queue whole)
    texts = [f"m{i}\n" for i in range(30_000)]
    gap, seconds = flood.run(texts, "m29999\n")
    lines = [ln for ln in flood.c.text().splitlines() if ln.startswith("m") and ln[1:].isdigit()]
    assert [int(ln[1:]) for ln in lines] == list(range(30_000 - len(lines), 30_000))
    assert gap < STALL_BOUND
    report("30k small messages", longest_gap_ms=round(gap * 1000), seconds=round(seconds, 2))


def _fuzz(n, seed):
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        k = rnd.random()
        if k < 0.3:
            out.append("\x1b[%sm" % ";".join(str(rnd.choice([0, 1, 2, 3, 4, 7, 22, 31, 38, 48, 5,
                                                              2, 255, 97, 107, 39, 49]))
                                             for _ in range(rnd.randint(1, 5))))
        elif k < 0.4:
            out.append("\x1b[%d%s" % (rnd.randint(0, 10 ** 9), rnd.choice("ABCDGHJKfm")))
        elif k < 0.45:
            out.append(rnd.choice(["\r", "\b" * rnd.randint(1, 9), "\x07", "\x1b", "\x1b["]))
        elif k < 0.5:
            out.append("\x1b[" + "".join(rnd.choice("0123456789;?:") for _ in
                                         range(rnd.randint(0, 400))))
        elif k < 0.55:
            out.append(rnd.choice(["\x1b]8;;http://x\x07", "\x1b]0;title\x1b\\",
                                   "\x1b]2;" + "t" * 5000]))
        elif k < 0.6:
            out.append(chr(rnd.randint(0, 31)))
        elif k < 0.7:
            out.append("\n")
        else:
            out.append("".join(rnd.choice("abc xyz") for _ in range(rnd.randint(1, 40))))
    return "".join(out)


def test_ansi_fuzz_of_ten_thousand_tokens(flood):
    flood.c.run("before_fuzz")
    before = flood.c.text()
    gap, seconds = flood.run([_fuzz(10_000, seed=7), "\x1b[0m\nend of fuzz\n"], "end of fuzz")
    text = flood.c.text()
    assert "\x1b" not in text  # every escape interpreted, dropped or shown as a picture
    assert text.startswith(before.rsplit("In [", 1)[0])  # cursor movement never went above the cell
    assert text.rstrip().endswith("In [4]:")
    assert gap < STALL_BOUND
    report("10k-token ANSI fuzz", longest_gap_ms=round(gap * 1000), seconds=round(seconds, 2))


def test_huge_cursor_movement_counts(flood):
    flood.c.run("earlier_cell")
    before = flood.c.text().rsplit("In [", 1)[0]
    chunk = "row\n" * 20 + "\x1b[10000000A" + "TOP" + "\x1b[10000000B" + "\x1b[999999999D"
    # 400 x 20 rows stay within the scrollback: the end marker, written near the
    # top of the cell's output (the cursor is there), is not trimmed away
    gap, seconds = flood.run([chunk] * 400 + ["\nend of moves\n"], "end of moves")
    text = flood.c.text()
    assert text.startswith(before)  # clamped to the cell's own output
    assert gap < STALL_BOUND
    report("cursor up by 10M, x400", longest_gap_ms=round(gap * 1000), seconds=round(seconds, 2))


def test_control_characters_are_shown_not_lost(flood):
    controls = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r\b\x07\x1b") + "\x7f"
    gap, seconds = flood.run([("<" + controls + ">\n") * 20_000, "a\x01" * 500_000 + "\n",
                              "end of controls\n"], "end of controls")
    text = flood.c.text()
    assert "<\u2400\u2401\u2402\u2403\u2404\u2405\u2406\u240b\u240c" in text
    assert "\u241f\u2421>" in text
    assert "a\u2401a\u2401" in text
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f]", text)
    assert gap < STALL_BOUND
    report("control characters (20k lines, then 1M alternating)", longest_gap_ms=round(gap * 1000),
           seconds=round(seconds, 2))


def test_progress_bar_redrawn_100k_times_in_one_message(flood):
    bar = "".join(f"\r{i:6d}% [{'#' * (i % 40):<40}]" for i in range(100_000))
    coloured = "".join(f"\r\x1b[32m{i:6d}\x1b[0m done" for i in range(100_000))
    gap, seconds = flood.run([bar + "\n", coloured + "\n", "end of bars\n"], "end of bars")
    text = flood.c.text()
    assert " 99999% [" + "#" * (99_999 % 40) in text
    assert " 99999 done" in text
    assert gap < STALL_BOUND
    report("progress bar x100k (plain and coloured)", longest_gap_ms=round(gap * 1000),
           seconds=round(seconds, 2))


# -- bad bytes from a real kernel ---------------------------------------------------------


@pytest.fixture
def fd_console(qapp, make_console):
    """A console on a kernel that captures its file descriptors 1 and 2 (ipykernel
    turns that off when it sees PYTEST_CURRENT_TEST in its environment)."""
    from conftest import stop_kernel

    from embedcon.manager import QtKernelManager

    km = QtKernelManager(kernel_name="python3")
    km.start_kernel(env={k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"})
    kc = km.client()
    kc.start_channels()
    try:
        yield make_console(km, kc)
    finally:
        stop_kernel(km, kc)


def test_invalid_utf8_from_the_kernel(fd_console):
    console = fd_console
    # "\\x66" is "f": the echoed source does not contain the text searched for.
    # ipykernel forwards fd 1 from a thread: its text may land between any two
    # writes of the print ("printed afterfd <...> end\n\n" and "printedfd <...>
    # end\n after" were seen under load), so the print is one write and only the
    # pieces are checked, never their order.
    console.run_source("import os, sys\n"
                       "os.write(1, b'\\x66d <\\xff\\xfe\\xc3> end\\n')\n"
                       "print('printed' + '_after', end='')\n")
    console.qtbot.waitUntil(lambda: "fd <" in console.text() and "printed_after" in
                            console.text(), timeout=10000)
    text = console.text()
    line = text[text.index("fd <"):].split("\n", 1)[0]
    assert "\ufffd" in line and line.endswith("> end")
    console.run_source("try:\n"
                       "    sys.stdout.buffer.write(b'\\x62uffer <\\xff> end\\n')\n"
                       "    sys.stdout.flush()\n"
                       "except AttributeError as e:\n"
                       "    print('no', 'buffer:', type(e).__name__)\n")
    console.qtbot.waitUntil(lambda: "buffer <" in console.text() or "no buffer" in console.text(),
                            timeout=10000)
    text = console.text()
    if "buffer <" in text:
        line = text[text.index("buffer <"):].split("\n", 1)[0]
        assert "\ufffd" in line and line.endswith("> end")
    text.encode("utf-8")  # everything shown can be saved
    console.run("1+1")
    assert "Out[3]: 2" in console.text()


# -- big pastes ------------------------------------------------------------------------------


def test_a_one_megabyte_line_pasted_is_kept_and_runs(flood):
    c = flood.c
    t0 = time.perf_counter()
    c.w.paste_text("x" * 1_000_000)
    paste_s = time.perf_counter() - t0
    assert c.w.input_buffer == "x" * 1_000_000
    c.key(Key.Key_Return)
    def received():
        last = flood.fk.last_request("execute_request")
        return last is not None and last["content"]["code"] == "x" * 1_000_000
    c.qtbot.waitUntil(received, timeout=20000)
    c.wait_prompt(3)
    report("1 MB line pasted", paste_call_ms=round(paste_s * 1000))


def test_typing_after_a_one_megabyte_paste_stays_responsive(flood):
    # Qt lays out a whole block on every key: next to a 1M-character line that
    # cost 0.4-1.2 s per key before such lines were put behind a placeholder
    c = flood.c
    watch = GuiWatch()
    c.w.paste_text("s = '" + "x" * 1_000_000 + "'")
    c.qtbot.wait(100)
    c.type("; t = 1")
    c.key(Key.Key_Home)
    c.type("u = 2; ")
    c.qtbot.wait(50)
    gap = watch.stop()
    report("1 MB paste, then typing on both sides of it", longest_gap_ms=round(gap * 1000))
    assert gap < STALL_BOUND
    assert c.w.input_buffer == "u = 2; s = '" + "x" * 1_000_000 + "'; t = 1"
    assert "more characters" not in c.text()  # the label is painted, not text
    c.w.cmd_select_all()
    c.w.cmd_copy()
    assert QtWidgets.QApplication.clipboard().text() == c.w.input_buffer  # copied whole
    c.key(Key.Key_Return)
    c.qtbot.waitUntil(lambda: (flood.fk.last_request("execute_request") or {}).get(
        "content", {}).get("code", "").endswith("'; t = 1"), timeout=20000)
    assert c.w.history.items[-1] == "u = 2; s = '" + "x" * 1_000_000 + "'; t = 1"
    c.wait_prompt(3)
    c.key(Key.Key_Up)  # recalled from the history: behind a placeholder again
    assert c.w.input_buffer == c.w.history.items[-1]
    assert c.w._doc.lastBlock().length() < 1000


def test_pasting_a_megabyte_of_code_lines_does_not_freeze(flood):
    c = flood.c
    text = "".join(f"value_{i} = {i} * 2  # some comment here\n" for i in range(25_000))
    watch = GuiWatch()
    c.w.paste_text(text)
    c.qtbot.wait(50)
    gap = watch.stop()
    report("1.1 MB / 25k lines pasted", longest_gap_ms=round(gap * 1000))
    assert gap < STALL_BOUND


# -- threads ----------------------------------------------------------------------------------


THREADS = """\
import sys, threading
def worker(t):
    for i in range(400):
        sys.stdout.write(f"T{t}:{i}\\n")
threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
for th in threads: th.start()
for th in threads: th.join()
print("all threads done")
"""


def test_output_from_many_threads_is_complete_and_ordered_per_thread(console):
    console.run_source(THREADS, timeout=30000)
    console.wait_text("all threads done")
    seen = {t: [] for t in range(8)}
    for m in re.finditer(r"^T(\d):(\d+)$", console.text(), re.M):
        seen[int(m.group(1))].append(int(m.group(2)))
    for t, numbers in seen.items():
        assert numbers == list(range(400)), f"thread {t}: {len(numbers)} lines, lost or disordered"


BACKGROUND = """\
import sys, threading, time
def chatter():
    time.sleep(0.2)  # after the cell: ipykernel may file output from a cell's last
    for i in range(150):  # moments under another parent, which is not what is tested here
        sys.stdout.write(f"bg {i}\\n"); sys.stdout.flush()
        time.sleep(0.01)
threading.Thread(target=chatter, daemon=True).start()
"""


def test_output_while_typing_never_corrupts_the_input(kernel, make_console):
    console = make_console(*kernel, include_other_output=True)
    console.run_source(BACKGROUND)
    console.wait_text("bg 3")
    typed = "answer = 6 * 7"
    for ch in typed:  # slowly, so that output lands between keystrokes
        console.type(ch)
        console.qtbot.wait(15)
    assert console.w.input_buffer == typed
    console.wait_text("bg 149", timeout=20000)
    console.qtbot.wait(200)
    text = console.text()
    assert text.endswith("In [2]: " + typed)  # prompt and input are last, intact
    numbers = [int(n) for n in re.findall(r"^bg (\d+)$", text, re.M)]
    # each line whole, in order, none inside the input
    assert numbers == list(range(150)), text[:3000]
    console.key(Key.Key_Return)
    console.qtbot.waitUntil(lambda: len(console.executed) >= 2, timeout=10000)
    console.run("answer")
    assert "Out[3]: 42" in console.text()
