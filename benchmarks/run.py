#!/usr/bin/env python
"""Compare embedcon with qtconsole, side by side, in one command.

    python benchmarks/run.py [--runs N] [--scenarios a,b] [--cap 60]

* creates ``benchmarks/.peer-env`` (qtconsole and its Qt, pinned) when missing;
* creates ``benchmarks/.embedcon-env`` (the same pinned packages, without
  qtconsole, and this checkout of embedcon on its path) when missing;
* runs each scenario in a fresh process per run, alternating embedcon and
  qtconsole (A B A B ...), N runs; each console with its own environment's
  Python (and so each one's kernel too);
* measures the floors (bare jupyter_client round trip, IOPub drain, an in-process
  kernel started with no widget) in each run;
* prints a markdown table (medians, median of per-pair ratios, peak RSS,
  targets, pass/fail) and writes everything as JSON to ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as _dt
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEER_ENV = HERE / ".peer-env"
OWN_ENV = HERE / ".embedcon-env"
RESULTS = HERE / "results"

# What both benchmark environments get.  Versions match the project
# environment so that the kernels (ipykernel/IPython) and Qt are the same on
# both sides.
SHARED_PACKAGES = [
    "PyQt6==6.11.0",
    "PyQt6-Qt6==6.11.2",
    "ipykernel==7.4.0",
    "ipython==8.12.3",
    "jupyter_client==8.10.0",
    "pyzmq==27.3.0",
    "QtPy==2.4.3",
    "traitlets==5.15.0",
    "tornado==6.6.1",
    "Pygments==2.20.0",
]
PEER_PACKAGES = ["qtconsole==5.7.2", *SHARED_PACKAGES]

# scenario -> description, target and how it is judged
SCENARIOS = {
    "startup": dict(title="start-up → first prompt, subprocess kernel", kind="ratio", max=0.6),
    "startup-compat": dict(title="start-up → first prompt, subprocess kernel, qtconsole-style API "
                                 "(QtKernelManager + RichJupyterWidget)", kind="ratio", max=0.6),
    "startup-inprocess": dict(title="start-up → first prompt, in-process kernel", kind="ratio",
                              max=0.6, floor_key="inprocess_start_s"),
    "print100k": dict(title="100k lines printed, scrollback 10,000", kind="ratio", max=1.0,
                      floor_factor=1.1),
    "print100k-unlimited": dict(title="100k lines, unlimited scrollback", kind="ratio", max=0.25,
                                mem_max=0.5),
    "line5mb": dict(title="one 5 MB line, no newlines", kind="abs", max=1.0, capped=True),
    "cells200": dict(title="200 × `1+1`, per cell until Out[n] visible", kind="ratio", max=0.4),
    "keystroke": dict(title="CPU per keystroke, 500-line input", kind="ratio", max=0.4),
    "png30": dict(title="30 PNG figures 400×300", kind="ratio", max=0.7),
    "sgr20k": dict(title="20k lines × 5 SGR colour codes", kind="ratio", max=0.4),
    "export10k": dict(title="export to HTML: 10,000 lines + 30 PNG figures", kind="ratio",
                      max=0.5),
    "ansi-resets": dict(title="20k lines, reset after every span, backgrounds", kind="ratio",
                        max=0.4),
    "ansi-256": dict(title="20k lines, 256-colour and 24-bit fg/bg", kind="ratio", max=0.4),
    "ansi-toggles": dict(title="20k lines, bold/underline/italic/inverse on and off",
                         kind="ratio", max=0.4),
    "ansi-progress": dict(title="20k coloured progress-bar updates rewritten with \\r",
                          kind="ratio", max=0.4),
    "stall1m": dict(title="longest GUI stall, 1M-line flood", kind="abs", max=30.0),
    "rss500": dict(title="RSS after 500 cells × 2000 lines (default scrollbacks)", kind="ratio",
                   max=1.0),
    "app-newtab": dict(title="app: new tab on a new kernel → a cell's output (spare kernel)",
                       kind="abs", max=0.15),
    "app-restart": dict(title="app: restart the kernel → a cell's output", kind="abs", max=0.15),
    "app-sametab": dict(title="app: new tab on the same kernel → a cell's output", kind="abs",
                        max=0.15),
    "app-tabs10": dict(title="app: memory with 10 tabs on 10 kernels (frontend + kernels)",
                       kind="ratio", max=1.5),
    "app-widget-restart": dict(title="host widget (compat API; embedcon spare_kernels=True): "
                                     "restart → a cell's output", kind="abs", max=0.15),
    "paste1mb": dict(title="Ctrl+V of 1 MB copied from a session (prompts included)",
                     kind="ratio", max=0.5),
    "complete5k": dict(title="Tab → 5,000 completions shown (droplist)", kind="ratio", max=0.5),
    "rsearch10k": dict(title="Ctrl+R over 10,000 history entries, CPU per key", kind="abs",
                       max=5.0),
    "histup10k": dict(title="Up-key prefix search, 10,000 history entries, CPU per key",
                      kind="ratio", max=0.5),
    "calltip": dict(title="call tip round trip, `print(` → tip shown", kind="ratio", max=0.5),
    "svg30": dict(title="30 SVG figures (line plots, 19 KB each)", kind="ratio", max=0.7),
    "html1000": dict(title="1,000×10 DataFrame as HTML: longest GUI stall until shown "
                           "(qtconsole shows its text form)", kind="abs", max=200.0),
    "update200": dict(title="200 in-place updates of one display until the last shows",
                      kind="abs", max=2.0),
    # through a Jupyter Server: no peer has this; judged against a bare
    # WebSocket client that only drains (server_floors.py)
    "server-cells200": dict(title="200 × `1+1` through a Jupyter Server, per cell", kind="floor",
                            floor_key="server_rtt_idle_ms", max=2.0),
    "server-print100k": dict(title="100k lines through a Jupyter Server, scrollback 10,000",
                             kind="floor", floor_key="server_drain100k_s", max=1.5),
}
# secondary measurements shown under the table (medians over runs)
DETAILS = {
    "startup": ["imports_s"],
    "startup-compat": ["imports_s"],
    "startup-inprocess": ["imports_s"],
    "print100k": ["cpu_s_during", "rss_end_mib"],
    "print100k-unlimited": ["cpu_s_during", "rss_before_mib", "rss_end_mib"],
    "cells200": ["p90_ms", "cpu_per_cell_ms", "gui_thread_cpu_per_cell_ms", "paints",
                 "full_viewport_paints"],
    "keystroke": ["wall_per_key_ms", "gui_thread_cpu_per_key_ms", "full_viewport_paints",
                  "median_paint_height_px"],
    "png30": [],
    "sgr20k": [],
    "export10k": ["html_bytes"],
    "ansi-resets": ["longest_stall_ms"],
    "ansi-256": ["longest_stall_ms"],
    "ansi-toggles": ["longest_stall_ms"],
    "ansi-progress": ["longest_stall_ms"],
    "stall1m": ["total_s", "p99_gap_ms", "gaps_over_30ms", "full_gcs", "longest_full_gc_ms"],
    "rss500": ["rss_after_warmup_mib", "buffer_size", "total_s"],
    "app-newtab": [],
    "app-restart": [],
    "app-sametab": [],
    "app-tabs10": ["frontend_mib", "kernels_mib", "kernel_processes"],
    "app-widget-restart": [],
    "paste1mb": ["longest_stall_ms", "paste_cpu_s", "document_blocks"],
    "complete5k": ["longest_stall_ms", "cpu_ms", "kernel_ms", "transit_ms", "gui_ms",
                   "frontend_ms", "frontend_max_ms", "floor_complete_ms"],
    "rsearch10k": ["gui_thread_cpu_per_key_ms", "wall_per_key_ms", "longest_stall_ms"],
    "histup10k": ["gui_thread_cpu_per_key_ms", "wall_per_key_ms"],
    "calltip": ["max_ms", "kernel_ms", "transit_ms", "gui_ms", "frontend_ms", "frontend_max_ms",
                "floor_inspect_ms"],
    "svg30": [],
    "html1000": ["time_to_shown_s"],
    "update200": ["longest_stall_ms"],
    "server-cells200": ["p90_ms", "cpu_per_cell_ms", "gui_thread_cpu_per_cell_ms"],
    "server-print100k": ["cpu_s_during", "rss_end_mib"],
}
SERVER_FLOOR_KEYS = ("server_rtt_reply_ms", "server_rtt_idle_ms", "server_drain100k_s",
                     "server_plain_rtt_idle_ms", "server_plain_drain100k_s")
# hard limit for one child process (seconds), on top of the cap
HARD_TIMEOUT = {"stall1m": 600, "rss500": 900}


# ---------------------------------------------------------------------------
# the two environments
#
# Both consoles run from a fresh venv made here, with the same pinned packages,
# so that neither pays for what the other's interpreter happens to load at
# start-up.  (This project's interpreter may be a shared one: on the machine
# the numbers in docs/performance.md come from, its site-packages has .pth
# files that import certifi and an editable-install finder, and every process
# it starts, the kernel's included, took 40-60 ms to reach its first line
# against 10 ms for the venv's.)  embedcon comes from this checkout: the venv
# gets a plain path entry for it, no install, so it always runs the current code.
def peer_python() -> Path:
    return PEER_ENV / "bin" / "python"


def own_python() -> Path:
    return OWN_ENV / "bin" / "python"


def _ensure_env(env: Path, packages: list[str], check: str, what: str, log) -> None:
    py = env / "bin" / "python"
    if py.exists():
        ok = subprocess.run([str(py), "-c", check], capture_output=True).returncode == 0
        if ok:
            return
        log(f"{what} incomplete; reinstalling its packages")
    else:
        log(f"creating {what} {env} ...")
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    subprocess.run([str(py), "-m", "pip", "install", "-q", *packages], check=True)


def ensure_peer_env(log) -> None:
    _ensure_env(PEER_ENV, PEER_PACKAGES, "import qtconsole, PyQt6, ipykernel",
                "the peer environment (qtconsole 5.7.2)", log)


def ensure_own_env(log) -> None:
    _ensure_env(OWN_ENV, SHARED_PACKAGES, "import qtpy, PyQt6, ipykernel",
                "embedcon's benchmark environment", log)
    site = subprocess.run([str(own_python()), "-c", "import sysconfig; "
                           "print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    pth = Path(site) / "embedcon-checkout.pth"
    if not pth.exists() or pth.read_text().strip() != str(ROOT):
        pth.write_text(str(ROOT) + "\n")


def peer_versions() -> dict:
    code = ("import json, qtconsole, ipykernel, jupyter_client; from PyQt6.QtCore import "
            "PYQT_VERSION_STR, QT_VERSION_STR; print(json.dumps({'qtconsole': "
            "qtconsole.__version__, 'ipykernel': ipykernel.__version__, 'jupyter_client': "
            "jupyter_client.__version__, 'PyQt6': PYQT_VERSION_STR, 'Qt': QT_VERSION_STR}))")
    out = subprocess.run([str(peer_python()), "-c", code], capture_output=True, text=True)
    try:
        return json.loads(out.stdout)
    except ValueError:
        return {"error": out.stderr[-500:]}


def own_versions() -> dict:
    code = ("import json, platform, embedcon, ipykernel, jupyter_client; from PyQt6.QtCore "
            "import PYQT_VERSION_STR, QT_VERSION_STR; print(json.dumps({'embedcon': "
            "getattr(embedcon, '__version__', '?'), 'embedcon_path': embedcon.__file__, "
            "'ipykernel': ipykernel.__version__, 'jupyter_client': jupyter_client.__version__, "
            "'PyQt6': PYQT_VERSION_STR, 'Qt': QT_VERSION_STR, "
            "'python': platform.python_version()}))")
    out = subprocess.run([str(own_python()), "-c", code], capture_output=True, text=True)
    try:
        versions = json.loads(out.stdout)
    except ValueError:
        versions = {"error": out.stderr[-500:]}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    versions["commit"] = commit + ("+dirty" if dirty else "")
    return versions


# ---------------------------------------------------------------------------
# running one child
def child_env() -> dict:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("PYTHONPATH", None)
    return env


def _kill(pid) -> None:
    if not pid:
        return
    try:
        os.kill(int(pid), signal.SIGKILL)
    except (ProcessLookupError, PermissionError, ValueError):
        pass


SERVER_ENV: dict = {}  # the Jupyter Server's URL and token, for server scenarios


def run_child(console: str, scenario: str, cap: float | None) -> dict:
    """Run one scenario in a fresh process; returns its result dict."""
    script = HERE / f"scenarios_{console}.py"
    py = str(own_python() if console == "embedcon" else peer_python())
    hard = HARD_TIMEOUT.get(scenario, 300) + (cap or 0)
    err = tempfile.TemporaryFile(mode="w+")
    start_ts = time.time()
    proc = subprocess.Popen([py, str(script), scenario, repr(start_ts)], cwd=str(HERE),
                            stdout=subprocess.PIPE, stderr=err, text=True,
                            env={**child_env(), **SERVER_ENV})
    state = {"result": None, "started": None, "kernel_pid": None}

    def reader():
        for line in proc.stdout:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if obj.get("event") == "start":
                state["started"] = time.monotonic()
                state["kernel_pid"] = obj.get("kernel_pid")
            elif "result" in obj:
                state["result"] = obj["result"]

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    t_launch = time.monotonic()
    capped = timed_out = False
    while proc.poll() is None:
        now = time.monotonic()
        if cap and state["started"] and now - state["started"] > cap:
            capped = True
            break
        if now - t_launch > hard:
            timed_out = True
            break
        time.sleep(0.05)
    if capped or timed_out:
        _kill(state["kernel_pid"])
        _kill(proc.pid)
    proc.wait()
    th.join(timeout=5)
    res = state["result"]
    if res is None:
        err.seek(0)
        tail = err.read()[-1500:]
        res = {"scenario": scenario, "console": console}
        if capped:
            res.update(capped=True, value=None, cap_s=cap)
        else:
            res["error"] = ("timed out after %d s" % hard if timed_out else
                            f"exited {proc.returncode} without a result") + "\n" + tail
    err.close()
    return res


def run_floors(script: str = "floors.py") -> dict:
    out = subprocess.run([str(own_python()), str(HERE / script)], capture_output=True,
                         text=True, env={**child_env(), **SERVER_ENV}, timeout=300)
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    return {"error": out.stderr[-1500:]}


# ---------------------------------------------------------------------------
# summary
def _med(xs):
    xs = [x for x in xs if isinstance(x, (int, float))]
    return statistics.median(xs) if xs else None


def summarise(scenario: str, runs: list[dict], floors: list[dict], cap: float | None) -> dict:
    spec = SCENARIOS[scenario]
    e_vals = [r["embedcon"].get("value") if r.get("embedcon") else None for r in runs]
    q_vals = [r["qtconsole"].get("value") if r.get("qtconsole") else None for r in runs]
    q_capped = [bool(r.get("qtconsole", {}).get("capped")) for r in runs]
    ratios, ratio_upper = [], False
    for e, q, c in zip(e_vals, q_vals, q_capped):
        if isinstance(e, (int, float)) and c and cap:
            ratios.append(e / cap)
            ratio_upper = True
        elif isinstance(e, (int, float)) and isinstance(q, (int, float)) and q > 0:
            ratios.append(e / q)
    s = {
        "scenario": scenario, "title": spec["title"],
        "unit": next((r["embedcon"].get("unit") for r in runs
                      if r.get("embedcon") and r["embedcon"].get("unit")),
                     next((r["qtconsole"].get("unit") for r in runs
                           if r.get("qtconsole") and r["qtconsole"].get("unit")), "")),
        "embedcon": _med(e_vals), "qtconsole": _med(q_vals),
        "qtconsole_capped": any(q_capped), "ratio": _med(ratios), "ratio_is_upper_bound": ratio_upper,
        "ratios": ratios,
        "embedcon_peak_rss_mib": _med([r.get("embedcon", {}).get("peak_rss_mib") for r in runs]),
        "qtconsole_peak_rss_mib": _med([r.get("qtconsole", {}).get("peak_rss_mib") for r in runs]),
        "errors": sorted({f"{c}: {r[c].get('error') or r[c].get('not_available')}".splitlines()[0]
                          for r in runs for c in ("embedcon", "qtconsole")
                          if r.get(c) and (r[c].get("error") or r[c].get("not_available"))}),
    }
    if q_capped and all(q_capped) and not any(isinstance(q, (int, float)) for q in q_vals):
        s["qtconsole"] = None
    # memory ratio (peak RSS) where there is a memory target, and always informative
    mem_r = []
    for r in runs:
        e, q = r.get("embedcon", {}).get("peak_rss_mib"), r.get("qtconsole", {}).get("peak_rss_mib")
        if isinstance(e, (int, float)) and isinstance(q, (int, float)) and q > 0 \
                and not r.get("qtconsole", {}).get("capped"):
            mem_r.append(e / q)
    s["mem_ratio"] = _med(mem_r)
    # verdict
    verdict, why = None, []
    if s["embedcon"] is not None:
        if spec["kind"] == "ratio" and s["ratio"] is not None:
            verdict = s["ratio"] <= spec["max"]
            why.append(f"ratio ≤ {spec['max']}")
            if "mem_max" in spec:
                ok = s["mem_ratio"] is not None and s["mem_ratio"] <= spec["mem_max"]
                verdict = verdict and ok
                why.append(f"memory ≤ {spec['mem_max']}")
            if "floor_factor" in spec:
                fl = _med([f.get("drain100k_s") for f in floors])
                if fl:
                    s["vs_floor"] = s["embedcon"] / fl
                    verdict = verdict and s["vs_floor"] <= spec["floor_factor"]
                why.append(f"≤ {spec['floor_factor']}× drain floor")
            elif "floor_key" in spec:  # shown, not judged: how near the floor, the best ratio
                fl = _med([f.get(spec["floor_key"]) for f in floors])
                if fl:
                    s["vs_floor"] = s["embedcon"] / fl
                    if s["qtconsole"]:
                        s["floor_ratio"] = fl / s["qtconsole"]
        elif spec["kind"] == "floor":  # no peer: judged against the floor
            fl = _med([f.get(spec["floor_key"]) for f in floors])
            if fl:
                s["vs_floor"] = s["embedcon"] / fl
                verdict = s["vs_floor"] <= spec["max"]
            why.append(f"≤ {spec['max']}× floor")
        elif spec["kind"] == "abs":
            verdict = s["embedcon"] <= spec["max"]
            why.append(f"≤ {spec['max']:g} {s['unit'].split()[0]}")
    s["details"] = {}
    for key in DETAILS.get(scenario, []):
        s["details"][key] = {c: _med([r.get(c, {}).get(key) for r in runs])
                             for c in ("embedcon", "qtconsole")}
    s["pass"] = verdict
    s["target"] = ", ".join(why) or (f"ratio ≤ {spec['max']}" if spec["kind"] == "ratio" else
                                     f"≤ {spec['max']:g}")
    return s


def _fmt(v, unit=""):
    if v is None:
        return "n/a"
    if unit == "s":
        return f"{v:.3f} s" if v < 10 else f"{v:.1f} s"
    if unit.startswith("ms"):
        return f"{v:.2f} ms" if v < 100 else f"{v:.0f} ms"
    if unit.startswith("MiB"):
        return f"{v:.0f} MiB"
    return f"{v:.3g}"


def markdown(summary: list[dict], floors: dict, cap) -> str:
    lines = [
        "| scenario | embedcon | qtconsole | ratio e/q (median of pairs) | peak RSS e / q (MiB) "
        "| target | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        unit = s["unit"]
        e = _fmt(s["embedcon"], unit)
        if s["qtconsole_capped"] and s["qtconsole"] is None:
            q = f"> {cap:g} s (capped)"
        else:
            q = _fmt(s["qtconsole"], unit) + (" (some runs capped)" if s["qtconsole_capped"] else "")
        r = "n/a" if s["ratio"] is None else (("< " if s["ratio_is_upper_bound"] else "") +
                                              (f"{s['ratio']:.2f}" if s["ratio"] >= 0.01
                                               else f"{s['ratio']:.1g}"))
        if "floor_ratio" in s:
            r += f" ({s['vs_floor']:.2f}× floor; floor/qtconsole {s['floor_ratio']:.2f})"
        elif "vs_floor" in s:
            r += f" ({s['vs_floor']:.2f}× floor)"
        rss = " / ".join("n/a" if v is None else f"{v:.0f}"
                         for v in (s["embedcon_peak_rss_mib"], s["qtconsole_peak_rss_mib"]))
        if s["scenario"] == "print100k-unlimited" and s["mem_ratio"] is not None:
            rss += f" (ratio {s['mem_ratio']:.2f})"
        verdict = {True: "pass", False: "**FAIL**", None: "n/a"}[s["pass"]]
        title = s["title"] + (f" [{unit}]" if unit and unit not in ("s", "ms") else "")
        lines.append(f"| {title} | {e} | {q} | {r} | {rss} | {s['target']} | {verdict} |")
    lines.append("")
    if floors:
        lines.append("Floors (same run, bare jupyter_client, no widget): "
                     f"`1+1` round trip {_fmt(floors.get('rtt_reply_ms'), 'ms')} to execute_reply, "
                     f"{_fmt(floors.get('rtt_idle_ms'), 'ms')} to IOPub idle; "
                     f"100k lines drained from IOPub {_fmt(floors.get('drain100k_s'), 's')}; "
                     "launch to an in-process kernel answering (qtpy's Qt modules, a QApplication, "
                     "no widget) "
                     f"{_fmt(floors.get('inprocess_start_s'), 's')}.")
    if floors.get("server_rtt_idle_ms") is not None:
        lines.append("Server floors (same run, a bare WebSocket client with no jupyter_client, "
                     "quick ACKs on, through the same Jupyter Server): `1+1` round trip "
                     f"{_fmt(floors.get('server_rtt_reply_ms'), 'ms')} to execute_reply, "
                     f"{_fmt(floors.get('server_rtt_idle_ms'), 'ms')} to IOPub idle; 100k lines "
                     f"drained {_fmt(floors.get('server_drain100k_s'), 's')}. Without quick ACKs "
                     f"(a naive client): {_fmt(floors.get('server_plain_rtt_idle_ms'), 'ms')} "
                     f"and {_fmt(floors.get('server_plain_drain100k_s'), 's')}.")
    det = []
    for s in summary:
        parts = []
        for key, vals in s.get("details", {}).items():
            e, q = vals.get("embedcon"), vals.get("qtconsole")
            if e is None and q is None:
                continue
            f = (lambda v: "n/a" if v is None else f"{v:.3g}")
            parts.append(f"{key} {f(e)} / {f(q)}")
        if parts:
            det.append(f"- {s['scenario']} (embedcon / qtconsole): " + "; ".join(parts))
    if det:
        lines += ["", "Details (medians):", *det]
    errs = [e for s in summary for e in s["errors"]]
    if errs:
        lines.append("")
        lines.append("Problems: " + "; ".join(f"{e}" for e in errs))
    return "\n".join(lines)


# ---------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="runs per scenario and console (default 5)")
    ap.add_argument("--scenarios", default="all",
                    help="comma-separated subset of: " + ", ".join(SCENARIOS))
    ap.add_argument("--cap", type=float, default=60.0,
                    help="time cap (s) for the 5 MB line scenario (default 60)")
    ap.add_argument("--only", choices=("embedcon", "qtconsole"),
                    help="run one console only (no ratios)")
    ap.add_argument("--no-floors", action="store_true", help="skip the floor measurements")
    ap.add_argument("--retry-capped", action="store_true",
                    help="run a capped qtconsole scenario again in every run "
                         "(default: once capped, later runs are reported as capped too)")
    args = ap.parse_args(argv)
    scenarios = list(SCENARIOS) if args.scenarios == "all" else \
        [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        ap.error(f"unknown scenarios: {unknown}; known: {', '.join(SCENARIOS)}")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    consoles = [args.only] if args.only else ["embedcon", "qtconsole"]
    ensure_own_env(log)  # also runs the floors
    if "qtconsole" in consoles:
        ensure_peer_env(log)
    # The peer's packages were byte-compiled by pip; embedcon, installed in
    # editable mode, may not be (PYTHONDONTWRITEBYTECODE), and would then pay
    # for compiling itself in every start-up: compile it once, as pip would.
    compileall.compile_dir(str(ROOT / "embedcon"), quiet=1)
    started = _dt.datetime.now()
    meta = {
        "date": started.isoformat(timespec="seconds"), "command": " ".join(sys.argv),
        "runs": args.runs, "cap_s": args.cap, "cpus": os.cpu_count(),
        "machine": platform.platform(), "loadavg_start": os.getloadavg(),
        "embedcon_env": own_versions(),
        "peer_env": peer_versions() if "qtconsole" in consoles else None,
    }
    server = None
    if any(SCENARIOS[sc]["kind"] == "floor" for sc in scenarios):
        from _jserver import JupyterServerProcess

        log("starting a Jupyter Server for the server scenarios")
        server = JupyterServerProcess()
        SERVER_ENV.update(server.env())
    try:
        return _run_all(args, scenarios, consoles, meta, started, server, log)
    finally:
        if server is not None:
            server.stop()


def _run_all(args, scenarios, consoles, meta, started, server, log) -> int:
    raw: dict[str, list[dict]] = {s: [] for s in scenarios}
    floors: list[dict] = []
    capped_once: set[str] = set()
    t_all = time.monotonic()
    for i in range(args.runs):
        if not args.no_floors:
            log(f"run {i + 1}/{args.runs}: floors")
            floors.append(run_floors())
            if server is not None:
                floors[-1].update(run_floors("server_floors.py"))
        for sc in scenarios:
            pair = {}
            for console in consoles:
                cap = args.cap if SCENARIOS[sc].get("capped") else None
                if console == "qtconsole" and SCENARIOS[sc]["kind"] == "floor":
                    continue  # no peer for this one
                if console == "qtconsole" and sc in capped_once and not args.retry_capped:
                    pair[console] = {"scenario": sc, "console": console, "capped": True,
                                     "value": None, "cap_s": cap, "skipped": True}
                    continue
                t0 = time.monotonic()
                res = run_child(console, sc, cap)
                if res.get("capped") and console == "qtconsole":
                    capped_once.add(sc)
                pair[console] = res
                val = res.get("value")
                log(f"run {i + 1}/{args.runs} {sc:20s} {console:9s} "
                    f"{'capped' if res.get('capped') else _fmt(val, res.get('unit', ''))}"
                    f"  ({time.monotonic() - t0:.1f} s)"
                    + (f"  ERROR {str(res.get('error'))[:300]}" if res.get("error") else "")
                    + (f"  n/a: {res.get('not_available')}" if res.get("not_available") else ""))
            raw[sc].append(pair)
    floors_med = {}
    if floors:
        for k in ("rtt_reply_ms", "rtt_idle_ms", "drain100k_s", "inprocess_start_s",
                  *SERVER_FLOOR_KEYS):
            floors_med[k] = _med([f.get(k) for f in floors])
    summary = [summarise(sc, raw[sc], floors, args.cap) for sc in scenarios]
    meta["elapsed_s"] = time.monotonic() - t_all
    meta["loadavg_end"] = os.getloadavg()
    table = markdown(summary, floors_med, args.cap)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{started.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"meta": meta, "floors": floors, "floors_median": floors_med,
                                "summary": summary, "raw": raw, "table": table}, indent=1))
    print(f"embedcon vs qtconsole {meta['peer_env'].get('qtconsole') if meta['peer_env'] else ''}"
          f" — {meta['date']}, {meta['cpus']} CPUs, {args.runs} runs per scenario, "
          f"{meta['elapsed_s'] / 60:.1f} min; embedcon {meta['embedcon_env']['commit']}\n")
    print(table)
    print(f"\nJSON: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
