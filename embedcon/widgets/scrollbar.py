"""The console's vertical scroll bar, drawn with its groove from a cache.

Every line added to the transcript changes the scroll bar's range, and Qt
then repaints the whole bar.  Under the Fusion style most of that repaint is
the groove, a gradient as tall as the bar, which Qt's raster engine spreads
over its GUI thread pool: 1.2 ms of the bar's 1.4 ms here, once per cell and
once per frame of a flood.  The groove depends only on the bar's size,
palette and state, so this style draws it once into a pixmap and blits it;
the handle and the arrows are drawn by Fusion as before.  The picture is
Fusion's own, within one step of rounding on the groove's edge line (see the
tests).  If the cached path ever fails, the bar is drawn by Fusion alone.

Only a plain Fusion application style is wrapped.  Any other style, a host's
own proxy style, or a style sheet is left alone: the console then paints its
scroll bar exactly as the host's other scroll bars.
"""

from __future__ import annotations

import logging

from qtpy import QtCore, QtGui, QtWidgets

log = logging.getLogger("embedcon.scrollbar")

__all__ = ["install_groove_cache", "GrooveCachingStyle", "QuietScrollBar"]

_S = QtWidgets.QStyle
_CC = _S.ComplexControl.CC_ScrollBar
_SC = _S.SubControl
_GROOVE = _SC.SC_ScrollBarGroove
_REST = (_SC.SC_ScrollBarAddLine | _SC.SC_ScrollBarSubLine | _SC.SC_ScrollBarAddPage
         | _SC.SC_ScrollBarSubPage | _SC.SC_ScrollBarFirst | _SC.SC_ScrollBarLast
         | _SC.SC_ScrollBarSlider)


def _sub(controls) -> int:
    return controls.value if hasattr(controls, "value") else int(controls)


_GROOVE_BIT = _sub(_GROOVE)


class GrooveCachingStyle(QtWidgets.QProxyStyle):
    """Fusion, with the scroll bar's groove blitted from a cached pixmap."""

    MAX_CACHED = 8  # a few sizes and states (resizing, hover, focus)

    def __init__(self, base_key: str = "fusion"):
        super().__init__(base_key)
        self._cache: dict = {}
        self._failed = False

    def drawComplexControl(self, control, option, painter, widget=None):
        # a Python override of a virtual: under PyQt6 an exception escaping it
        # aborts the host, so a failure falls back to Fusion's own drawing
        if not self._failed and control == _CC and _sub(option.subControls) & _GROOVE_BIT:
            try:
                painter.drawPixmap(option.rect.topLeft(), self._groove(option, painter, widget))
                rest = QtWidgets.QStyleOptionSlider(option)
                rest.subControls = option.subControls & _REST
                super().drawComplexControl(control, rest, painter, widget)
                return
            except Exception:
                self._failed = True
                log.exception("drawing the scroll bar's cached groove failed; Fusion draws it")
        super().drawComplexControl(control, option, painter, widget)

    def _groove(self, option, painter, widget) -> QtGui.QPixmap:
        dpr = painter.device().devicePixelRatioF() if painter.device() else 1.0
        size = option.rect.size()
        key = (size.width(), size.height(), dpr, option.palette.cacheKey(), _sub(option.state),
               _sub(option.activeSubControls), _sub(option.orientation), _sub(option.direction))
        pm = self._cache.get(key)
        if pm is not None:
            return pm
        pm = QtGui.QPixmap(QtCore.QSize(max(1, round(size.width() * dpr)),
                                        max(1, round(size.height() * dpr))))
        pm.setDevicePixelRatio(dpr)
        pm.fill(QtCore.Qt.GlobalColor.transparent)
        groove = QtWidgets.QStyleOptionSlider(option)
        groove.subControls = _GROOVE
        groove.rect = QtCore.QRect(QtCore.QPoint(0, 0), size)
        p = QtGui.QPainter(pm)
        try:
            super().drawComplexControl(_CC, groove, p, widget)
        finally:
            p.end()
        if len(self._cache) >= self.MAX_CACHED:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = pm
        return pm


