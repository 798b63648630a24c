"""Output through the widget: large, long, coloured, overwritten, late."""

import time

from conftest import Key


def test_one_megabyte_line_is_folded_not_frozen(console):
    t0 = time.monotonic()
    console.run("print('x' * 1_000_000)", timeout=60000)
    elapsed = time.monotonic() - t0
    assert elapsed < 20, elapsed  # qtconsole: 26.9 s of frozen GUI on this machine
    doc = console.w._doc
    longest = max(doc.findBlockByNumber(i).length() for i in range(doc.blockCount()))
    assert longest <= console.w.fold_width + 1
    assert "x" * 1_000_000 in console.text()  # folds are joined again on export


def test_line_beyond_max_line_chars_is_elided_and_kept(kernel, make_console):
    km, kc = kernel
    c = make_console(km, kc, max_line_chars=50_000)
    c.run("print('y' * 120_000 + 'END')", timeout=60000)
    shown = c.w._doc.toPlainText()  # the screen: head, a placeholder, the tail
    flat = shown.replace("\n", "")
    assert "y" * 50_000 + "\ufffc" + "y" * 497 + "END" in flat
    assert "y" * 50_001 not in flat and "y" * 498 + "END" not in flat
    assert "y" * 120_000 + "END\n" in c.text()  # export_text keeps it whole
    assert c.w.elided_outputs()[-1].endswith("END")
    assert len(c.w.elided_outputs()[-1]) == 70_003


def test_scrollback_is_bounded(kernel, make_console):
    km, kc = kernel
    c = make_console(km, kc, buffer_size=1000)
    c.run("for i in range(20_000): print(i)", timeout=60000)
    assert c.w._doc.blockCount() <= 1001
    text = c.text()
    assert "19999\n" in text and "\n5000\n" not in text
    assert text.endswith("In [2]: ")


def test_carriage_return_overwrites_like_a_terminal(console):
    console.run_source("import sys, time\nfor i in range(5): sys.stdout.write(f'\\rprogress {i}'); "
                "sys.stdout.flush(); time.sleep(0.05)\nprint()")
    text = console.text()
    assert "progress 4" in text and "progress 3" not in text


def test_ansi_colours_in_output_are_rendered_not_shown(console):
    console.run("print('\\x1b[31mred\\x1b[0m plain')")
    text = console.text()
    assert "\nred plain\n" in text and text.count("[31m") == 1  # only in the input line


def test_late_output_goes_above_the_prompt_and_keeps_the_input(console):
    console.run("import threading, time; threading.Thread(target=lambda: (time.sleep(0.7), "
                "print('late line'))).start()")
    console.type("draft = 1")
    console.wait_text("\nlate line\n", timeout=10000)
    assert console.w.input_buffer == "draft = 1"
    assert console.text().endswith("late line\nIn [2]: draft = 1")
    console.key(Key.Key_Return)
    console.qtbot.waitUntil(lambda: len(console.executed) == 2, timeout=10000)


def test_rich_output_png_and_html(console):
    console.run("from IPython.display import display, HTML, Markdown; "
                "import base64; from qtpy import QtGui, QtCore; "
                "img = QtGui.QImage(40, 30, QtGui.QImage.Format.Format_RGB32); img.fill(0xff0000); "
                "ba = QtCore.QByteArray(); buf = QtCore.QBuffer(ba); buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly); "
                "img.save(buf, 'PNG'); "
                "display({'image/png': base64.b64encode(bytes(ba)).decode()}, raw=True); "
                "display(HTML('<b>bold html</b>')); display(Markdown('*md text*'))")
    assert len(console.w.image_names()) == 1
    img = console.w.image(console.w.image_names()[0])
    assert (img.width(), img.height()) == (40, 30)
    assert "bold html" in console.text() and "md text" in console.text()
    console.w.grab().save("/tmp/embedcon-rich.png")


def test_invalid_png_falls_back_to_text(console):
    console.run("display({'image/png': 'not base64 png!!', 'text/plain': 'fallback text'}, raw=True)")
    assert "fallback text" in console.text()
    console.run("1+1")
    assert "Out[2]: 2" in console.text()


# -- slicing a flood: what is shown does not depend on where the slices fall ----------

def _styled_text(w):
    """The document as (character, colour) pairs, folded blocks joined."""
    from embedcon.widgets.output import FOLDED
    out = []
    block = w._doc.begin()
    while block.isValid():
        if block != w._doc.begin() and block.userState() != FOLDED:
            out.append(("\n", None))
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            colour = frag.charFormat().foreground().color().name()
            out.extend((ch, colour) for ch in frag.text())
            it += 1
        block = block.next()
    return out


