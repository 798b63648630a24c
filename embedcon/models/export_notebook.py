"""A recorded session as a Jupyter notebook (nbformat 4.5), without nbformat.

Pure Python, no Qt.  Each input becomes a code cell with its execution count;
its outputs keep their MIME bundles and metadata (``stream``,
``execute_result``, ``display_data``, ``error``).  The console's own notices
and the banner are not part of any cell and are left out, as is output that
belongs to no input.  The result validates with ``nbformat.validate``.
"""

from __future__ import annotations

import uuid

from .transcript import ErrorOutput, RichOutput, StreamOutput, Transcript

__all__ = ["to_notebook"]


def _bundle(data) -> dict:
    """A MIME bundle as nbformat wants it: text as strings, JSON types as objects."""
    out = {}
    if not isinstance(data, dict):
        return out
    for mime, value in data.items():
        if not isinstance(mime, str) or "/" not in mime:
            continue
        if mime.endswith("json"):
            out[mime] = value
        elif isinstance(value, str):
            out[mime] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[mime] = "".join(value)
    return out


def _output(out) -> dict | None:
    if isinstance(out, StreamOutput):
        return {"output_type": "stream", "name": out.name if out.name in ("stdout", "stderr")
                else "stdout", "text": out.text}
    if isinstance(out, RichOutput):
        entry = {"output_type": out.kind, "data": _bundle(out.data),
                 "metadata": out.metadata if isinstance(out.metadata, dict) else {}}
        if out.kind == "execute_result":
            entry["execution_count"] = out.execution_count
        return entry
    if isinstance(out, ErrorOutput):
        return {"output_type": "error", "ename": str(out.ename), "evalue": str(out.evalue),
                "traceback": [str(t) for t in out.traceback]}
    return None


def to_notebook(transcript: Transcript, kernel_name: str = "python3",
                display_name: str = "Python 3", language: str = "python",
                language_info: dict | None = None) -> dict:
    """The notebook (a JSON-ready dict) of ``transcript``."""
    cells = []
    for cell in transcript.cells:
        if cell.source is None:
            continue
        outputs = [o for o in map(_output, cell.outputs) if o is not None]
        cells.append({
            "cell_type": "code",
            "id": uuid.uuid4().hex[:12],
            "metadata": {},
            "execution_count": cell.execution_count,
            "source": cell.source,
            "outputs": outputs,
        })
    info = {"name": language}
    if isinstance(language_info, dict):
        info.update({k: v for k, v in language_info.items() if isinstance(k, str)})
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": kernel_name, "display_name": display_name,
                           "language": language},
            "language_info": info,
        },
        "cells": cells,
    }
