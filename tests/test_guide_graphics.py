"""The guide's inline graphics: ``%matplotlib inline`` with each
``InlineBackend.figure_format`` (png, retina, svg) draws the figure in a real
console on a real ipykernel kernel, and ``%matplotlib qt`` in a subprocess
kernel opens a real window without stalling the kernel.

Each figure is a thick red line on a figure with a known size; the checks are
the rich block the console made (its kind, MIME type and logical size) and the
pixels grabbed from the widget inside the block's area."""

import pytest
from qtpy import QtCore, QtGui

from conftest import start_kernel, stop_kernel

pytest.importorskip("matplotlib")
pytestmark = pytest.mark.slow

# 3 x 2 inches at 80 dpi: 240 x 160 logical pixels; a red diagonal 6 points thick
FIGURE = (
    "import matplotlib.pyplot as plt\n"
    "fig, ax = plt.subplots(figsize=(3, 2), dpi=80)\n"
    "ax.plot([0, 1, 2], [0, 2, 0], color='#ff0000', lw=6)\n"
    "ax.set_axis_off()\n"
    "plt.show()\n")


@pytest.fixture(scope="module")
def mpl_kernel(qapp):
    km, kc = start_kernel()
    yield km, kc
    stop_kernel(km, kc)


@pytest.fixture
def graphics(mpl_kernel, make_console):
    km, kc = mpl_kernel
    c = make_console(km, kc, wait=False, theme="light")
    c.wait_prompt()
    c.wait_ready()
    yield c
    c.w.kernel_client = None


def _draw(c, figure_format):
    reply = c.run_source("%matplotlib inline\n"
                         f"%config InlineBackend.figure_format = {figure_format!r}\n"
                         # the whole figure, not cropped to its ink: a known size
                         "%config InlineBackend.print_figure_kwargs = {'bbox_inches': None}\n"
                         + FIGURE,
                         timeout=60000)
    assert reply["content"]["status"] == "ok", reply["content"]
    c.qtbot.waitUntil(lambda: any(b.kind not in ("pending",) for b in c.w.rich_blocks()),
                      timeout=20000)
    c.qtbot.waitUntil(lambda: c.w._builder.pending == 0, timeout=20000)
    blocks = c.w.rich_blocks()
    assert len(blocks) == 1, [(b.kind, b.mime) for b in blocks]
    return blocks[0]


def _block_rect(c, block) -> QtCore.QRect:
    """Where ``block`` is drawn, in the widget's coordinates."""
    w, edit = c.w, c.w._control
    tb = w._doc.findBlock(block.cursor.position())
    geo = edit.blockBoundingGeometry(tb).translated(edit.contentOffset())
    whole = block.size(*w._rich_metrics())
    origin = edit.viewport().mapTo(w, QtCore.QPoint(0, 0))
    return QtCore.QRect(int(geo.left()) + origin.x(), int(geo.top()) + origin.y(),
                        int(whole.width()), int(whole.height()))


def _red_pixels(img: QtGui.QImage, rect: QtCore.QRect) -> int:
    n = 0
    rect = rect.intersected(img.rect())
    for y in range(rect.top(), rect.bottom()):
        for x in range(rect.left(), rect.right()):
            q = img.pixelColor(x, y)
            if q.red() > 200 and q.green() < 80 and q.blue() < 80:
                n += 1
    return n


def _grab(c) -> QtGui.QImage:
    c.qtbot.wait(50)
    return c.w.grab().toImage()


def _check_drawn(c, block, tmp_path, name):
    rect = _block_rect(c, block)
    img = _grab(c)
    img.save(str(tmp_path / f"{name}.png"))
    dpr = img.devicePixelRatio() or 1.0
    inside = _red_pixels(img, QtCore.QRect(*(int(v * dpr) for v in rect.getRect())))
    print(f"{name}: {inside} red pixels inside the figure's {rect.width()}x{rect.height()} area")
    # a 6 pt line across a 240 x 160 figure: well over a thousand red pixels
    assert inside > 1000, (name, inside, rect)
    # and the red is the figure's: none of it outside the block's area
    assert _red_pixels(img, img.rect()) == inside


def test_inline_png(graphics, tmp_path):
    block = _draw(graphics, "png")
    assert (block.kind, block.mime) == ("image", "image/png")
    assert (block.pixel_size.width(), block.pixel_size.height()) == (240, 160)
    assert (block.logical.width(), block.logical.height()) == (240, 160)
    _check_drawn(graphics, block, tmp_path, "png")


def test_inline_retina_is_drawn_at_half_its_pixel_size(graphics, tmp_path):
    block = _draw(graphics, "retina")
    assert (block.kind, block.mime) == ("image", "image/png")
    assert (block.pixel_size.width(), block.pixel_size.height()) == (480, 320)
    assert (block.logical.width(), block.logical.height()) == (240, 160)
    _check_drawn(graphics, block, tmp_path, "retina")
    assert _block_rect(graphics, block).size() == QtCore.QSize(240, 160)


def test_inline_svg_is_vector(graphics, tmp_path):
    block = _draw(graphics, "svg")
    assert (block.kind, block.mime) == ("svg", "image/svg+xml")
    assert block.svg is not None and block.svg.isValid()
    assert "<path" in block.source
    # matplotlib writes sizes in points (3 x 2 in = 216 x 144 pt)
    assert (round(block.logical.width()), round(block.logical.height())) == (216, 144)
    _check_drawn(graphics, block, tmp_path, "svg")


@pytest.fixture
def display_console(qapp, make_console):
    """A console on a kernel on a virtual X display (tests/xvfb.py)."""
    from xvfb import VirtualDisplay, start_kernel_on

    display = VirtualDisplay()
    km, kc = start_kernel_on(display)
    try:
        c = make_console(km, kc, wait=False, theme="light")
        c.wait_prompt()
        c.wait_ready()
        yield c
        c.w.kernel_client = None
    finally:
        stop_kernel(km, kc)
        display.stop()


def test_matplotlib_qt_opens_a_window_without_stalling_the_kernel(display_console):
    """A bare ``%matplotlib qt`` (the form the guide gives) in a subprocess
    kernel on an X display: a real Qt window in the kernel's process, and the
    kernel keeps answering while it is open.  (IPython before 8.24 maps ``qt``
    to Qt5Agg, which failed with only PyQt6 installed; embedcon's kernel entry
    maps it to QtAgg.)"""
    import time

    c = display_console
    reply = c.run_source(
        "%matplotlib qt\n"
        "import matplotlib.pyplot as plt\n"
        "fig = plt.figure()\n"
        "plt.plot([1, 2, 3])\n"
        "plt.show()\n"
        "from qtpy import QtWidgets\n"
        "shown = [w for w in QtWidgets.QApplication.topLevelWidgets() if w.isVisible()]\n"
        "print('backend', plt.get_backend(), 'windows', len(shown))\n", timeout=60000)
    assert reply["content"]["status"] == "ok", reply["content"]
    out = c.output_of_last_cell()
    assert "backend QtAgg windows 1" in out, out
    assert not c.w.rich_blocks()  # nothing drawn inline with the qt backend
    # the kernel is not stalled by the window: the next cells run at once
    t0 = time.perf_counter()
    for i in range(5):
        c.run(f"print('alive', {i} * 7)", timeout=10000)
    c.wait_text("alive 28")
    assert time.perf_counter() - t0 < 10  # generous: a stalled loop takes seconds per cell
    c.run_source("plt.close('all')\n")