def _write(qtbot, texts, slice_chars=None):
    from embedcon.widgets.console_widget import ConsoleWidget
    w = ConsoleWidget(fold_width=50, max_line_chars=700)
    qtbot.addWidget(w)
    if slice_chars:
        w.SLICE_CHARS, w.SLICE_LINES = slice_chars, 3
    for stream, text in texts:
        w.append_stream(text, stream)
    if slice_chars:
        qtbot.waitUntil(lambda: not w._queue, timeout=20000)
    else:
        w.flush_output()  # everything in one write
    return w


def test_output_is_the_same_however_a_flood_is_sliced(qtbot):
    import random
    rnd = random.Random(3)
    tokens = ["abc", "x" * 60, "\r", "\r\n", "\n", "\x1b[31m", "\x1b[0m", "\x1b[1;32m", "\x1b[K",
              "\b", "\x01", "\x1b[2A", "\U0001f600", "\x1b]0;title\x07", "tail"]
    texts = [(rnd.choice(["stdout", "stdout", "stderr"]),
              "".join(rnd.choice(tokens) for _ in range(rnd.randint(1, 40))))
             for _ in range(60)]
    texts.append(("stdout", "".join(f"\r\x1b[32m{i:5d}\x1b[0m %" for i in range(300)) + "\n"))
    texts.append(("stdout", "long " + "y" * 2000 + " end\n"))  # beyond max_line_chars
    whole = _write(qtbot, texts)
    for chars in (2, 7, 33):
        sliced = _write(qtbot, texts, slice_chars=chars)
        assert sliced.export_text() == whole.export_text(), chars
        assert _styled_text(sliced) == _styled_text(whole), chars
        assert sliced.elided_outputs() == whole.elided_outputs(), chars


def test_output_that_fills_a_slice_is_written_without_waiting_for_the_frame(qtbot):
    # small messages wait flush_interval to be written together; a message
    # that fills a slice by itself gains nothing by waiting (it used to add
    # flush_interval to the end of every flood)
    from embedcon.widgets.console_widget import ConsoleWidget
    w = ConsoleWidget(flush_interval=3000)
    qtbot.addWidget(w)
    w.append_stream("small\n")
    qtbot.wait(100)
    assert "small" not in w.export_text()
    w.append_stream("".join(f"{i:07d}\n" for i in range(5_000)))  # 40 KB
    qtbot.waitUntil(lambda: w.export_text().endswith("\n0004999\n"), timeout=1500)
    assert w.export_text().startswith("small\n0000000\n0000001\n")


def test_queued_text_beyond_the_scrollback_is_dropped_to_exactly_the_last_lines(qtbot):
    import random
    from embedcon.widgets.console_widget import ConsoleWidget
    w = ConsoleWidget()
    qtbot.addWidget(w)
    rnd = random.Random(5)
    for _ in range(200):
        items = [(rnd.choice(["stdout", "stderr"]),
                  "".join(rnd.choice(["a", "bc", "\n", "\n\n", "def"]) for _ in range(rnd.randint(1, 12))))
                 for _ in range(rnd.randint(1, 5))]
        limit = rnd.randint(1, 12)
        joined = "".join(t for _, t in items)
        expected = joined
        if joined.count("\n") > limit:  # what follows the (limit + 1)-th break from the end
            expected = joined[len(joined.rsplit("\n", limit + 1)[0]) + 1:]
        kept = w._drop_invisible(items, limit)
        assert "".join(t for _, t in kept) == expected, (items, limit)
        assert [s for s, _ in kept] == [s for s, _ in items][len(items) - len(kept):]


def test_line_feed_after_cursor_up_moves_down_like_a_terminal(qtbot):
    # tqdm's nested bars go up with ESC[A and come back down with newlines;
    # a newline used to split the line the cursor was on
    w = _write(qtbot, [("stdout", "a1\nb2\nc3\n\x1b[3AX\nY\n")])
    assert w.export_text() == "X1\nY2\nc3\n"
    w.append_stream("\x1b[2Aback\nat the end\n")
    w.flush_output()
    assert w.export_text() == "back\nat the end\nc3\n"


def test_a_sliced_flood_ends_with_the_viewport_painting_again(qtbot):
    # while a flood is written in slices, repaints are held to one per 33 ms;
    # they must never stay held once the backlog is written
    w = _write(qtbot, [("stdout", "".join(f"\x1b[3{i % 8}mline {i}\x1b[0m\n"
                                          for i in range(3000)))], slice_chars=5000)
    w.show()
    qtbot.waitUntil(lambda: not w._paint_timer.isActive(), timeout=5000)
    assert w._control.viewport().updatesEnabled()
    assert w.export_text().endswith("line 2999\n")


def _shown_console(qtbot):
    from embedcon.widgets.console_widget import ConsoleWidget
    w = ConsoleWidget()
    qtbot.addWidget(w)
    w.resize(600, 400)
    w.show()
    qtbot.waitExposed(w)
    return w


