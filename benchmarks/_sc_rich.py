"""Rich-output scenarios: pictures, SVG, a DataFrame as HTML, in-place updates, export.

Standard library and qtpy only, like ``_harness`` (both consoles import it).
"""

from __future__ import annotations

import base64
import os
import tempfile
import time

from _harness import StallSpy, _launch, _send_file, emit


def _png_bytes(w=400, h=300) -> bytes:
    from qtpy import QtCore, QtGui

    img = QtGui.QImage(w, h, QtGui.QImage.Format.Format_RGB32)
    p = QtGui.QPainter(img)
    grad = QtGui.QLinearGradient(0, 0, w, h)
    grad.setColorAt(0, QtGui.QColor("#1f77b4"))
    grad.setColorAt(1, QtGui.QColor("#ff7f0e"))
    p.fillRect(0, 0, w, h, QtGui.QBrush(grad))
    p.setPen(QtGui.QPen(QtGui.QColor("black"), 2))
    for i in range(0, w, 10):
        p.drawLine(i, h, i, int(h / 2 + (h / 3) * ((i * 37) % 100 - 50) / 50))
    p.end()
    ba = QtCore.QByteArray()
    buf = QtCore.QBuffer(ba)
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    buf.close()
    return bytes(ba.data())


def sc_png30(ad, start_ts, n=30):
    r = _launch(ad, start_ts, 10_000)
    png = _png_bytes()
    _send_file(ad, "_b", base64.b64encode(png).decode("ascii"), 2)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    dt = ad.run_cell("from IPython.display import display\n"
                     f"for _ in range({n}): display({{'image/png': _b}}, raw=True)",
                     3, timeout=120)
    r.update(value=dt, unit="s", png_bytes=len(png))
    return r


def sc_export10k(ad, start_ts, lines=10_000, figures=30):
    """Export a session of 10,000 lines and 30 PNG figures to one HTML file
    (figures inline).  Both consoles keep the whole session (scrollback 20,000)."""
    r = _launch(ad, start_ts, 20_000)
    png = _png_bytes()
    _send_file(ad, "_b", base64.b64encode(png).decode("ascii"), 2)
    per = lines // figures
    ad.run_cell("from IPython.display import display\n"
                f"for k in range({figures}):\n"
                f"    print('\\n'.join(f'line {{k * {per} + i}} of the session, some text' "
                f"for i in range({per})))\n"
                "    display({'image/png': _b}, raw=True)", 3, timeout=300)
    ad.settle()
    fd, out = tempfile.mkstemp(suffix=".html", prefix="embedcon-bench-export-")
    os.close(fd)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    try:
        t0 = time.perf_counter()
        ad.export_html(out)
        dt = time.perf_counter() - t0
        size = os.path.getsize(out)
        with open(out, encoding="utf-8") as f:
            text = f.read()
    finally:
        os.unlink(out)
        folder = os.path.splitext(out)[0] + "_files"
        if os.path.isdir(folder):
            import shutil
            shutil.rmtree(folder)
    if text.count("data:image/png;base64,") < figures or f"line {per * figures - 1} " not in text:
        r["error"] = "the export lacks figures or lines"
    r.update(value=dt, unit="s", html_bytes=size)
    return r


def _svg_text(points=400) -> str:
    """A line plot as a plotting library writes it: axes, ticks, labels, a path."""
    import math

    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="460" height="345" '
             'viewBox="0 0 460 345"><rect width="460" height="345" fill="white"/>',
             '<g stroke="black" stroke-width="0.8" fill="none">'
             '<path d="M 57 307 L 414 307 M 57 307 L 57 41"/></g>']
    for i in range(9):
        x = 57 + i * 44.6
        parts.append(f'<path d="M {x:.2f} 307 L {x:.2f} 310.5" stroke="black"/>'
                     f'<text x="{x:.2f}" y="322" font-size="10" text-anchor="middle">{i}</text>')
    pts = " L ".join(f"{57 + 357 * k / points:.2f} {174 - 120 * math.sin(k / 25):.2f}"
                     for k in range(points))
    parts.append(f'<path d="M {pts}" stroke="#1f77b4" stroke-width="1.5" fill="none"/>')
    parts.append('<text x="235" y="30" font-size="12" text-anchor="middle">sin(x)</text></svg>')
    return "".join(parts)


def sc_svg30(ad, start_ts, n=30):
    r = _launch(ad, start_ts, 10_000)
    svg = _svg_text()
    _send_file(ad, "_s", svg, 2)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    dt = ad.run_cell("from IPython.display import display\n"
                     f"for _ in range({n}): display({{'image/svg+xml': _s}}, raw=True)",
                     3, timeout=120, extra=ad.rich_done)
    r.update(value=dt, unit="s", svg_chars=len(svg))
    return r


def _dataframe_html(rows=1000, cols=10):
    """(HTML, text) of a rows×cols table as pandas writes them (no pandas needed)."""
    head = "".join(f"<th>col{j}</th>" for j in range(cols))
    body = "".join(f"<tr><th>{i}</th>" + "".join(f"<td>{(i * 7 + j * 13) % 1000 / 7:.6f}</td>"
                                                  for j in range(cols)) + "</tr>\n"
                   for i in range(rows))
    html = ('<div><style scoped>.dataframe tbody tr th {vertical-align: top;}</style>'
            '<table border="1" class="dataframe"><thead><tr style="text-align: right;"><th></th>'
            f"{head}</tr></thead><tbody>\n{body}</tbody></table>"
            f"<p>{rows} rows × {cols} columns</p></div>")
    lines = ["      " + "".join(f"{'col' + str(j):>12}" for j in range(cols))]
    lines += [f"{i:<6}" + "".join(f"{(i * 7 + j * 13) % 1000 / 7:>12.6f}" for j in range(cols))
              for i in range(rows)]
    lines.append(f"[{rows} rows x {cols} columns]")
    return html, "\n".join(lines)


def sc_html1000(ad, start_ts):
    r = _launch(ad, start_ts, 10_000)
    html, text = _dataframe_html()
    _send_file(ad, "_h", html, 2)
    _send_file(ad, "_t", text, 3)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    stalls = StallSpy(10).start()
    # shown: embedcon's table built and painted; qtconsole's text form (it draws
    # no HTML) down to its last line
    dt = ad.run_cell("display({'text/html': _h, 'text/plain': _t}, raw=True)", 4, timeout=120,
                     extra=lambda: ad.rich_done() and ad.text_or_rich_shown("10 columns"))
    r.update(value=stalls.stop(), unit="ms longest stall", time_to_shown_s=dt,
             html_chars=len(html))
    return r


def sc_update200(ad, start_ts, n=200):
    r = _launch(ad, start_ts, 10_000)
    ad.needs_update_display()
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    stalls = StallSpy(10).start()
    dt = ad.run_cell("from IPython.display import display\n"
                     "_h = display('update 0', display_id=True)\n"
                     f"for _i in range({n}): _h.update(f'update {{_i + 1}}')",
                     2, timeout=120, extra=lambda: ad.text_or_rich_shown(f"update {n}"))
    r.update(value=dt, unit="s", longest_stall_ms=stalls.stop())
    return r
