"""Output scenarios: start-up, floods, huge lines, cells, ANSI shapes, stalls, memory.

Standard library and qtpy only, like ``_harness`` (both consoles import it).
"""

from __future__ import annotations

import gc
import time

from _harness import PaintSpy, StallSpy, _last_line_is, _launch, emit, proc_status


def sc_startup(ad, start_ts, inprocess=False):
    r = _launch(ad, start_ts, 10_000, inprocess=inprocess)
    r["value"] = r["first_prompt_s"]
    r["unit"] = "s"
    return r


def sc_print(ad, start_ts, buffer_size, n=100_000, server=False):
    r = _launch(ad, start_ts, buffer_size, server=server)
    rss0 = proc_status("VmRSS")
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    c0 = time.process_time()
    dt = ad.run_cell(f"for i in range({n}): print(i)", 2, timeout=300,
                     extra=_last_line_is(ad, str(n - 1)))
    r.update(value=dt, unit="s", blocks=ad.doc.blockCount(), rss_before_mib=rss0,
             cpu_s_during=time.process_time() - c0,
             rss_end_mib=proc_status("VmRSS"))
    return r


def sc_line5mb(ad, start_ts):
    r = _launch(ad, start_ts, 10_000)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})

    def has_x():
        return any("xxxxxxxx" in t for t in ad.last_blocks(4)[1:])
    dt = ad.run_cell("print('x' * 5_000_000)", 2, timeout=600, extra=has_x)
    r.update(value=dt, unit="s")
    return r