def _count_paints(widget) -> list:
    """The heights of the paint events ``widget`` gets from now on."""
    from qtpy import QtCore

    paints = []

    class Count(QtCore.QObject):
        def eventFilter(self, obj, ev):
            if ev.type() == QtCore.QEvent.Type.Paint:
                paints.append(ev.rect().height())
            return False
    widget.installEventFilter(Count(widget))  # parented: lives as long as the widget
    return paints


def test_a_sliced_flood_repaints_the_scroll_bar_no_more_often_than_the_text(qtbot):
    # the scroll bar's range grows with every slice; it used to repaint after
    # each one (32 times against the text's 14 in a 100k-line flood), and a
    # scroll bar repaint costs more than the text's on this machine
    w = _shown_console(qtbot)
    w.SLICE_CHARS, w.SLICE_LINES = 2000, 200
    bar, viewport = w._control.verticalScrollBar(), w._control.viewport()
    bar_paints, text_paints = _count_paints(bar), _count_paints(viewport)
    w.append_stream("".join(f"line {i}\n" for i in range(20_000)))
    qtbot.waitUntil(lambda: not w._queue and not w._paint_timer.isActive(), timeout=20000)
    qtbot.wait(50)
    assert bar.updatesEnabled() and not bar.held and viewport.updatesEnabled()
    assert w.export_text().endswith("line 19999\n")
    assert 0 < len(bar_paints) <= len(text_paints) + 1, (bar_paints, text_paints)


def test_a_cell_repaints_the_scroll_bar_once(qtbot):
    # the input line, the result and the next prompt come in separate
    # event-loop turns; each used to repaint the scroll bar (three for a cell)
    from qtpy import QtWidgets
    w = _shown_console(qtbot)
    w.write_text("".join(f"earlier {i}\n" for i in range(300)))
    w._show_prompt("In [1]: ")
    qtbot.wait(100)
    bar = w._control.verticalScrollBar()
    paints = _count_paints(bar)
    w.input_buffer = "1+1"
    w._finish_input()
    QtWidgets.QApplication.processEvents()
    w.write_text("Out[1]: 2\n")
    QtWidgets.QApplication.processEvents()
    w._show_prompt("In [2]: ")
    QtWidgets.QApplication.processEvents()
    qtbot.wait(100)  # and nothing held after the frame
    assert bar.updatesEnabled() and not bar.held and bar.value() == bar.maximum()
    assert len(paints) == 1
    assert w.export_text().endswith("In [1]: 1+1\nOut[1]: 2\nIn [2]: ")


def test_the_scroll_bar_repaints_only_when_its_picture_changes(qtbot):
    # in a long transcript a cell moves the handle by less than a pixel: the
    # bar used to be repainted at the end of every cell all the same (about
    # 1 ms each), because re-enabling updates repaints a widget
    from qtpy import QtWidgets
    w = _shown_console(qtbot)
    w.write_text("".join(f"earlier {i}\n" for i in range(5000)))
    w._show_prompt("In [1]: ")
    qtbot.wait(100)
    bar = w._control.verticalScrollBar()
    paints = _count_paints(bar)
    for n in range(1, 6):
        w.input_buffer = "1+1"
        w._finish_input()
        QtWidgets.QApplication.processEvents()
        w.write_text(f"Out[{n}]: 2\n")
        QtWidgets.QApplication.processEvents()
        w._show_prompt(f"In [{n + 1}]: ")
        QtWidgets.QApplication.processEvents()
    qtbot.wait(100)
    assert paints == [] and bar.value() == bar.maximum()
    bar.setValue(0)  # the handle moves to the top: that is repainted
    qtbot.waitUntil(lambda: len(paints) >= 1, timeout=2000)


def _pixels(image):
    from qtpy import QtGui
    image = image.convertToFormat(QtGui.QImage.Format.Format_ARGB32)
    return [image.pixel(x, y) for y in range(image.height()) for x in range(image.width())]


def _console_with_a_scroll_bar(qtbot):
    """A shown console with enough lines for its scroll bar; (console, bar, bar style)."""
    from embedcon.widgets.scrollbar import GrooveCachingStyle
    w = _shown_console(qtbot)
    w.write_text("".join(f"line {i}\n" for i in range(300)))
    bar = w._control.verticalScrollBar()
    qtbot.waitUntil(bar.isVisible, timeout=2000)
    assert isinstance(bar.style(), GrooveCachingStyle)
    return w, bar, bar.style()


