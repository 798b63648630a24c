"""The standalone application's saved state: last session's tabs, window geometry,
remembered answers (no Qt).

Stored as one JSON file (written atomically, mode 0600 since input history may
hold secrets).  A missing or corrupt file reads as an empty state: a bad file
never stops the application from starting.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field

__all__ = ["SavedTab", "SessionState", "SessionStore"]

log = logging.getLogger("embedcon.session")

HISTORY_KEPT = 1000  # input history entries saved per tab


@dataclass
class SavedTab:
    """One tab: its title, the kernelspec it ran, its input history, and which
    kernel it was on (tabs with the same ``kernel`` number shared one kernel;
    -1: not known, a kernel of its own)."""

    title: str
    kernel_name: str
    history: list[str] = field(default_factory=list)
    kernel: int = -1


@dataclass
class SessionState:
    tabs: list[SavedTab] = field(default_factory=list)
    current: int = 0
    geometry: str = ""  # QMainWindow.saveGeometry(), base64
    close_answer: str = ""  # remembered answer of the close-last-tab question: shutdown | keep


class SessionStore:
    """Reads and writes :class:`SessionState` at ``path``."""

    def __init__(self, path: str):
        self.path = path

    def load(self) -> SessionState:
        try:
            with open(self.path, encoding="utf-8") as f:
                raw = json.load(f)
        except FileNotFoundError:
            return SessionState()
        except (OSError, ValueError) as exc:
            log.warning("ignoring the saved session %s: %s", self.path, exc)
            return SessionState()
        if not isinstance(raw, dict):
            return SessionState()
        tabs = []
        for t in raw.get("tabs") or []:
            if not isinstance(t, dict) or not isinstance(t.get("kernel_name"), str):
                continue
            hist = [h for h in t.get("history") or [] if isinstance(h, str)]
            kernel = t.get("kernel")
            tabs.append(SavedTab(str(t.get("title") or t["kernel_name"]), t["kernel_name"],
                                 hist[-HISTORY_KEPT:],
                                 kernel if type(kernel) is int and kernel >= 0 else -1))
        current = raw.get("current")
        answer = raw.get("close_answer")
        geometry = raw.get("geometry")
        return SessionState(
            tabs=tabs, current=current if isinstance(current, int) else 0,
            geometry=geometry if isinstance(geometry, str) else "",
            close_answer=answer if answer in ("shutdown", "keep") else "")

    def save(self, state: SessionState) -> None:
        data = asdict(state)
        for t in data["tabs"]:
            t["history"] = t["history"][-HISTORY_KEPT:]
        folder = os.path.dirname(self.path) or "."
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".session-", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("could not save the session to %s: %s", self.path, exc)
            try:
                os.unlink(tmp)
            except OSError:
                pass