def _plain_fusion(style) -> bool:
    if style is None or isinstance(style, QtWidgets.QProxyStyle):
        return False
    name = style.name() if hasattr(style, "name") else style.objectName()  # Qt 5: no name()
    return name.lower() == "fusion"


def install_groove_cache(bar: QtWidgets.QScrollBar, owner: QtCore.QObject) -> bool:
    """Give ``bar`` the groove-caching style when the application's style is
    plain Fusion without a style sheet, and take it away otherwise (call it
    again when the application's style changes).  True when installed."""
    try:
        return _install(bar, owner)
    except Exception:  # called from an event handler: never raise into Qt
        log.exception("setting up the scroll bar's groove cache failed")
        return False


def _install(bar: QtWidgets.QScrollBar, owner: QtCore.QObject) -> bool:
    app = QtWidgets.QApplication.instance()
    wanted = app is not None and not app.styleSheet() and _plain_fusion(app.style())
    current = bar.style()
    if wanted and not isinstance(current, GrooveCachingStyle):
        style = GrooveCachingStyle("fusion")
        style.setParent(owner)  # deleted with the editor, after its scroll bars
        bar.setStyle(style)
    elif not wanted and isinstance(current, GrooveCachingStyle):
        bar.setStyle(None)
        current.deleteLater()
    return wanted


class QuietScrollBar(QtWidgets.QScrollBar):
    """A scroll bar that repaints only when what it shows changes.

    Each output line changes the editor's scroll range, and Qt repaints the
    bar for every change, although in a long transcript the handle moves by
    less than a pixel: in 200 quick cells the bar was painted 180 times for
    about 1 ms each.  Value and range changes that leave the handle's and the
    groove's rectangles as they were are not repainted (the state is updated
    as usual); any other change repaints as Qt does.  While the console holds
    repaints (:meth:`hold`, a frame at a time) changes are only noted, and
    :meth:`release` repaints once if the picture changed: re-enabling updates
    (``setUpdatesEnabled(True)``) would repaint the bar at the end of every
    cell.
    """

    _QUIET = (QtWidgets.QAbstractSlider.SliderChange.SliderValueChange,
              QtWidgets.QAbstractSlider.SliderChange.SliderRangeChange)

    def __init__(self, parent=None):
        super().__init__(QtCore.Qt.Orientation.Vertical, parent)
        self._shown = None  # (handle rect, groove rect) at the last paint
        self.held = False  # the console holds repaints while it writes output

    def hold(self) -> None:
        """Repaint nothing until :meth:`release` (the console's frame clock)."""
        self.held = True

    def release(self, now: bool = False) -> None:
        """Repaint once if what the bar shows changed while held (at once if ``now``)."""
        if not self.held:
            return
        self.held = False
        if self._shown is None or self._geometry() != self._shown:
            if now:
                self.repaint()
            else:
                self.update()

    def _geometry(self):
        opt = QtWidgets.QStyleOptionSlider()
        self.initStyleOption(opt)
        style = self.style()
        cc = QtWidgets.QStyle.ComplexControl.CC_ScrollBar
        return (style.subControlRect(cc, opt, QtWidgets.QStyle.SubControl.SC_ScrollBarSlider,
                                     self),
                style.subControlRect(cc, opt, QtWidgets.QStyle.SubControl.SC_ScrollBarGroove,
                                     self),
                opt.minimum < opt.maximum)

    def sliderChange(self, change):  # noqa: N802 (Qt's name)
        if change in self._QUIET and self.isVisible() and (
                self.held or (self._shown is not None and self._geometry() == self._shown)):
            return  # nothing on screen changes (or not yet: release() looks again)
        super().sliderChange(change)

    def paintEvent(self, ev):  # noqa: N802 (Qt's name)
        self._shown = self._geometry()
        super().paintEvent(ev)
