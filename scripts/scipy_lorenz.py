"""scipy yardstick for BENCHMARKS.md: Lorenz t=0..100, y0=(1,1,1),
solve_ivp(RK45) and DOP853 at rtol 1e-8, atol 1e-10. Median of 5 runs.
Run with Debian's python3 and python3-scipy: /usr/bin/python3 scripts/scipy_lorenz.py"""
import json
import statistics
import time

import numpy as np
from scipy.integrate import solve_ivp


def lorenz(t, u):
    x, y, z = u
    return [10.0 * (y - x), x * (28.0 - z) - y, x * y - 8.0 / 3.0 * z]


for method in ("RK45", "DOP853"):
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        sol = solve_ivp(lorenz, (0.0, 100.0), [1.0, 1.0, 1.0], method=method, rtol=1e-8, atol=1e-10)
        times.append(time.perf_counter() - t0)
    steps = len(sol.t) - 1
    med = statistics.median(times)
    print(json.dumps({"bench": "scipy_solve_ivp", "method": method, "wall_s_median": med,
                      "steps": steps, "nfev": int(sol.nfev), "ns_per_step": med / steps * 1e9,
                      "numpy": np.__version__}))
