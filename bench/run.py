"""Benchmarks: call overhead and import time, against NumPy and any installed peer.

Run ``python bench/run.py`` (one thread is forced for fairness). Each row gives the
median time per call of our function, of the same computation in plain NumPy, and of
PyTensor / JAX when installed, with ratios (peer time / our time: above 1 is faster).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import importlib.util
import statistics
import subprocess
import sys
import timeit

import numpy as np


def per_call(fn, *args, budget=0.2, repeat=7):
    """Median seconds per call of ``fn(*args)`` over ``repeat`` timing runs."""
    timer = timeit.Timer(lambda: fn(*args))
    number, _ = timer.autorange()
    number = max(1, int(number * budget / 0.2))
    return statistics.median(t / number for t in timer.repeat(repeat, number))


def import_time(module: str, runs: int = 7) -> float:
    """Median wall time of ``import module`` in a fresh interpreter."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)  # fmt: skip
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def _installed(name):
    return importlib.util.find_spec(name) is not None


# ------------------------------------------------------------------------ workloads


def call_overhead(trust_input: bool, shape):
    """``function([x], x + 1)`` on a float64 array of ``shape``."""
    import theano
    import theano.tensor as T

    x = T.TensorType("float64", (False,) * len(shape))("x")
    f = theano.function([x], x + 1)
    f.trust_input = trust_input
    value = np.ones(shape)
    row = {"ours": per_call(f, value), "numpy": per_call(np.add, value, 1)}
    if _installed("pytensor"):
        import pytensor
        import pytensor.tensor as pt

        px = pt.tensor("x", dtype="float64", shape=(None,) * len(shape))
        pf = pytensor.function([px], px + 1)
        pf.trust_input = trust_input
        row["pytensor"] = per_call(pf, value)
    if _installed("jax"):
        import jax

        jf = jax.jit(lambda a: a + 1)
        jv = jax.numpy.asarray(value)
        jf(jv).block_until_ready()
        row["jax"] = per_call(lambda a: jf(a).block_until_ready(), jv)
    return row


WORKLOADS = {
    "call x+1, float64 scalar": lambda: call_overhead(False, ()),
    "call x+1, float64 scalar, trust_input": lambda: call_overhead(True, ()),
    "call x+1, 10-vector": lambda: call_overhead(False, (10,)),
    "call x+1, 10-vector, trust_input": lambda: call_overhead(True, (10,)),
}


def _fmt_time(seconds):
    if seconds >= 1e-3:
        return f"{seconds * 1e3:8.2f} ms"
    return f"{seconds * 1e6:8.2f} us"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-k", default="", help="only workloads whose name contains this")
    args = parser.parse_args(argv)
    peers = [p for p in ("pytensor", "jax") if _installed(p)]
    cols = ["ours", "numpy", *peers]
    header = f"{'workload':42} " + " ".join(f"{c:>11}" for c in cols)
    header += " " + " ".join(f"{c + '/ours':>14}" for c in cols[1:])
    print(header)
    print("-" * len(header))
    for name, run in WORKLOADS.items():
        if args.k not in name:
            continue
        row = run()
        times = " ".join(f"{_fmt_time(row[c]) if c in row else '-':>11}" for c in cols)
        ratios = " ".join(
            f"{row[c] / row['ours']:14.2f}" if c in row else f"{'-':>14}" for c in cols[1:]
        )
        print(f"{name:42} {times} {ratios}")
    if args.k in "import theano":
        ours = import_time("theano")
        line = f"{'import theano (fresh interpreter)':42} {_fmt_time(ours):>11}"
        numpy_t = import_time("numpy")
        line += f" {_fmt_time(numpy_t):>11}"
        for p in peers:
            line += f" {_fmt_time(import_time(p)):>11}"
        print(line)


if __name__ == "__main__":
    main()