def test_the_scroll_bar_draws_the_fusion_groove_once_and_looks_the_same(qtbot):
    # Fusion's groove is a gradient as tall as the bar, which Qt fills on its
    # GUI thread pool: 1.2 ms of each 1.4 ms repaint of the bar here, and the
    # bar repaints whenever a line is added.  It is drawn once per size,
    # palette and state, then blitted.
    from qtpy import QtWidgets

    from embedcon.widgets.scrollbar import GrooveCachingStyle, install_groove_cache
    assert QtWidgets.QApplication.style().name() == "fusion"  # offscreen's default
    w, bar, style = _console_with_a_scroll_bar(qtbot)
    paints = _count_paints(bar)
    for i in range(8):  # the range grows: the bar repaints each time
        w.write_text(f"more {i}\n")
        bar.repaint()
    assert len(paints) >= 8
    assert len(style._cache) == 1
    # the same picture as Fusion's own (the groove's edge line may differ by
    # one step of rounding: it is blended on the cached groove first)
    cached = _pixels(bar.grab().toImage())
    bar.setStyle(None)  # the application's Fusion
    assert not isinstance(bar.style(), GrooveCachingStyle)
    plain = _pixels(bar.grab().toImage())
    assert len(cached) == len(plain) > 0
    worst = max(max(abs((a >> k & 255) - (b >> k & 255)) for k in (0, 8, 16, 24))
                for a, b in zip(cached, plain))
    assert worst <= 2, worst
    assert install_groove_cache(bar, w._control)


def test_a_failing_groove_cache_falls_back_to_fusion_and_never_raises(qtbot, caplog):
    # drawComplexControl is a Python override of a Qt virtual: an exception
    # escaping it would abort the host under PyQt6 (pytest-qt fails the test)
    w, bar, style = _console_with_a_scroll_bar(qtbot)

    def broken(*_a):
        raise RuntimeError("no pixmap")
    style._groove = broken
    picture = bar.grab().toImage()
    bar.setStyle(None)
    assert _pixels(picture) == _pixels(bar.grab().toImage())  # Fusion's own, exactly
    assert "cached groove failed" in caplog.text


def test_the_groove_cache_leaves_other_styles_and_style_sheets_alone(qtbot):
    from qtpy import QtWidgets

    from embedcon.widgets.scrollbar import GrooveCachingStyle, _plain_fusion
    assert _plain_fusion(QtWidgets.QStyleFactory.create("Fusion"))
    assert not _plain_fusion(QtWidgets.QStyleFactory.create("Windows"))
    assert not _plain_fusion(QtWidgets.QProxyStyle("fusion"))  # a host's own proxy
    w = _shown_console(qtbot)
    bar = w._control.verticalScrollBar()
    app = QtWidgets.QApplication.instance()
    assert isinstance(bar.style(), GrooveCachingStyle)
    try:
        app.setStyleSheet("QScrollBar:vertical { background: #203040; width: 9px; }")
        qtbot.waitUntil(lambda: not isinstance(bar.style(), GrooveCachingStyle), timeout=2000)
        assert bar.sizeHint().width() == 9  # the host's sheet styles the console's bar too
    finally:
        app.setStyleSheet("")
    qtbot.waitUntil(lambda: isinstance(bar.style(), GrooveCachingStyle), timeout=2000)


def test_export_puts_back_a_long_pasted_line_after_folded_output(qtbot):
    # folded output blocks are joined on export, so the exported text is shorter
    # than the document: the placeholder lookup must not count on their lengths
    from embedcon.widgets.console_widget import ConsoleWidget
    w = ConsoleWidget()
    qtbot.addWidget(w)
    w.append_stream("x" * 1_000_000 + "\n")  # 500 folded blocks
    w.flush_output()
    w._show_prompt("In [1]: ")
    w.paste_text("y" * 10_000)
    assert w.input_buffer == "y" * 10_000
    assert w.export_text().endswith("In [1]: " + "y" * 10_000)


def test_export_keeps_pictures_and_puts_back_long_lines_in_order(qtbot):
    # Object characters are found by Qt (a Python walk over every block took
    # 0.40 s to export 100k lines with one picture; 0.07 s now): a picture's
    # U+FFFC stays, each placeholder becomes its line, in document order
    from qtpy import QtGui

    from embedcon.widgets.console_widget import ConsoleWidget
    w = ConsoleWidget()
    qtbot.addWidget(w)
    w._show_prompt("In [1]: ")
    w.paste_text("a" * 6_000)
    c = QtGui.QTextCursor(w._doc)
    c.setPosition(0)
    c.insertText("before \ufffc picture\n")  # as an inserted image is
    w.paste_text("\n" + "b" * 7_000)
    text = w.export_text()
    assert text.startswith("before \ufffc picture\n") and text.count("\ufffc") == 1
    assert "In [1]: " + "a" * 6_000 + "\n" in text and text.endswith(": " + "b" * 7_000)
    assert w.input_buffer == "a" * 6_000 + "\n" + "b" * 7_000
