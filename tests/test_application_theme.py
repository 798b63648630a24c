"""The standalone window's chrome follows the theme: `--theme dark` makes the
tab bar, menu bar, status bar and dialogs dark, View ▸ Theme switches them at
run time, and `auto` gives the application its own palette back.

Pixels are read from `grab()` pictures of the real window (saved to /tmp to
be looked at).  The library widget never restyles a host's application: a
console with theme dark leaves the QApplication's palette alone.
"""

from __future__ import annotations

from qtpy import QtGui, QtWidgets

from conftest import Console

Role = QtGui.QPalette.ColorRole


def luminance(colour: QtGui.QColor) -> float:
    return (0.2126 * colour.redF() + 0.7152 * colour.greenF() + 0.0722 * colour.blueF())


def strip_luminance(image: QtGui.QImage, rect) -> float:
    """The median luminance of the pixels of ``rect`` (a strip of the window)."""
    values = sorted(luminance(image.pixelColor(x, y))
                    for y in range(rect.top(), rect.bottom() + 1, 2)
                    for x in range(rect.left(), rect.right() + 1, 3))
    return values[len(values) // 2]


def chrome_strips(win):
    """Median luminance of the menu bar, the tab bar and the status bar."""
    image = win.grab().toImage()
    out = {}
    for name, widget in (("menu bar", win.menuBar()), ("tab bar", win.tabs.tabBar()),
                         ("status bar", win.statusBar())):
        assert widget.isVisible(), name
        top_left = widget.mapTo(win, widget.rect().topLeft())
        rect = widget.rect().translated(top_left)
        out[name] = strip_luminance(image, rect)
    return out


def darkest_in(win, widget) -> float:
    """The luminance of the darkest pixel of ``widget`` in the window's picture."""
    image = win.grab().toImage()
    rect = widget.rect().translated(widget.mapTo(win, widget.rect().topLeft()))
    return min(luminance(image.pixelColor(x, y)) for y in range(rect.top(), rect.bottom() + 1)
               for x in range(rect.left(), rect.right() + 1))


def ready(qtbot, win):
    for c in win.consoles():
        Console(qtbot, c).wait_ready(30000)


def choose_theme(win, value):
    menu = win._choice_menus["theme"]
    menu.aboutToShow.emit()
    [act for act in menu.actions() if act.text() == value][0].trigger()


def test_dark_theme_darkens_the_window_chrome_and_the_view_menu_switches_it(
        embedcon_app, qtbot, qapp):
    host_window = qapp.palette().color(Role.Window)
    app = embedcon_app("--no-confirm-exit", "--theme", "dark")
    win = app.window
    win.new_tab_same_kernel()  # two tabs: the tab bar shows
    ready(qtbot, win)
    qtbot.waitUntil(lambda: all(v < 0.3 for v in chrome_strips(win).values()))
    win.grab().save("/tmp/embedcon-chrome-dark.png")
    # dialogs and menus take the application's palette
    assert luminance(qapp.palette().color(Role.Window)) < 0.3
    box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Question, "embedcon",
                                "Quit and shut down the kernel?",
                                QtWidgets.QMessageBox.StandardButton.Yes |
                                QtWidgets.QMessageBox.StandardButton.No, win)
    box.grab().save("/tmp/embedcon-chrome-dark-dialog.png")
    win.menus["File"].grab().save("/tmp/embedcon-chrome-dark-menu.png")
    assert luminance(box.palette().color(Role.Window)) < 0.3
    assert luminance(box.palette().color(Role.WindowText)) > 0.5
    assert luminance(win.menus["File"].palette().color(Role.Window)) < 0.3
    box.deleteLater()
    # a tab opened later keeps the chosen theme
    later = win.new_tab_same_kernel()
    assert later.settings.theme == "dark" and later.theme_name == "dark"

    choose_theme(win, "light")
    assert all(c.settings.theme == "light" for c in win.consoles())
    qtbot.waitUntil(lambda: all(v > 0.6 for v in chrome_strips(win).values()))
    win.grab().save("/tmp/embedcon-chrome-light.png")
    win.menus["File"].grab().save("/tmp/embedcon-chrome-light-menu.png")
    # the connection-file link is drawn in the light palette's link colour (readable)
    assert darkest_in(win, win.status.file_label) < 0.5
    later = win.new_tab_same_kernel()
    assert later.settings.theme == "light"  # chosen at run time, not the --theme of the start

    choose_theme(win, "dark")  # (Qt passes the palette on to the widgets in an event)
    qtbot.waitUntil(lambda: all(v < 0.3 for v in chrome_strips(win).values()))
    choose_theme(win, "auto")  # the application's own palette again
    assert qapp.palette().color(Role.Window) == host_window
    choose_theme(win, "dark")
    win.close()  # closing the window gives the application its palette back
    assert qapp.palette().color(Role.Window) == host_window


def test_colors_linux_darkens_the_chrome_too(embedcon_app, qtbot, qapp):
    host_window = qapp.palette().color(Role.Window)
    app = embedcon_app("--no-confirm-exit", "--colors", "Linux")
    win = app.window
    ready(qtbot, win)
    assert luminance(qapp.palette().color(Role.Window)) < 0.3
    win.close()
    assert qapp.palette().color(Role.Window) == host_window


def test_the_library_widget_never_restyles_the_host_application(make_console, qapp):
    """An embedding host's palette and style stay as the host set them."""
    style, window_colour = qapp.style().name(), qapp.palette().color(Role.Window)
    c = make_console(wait=False, theme="dark")
    assert c.w.theme_name == "dark"
    c.w.settings.theme = "light"
    c.w.settings.theme = "dark"
    assert qapp.style().name() == style
    assert qapp.palette().color(Role.Window) == window_colour


def test_an_explicit_theme_uses_fusion_and_auto_gives_the_style_back(qapp):
    """Under a style that draws its own colours the dark palette needs Fusion;
    ``auto`` gives the application its style and palette back."""
    from embedcon.application.chrome import ChromeTheme

    old_style = qapp.style().objectName()
    qapp.setStyle("Windows")
    try:
        window_colour = qapp.palette().color(Role.Window)
        chrome = ChromeTheme()
        chrome.apply("dark")
        assert qapp.style().objectName().lower() == "fusion"
        assert luminance(qapp.palette().color(Role.Window)) < 0.3
        chrome.apply("light")
        assert luminance(qapp.palette().color(Role.Window)) > 0.6
        chrome.apply("auto")
        assert qapp.style().objectName().lower() == "windows"
        assert qapp.palette().color(Role.Window) == window_colour
    finally:
        qapp.setStyle(old_style)
