"""The window's View and Help actions, and saving the current tab.

A mixin of :class:`~embedcon.application.window.MainWindow`: full screen, menu
and status bar toggles, save as notebook and print to PDF (the current tab),
the key reference (the console's key map and the window's shortcuts) and About.
"""

from __future__ import annotations

from qtpy import QtGui, QtWidgets

from .menus import ACTIONS

__all__ = ["ViewHelp"]


class ViewHelp:
    """View toggles, file output of the current tab, and help."""

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.actions["full_screen"].setChecked(self.isFullScreen())

    def toggle_menu_bar(self) -> None:
        self.menuBar().setVisible(not self.menuBar().isVisible())
        self.actions["show_menu_bar"].setChecked(self.menuBar().isVisible())

    def toggle_status_bar(self) -> None:
        self.status.setVisible(not self.status.isVisible())
        self.actions["show_status_bar"].setChecked(self.status.isVisible())

    def _save_path(self, title: str, filters: str) -> str:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, title, "", filters)
        return path

    def save_notebook(self, path: str | None = None) -> None:
        """Save the current tab's session as a notebook (.ipynb)."""
        c = self.current_console
        if c is None or not hasattr(c, "export_notebook"):
            return
        path = path or self._save_path("Save as notebook", "Notebooks (*.ipynb)")
        if path:
            c.export_notebook(path)

    def print_pdf(self, path: str | None = None) -> None:
        """Write the current tab's session as a PDF file."""
        c = self.current_console
        if c is None or not hasattr(c, "export_pdf"):
            return
        path = path or self._save_path("Print to PDF", "PDF (*.pdf)")
        if path:
            c.export_pdf(path)

    def key_reference(self) -> str:
        """The keys: the console's key map (``embedcon --help-keys``) and the
        window's shortcuts."""
        from ..models.keyref import text_reference

        lines = [text_reference().rstrip("\n"), "", "Window:", ""]
        for row in ACTIONS:
            if row.shortcut:
                lines.append(f"  {row.shortcut:<28} {row.label.replace('&', '')}")
        return "\n".join(lines) + "\n"

    def show_key_reference(self) -> None:
        dialog = QtWidgets.QDialog(self)
        dialog.setWindowTitle("Key reference")
        dialog.resize(720, 560)
        view = QtWidgets.QPlainTextEdit(dialog)
        view.setReadOnly(True)
        view.setFont(QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont))
        view.setPlainText(self.key_reference())
        QtWidgets.QVBoxLayout(dialog).addWidget(view)
        dialog.show()

    def show_about(self) -> None:
        from .. import __version__

        QtWidgets.QMessageBox.about(
            self, "About embedcon",
            f"embedcon {__version__}\nA fast Jupyter console for Qt applications and on its own.")
