#!/usr/bin/env python
"""Profile one benchmark scenario's GUI thread with cProfile.

    python benchmarks/profile_scenario.py SCENARIO [--console embedcon|qtconsole] [--top 25]

Runs the scenario once, exactly as run.py does, with cProfile on from the start
of the timed part (from process start for the start-up scenarios), then prints
the scenario's result and the top functions by own time and by cumulative time.
The stats are kept in benchmarks/results/SCENARIO-CONSOLE.prof.
"""

from __future__ import annotations

import argparse
import os
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=list(run.SCENARIOS))
    ap.add_argument("--console", default="embedcon", choices=("embedcon", "qtconsole"))
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    run.RESULTS.mkdir(exist_ok=True)
    out = run.RESULTS / f"{args.scenario}-{args.console}.prof"
    if out.exists():
        out.unlink()
    os.environ["BENCH_PROFILE"] = str(out)
    t0 = time.monotonic()
    res = run.run_child(args.console, args.scenario, 60.0 if args.console == "qtconsole" else None)
    print(f"result ({time.monotonic() - t0:.1f} s wall, under cProfile): "
          + ", ".join(f"{k}={v}" for k, v in res.items() if k not in ("traceback",)))
    if not out.exists():
        print("no profile written", file=sys.stderr)
        return 1
    st = pstats.Stats(str(out))
    total = st.total_tt
    print(f"\nprofiled GUI-thread time: {total:.3f} s\n")
    for key, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
        print(f"--- top {args.top} by {title} (% of profiled time) ---")
        rows = []
        for func, (cc, nc, tt, ct, _callers) in st.stats.items():
            rows.append((tt if key == "tottime" else ct, tt, ct, nc, func))
        rows.sort(reverse=True)
        for _v, tt, ct, nc, (fn, line, name) in rows[:args.top]:
            short = fn.split("site-packages/")[-1].replace(str(run.ROOT) + "/", "")
            print(f"{100 * tt / total:6.1f}% own {100 * ct / total:6.1f}% cum {nc:9d}  "
                  f"{short}:{line}({name})")
        print()
    print(f"stats: {out.relative_to(run.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