def sc_cells200(ad, start_ts, n=200, server=False):
    r = _launch(ad, start_ts, 10_000, server=server)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    times = []
    spy = PaintSpy(ad)
    c0, g0 = time.process_time(), time.thread_time()
    for k in range(1, n + 1):
        out = f"Out[{k}]: 2"

        def has_out(out=out):
            return any(t.startswith(out) for t in ad.last_blocks(4)[1:])
        times.append(ad.run_cell("1+1", k + 1, timeout=30, extra=has_out))
    cpu, gui_cpu = time.process_time() - c0, time.thread_time() - g0
    times_sorted = sorted(times)
    r.update(value=times_sorted[len(times) // 2] * 1000, unit="ms", total_s=sum(times),
             cpu_per_cell_ms=cpu / n * 1000, gui_thread_cpu_per_cell_ms=gui_cpu / n * 1000,
             **{k: v / n if k != "median_paint_height_px" else v
                for k, v in spy.stop().items() if v is not None},
             p90_ms=times_sorted[int(len(times) * 0.9)] * 1000)
    return r


def sc_sgr20k(ad, start_ts, n=20_000):
    r = _launch(ad, start_ts, 10_000)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    code = (f"for i in range({n}): print(f'\\x1b[31m{{i}} \\x1b[32mgreen \\x1b[1;33myellow "
            f"\\x1b[34mblue \\x1b[35mmagenta\\x1b[0m')")

    def last_ok():
        return any(t.startswith(str(n - 1) + " ") and "magenta" in t for t in ad.last_blocks(6)[1:])
    dt = ad.run_cell(code, 2, timeout=300, extra=last_ok)
    r.update(value=dt, unit="s")
    return r


# Terminal output in the shapes real tools print (issue 17): 20,000 lines each,
# both consoles at the same scrollback (10,000 blocks).  The kernel code builds
# each line from escapes only, so the kernel's cost is the same on both sides.
ANSI_SHAPES = {
    # a reset after every span, with background colours (pytest, rich, ls --color)
    "ansi-resets": (
        "for i in range({n}): print(f'\\x1b[31;47m{{i}}\\x1b[0m \\x1b[32;40mgreen\\x1b[0m "
        "\\x1b[1;33;44myellow\\x1b[0m \\x1b[34;43mblue\\x1b[0m \\x1b[35;42mmagenta\\x1b[0m end')"),
    # 256-colour and 24-bit foregrounds and backgrounds
    "ansi-256": (
        "for i in range({n}): print(f'\\x1b[38;5;{{i % 256}}m{{i}}\\x1b[0m "
        "\\x1b[38;2;{{i % 256}};{{(i * 7) % 256}};{{(i * 13) % 256}}mtrue\\x1b[0m "
        "\\x1b[48;5;{{(i * 3) % 256}}mback\\x1b[0m "
        "\\x1b[48;2;30;{{i % 200}};60;38;5;231mboth\\x1b[0m end')"),
    # bold, underline, italic and inverse toggled on and off inside the line
    "ansi-toggles": (
        "for i in range({n}): print(f'{{i}} \\x1b[1mbold\\x1b[22m plain \\x1b[4munder\\x1b[24m "
        "\\x1b[3mitalic\\x1b[23m \\x1b[7minverse\\x1b[27m \\x1b[1;4;31mall\\x1b[22;24;39m end')"),
    # a coloured progress bar rewriting its line with \r, a new line every 20
    # updates (tqdm, pip): 20,000 updates, 1,000 lines
    "ansi-progress": (
        "for i in range({n}): print(f'\\r\\x1b[32m{{\"#\" * (i % 20 + 1):<20}}\\x1b[0m "
        "{{i:>6}} it \\x1b[2m[{{i % 20 * 5:>3}}%]\\x1b[22m end', end='\\n' if i % 20 == 19 "
        "else '', flush=i % 200 == 0)"),
}


def sc_ansi_shape(ad, start_ts, shape, n=20_000):
    """Time until the last line is visible, and the longest GUI stall meanwhile."""
    r = _launch(ad, start_ts, 10_000)
    code = ANSI_SHAPES[shape].format(n=n)
    last = str(n - 1)

    def last_ok():
        return any(last in t and t.rstrip().endswith("end") for t in ad.last_blocks(6)[1:])
    spy = StallSpy(10)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    spy.start()
    try:
        dt = ad.run_cell(code, 2, timeout=300, extra=last_ok)
    finally:
        stall = spy.stop()
    r.update(value=dt, unit="s", longest_stall_ms=stall)
    return r


def sc_stall1m(ad, start_ts, n=1_000_000):
    r = _launch(ad, start_ts, 10_000)
    spy = StallSpy(10)
    # Python's full (generation 2) collections stop the GUI thread too: count
    # them and their length, to tell them from the console's own stalls
    full_gc, gc_start = [], []

    def on_gc(phase, info):
        if info.get("generation") == 2:
            if phase == "start":
                gc_start[:] = [time.perf_counter()]
            elif gc_start:
                full_gc.append(time.perf_counter() - gc_start[0])
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    gc.callbacks.append(on_gc)
    spy.start()
    try:
        dt = ad.run_cell(f"for i in range({n}): print(i)", 2, timeout=600,
                         extra=_last_line_is(ad, str(n - 1)))
    finally:
        spy.stop()
        gc.callbacks.remove(on_gc)
    gaps = sorted(spy.gaps())
    r.update(value=gaps[-1] * 1000, unit="ms max gap",
             total_s=dt, ticks=len(spy.ticks),
             p99_gap_ms=gaps[int(len(gaps) * 0.99)] * 1000 if gaps else float("nan"),
             gaps_over_30ms=sum(1 for g in gaps if g > 0.030),
             full_gcs=len(full_gc), longest_full_gc_ms=max(full_gc, default=0.0) * 1000)
    return r


def sc_rss500(ad, start_ts, cells=500, lines=2000, warmup=50):
    r = _launch(ad, start_ts, None)  # each console's default scrollback
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    samples = {}
    t0 = time.perf_counter()
    for k in range(1, cells + 1):
        ad.run_cell(f"for i in range({lines}): print(i)", k + 1, timeout=120,
                    extra=_last_line_is(ad, str(lines - 1)))
        if k == warmup or k % 100 == 0:
            gc.collect()
            samples[k] = round(proc_status("VmRSS"), 1)
    r.update(value=samples[cells], unit="MiB RSS at end", rss_after_warmup_mib=samples[warmup],
             rss_samples_mib=samples, total_s=time.perf_counter() - t0,
             buffer_size=ad.default_buffer_size, blocks=ad.doc.blockCount())
    return r
