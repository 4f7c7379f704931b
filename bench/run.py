"""Benchmarks: call overhead and import time, against NumPy and any installed peer.

Run ``python bench/run.py`` (one thread is forced for fairness). Each row gives the
median time per call of our function, of the same computation in plain NumPy, and of
PyTensor / JAX when installed, with ratios (peer time / our time: above 1 is faster).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
# XLA has its own thread pool; one thread for JAX too.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                      "intra_op_parallelism_threads=1")  # fmt: skip

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
import timeit

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # the bench directory, put on the path just above


def per_call(fn, *args, budget=0.2, repeat=7):
    """Median seconds per call of ``fn(*args)`` over ``repeat`` timing runs."""
    timer = timeit.Timer(lambda: fn(*args))
    number, _ = timer.autorange()
    number = max(1, int(number * budget / 0.2))
    return statistics.median(t / number for t in timer.repeat(repeat, number))


def in_turns(fns, rounds=9):
    """Seconds per call of each zero-argument function, timed in turns, round after
    round: the machine's speed drifts during a run, and times from one round compare
    like with like. Returns one list of times per round."""
    timers = [timeit.Timer(fn) for fn in fns]
    numbers = [max(1, timer.autorange()[0]) for timer in timers]
    return [[timer.timeit(n) / n for timer, n in zip(timers, numbers)] for _ in range(rounds)]


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
        jax = models.jax_x64()

        jf = jax.jit(lambda a: a + 1)
        jv = jax.numpy.asarray(value)
        jf(jv).block_until_ready()
        row["jax"] = per_call(lambda a: jf(a).block_until_ready(), jv)
    return row


def _peer_elementwise(row, expr, arrays):
    """Add PyTensor/JAX timings of ``expr(module, *arrays)`` written with their modules."""
    if _installed("pytensor"):
        import pytensor
        import pytensor.tensor as pt

        vs = [pt.tensor(f"v{k}", dtype=str(a.dtype), shape=(None,) * a.ndim)
              for k, a in enumerate(arrays)]  # fmt: skip
        pf = pytensor.function(vs, pytensor.Out(expr(pt, *vs), borrow=True))
        pf.trust_input = True
        row["pytensor"] = per_call(pf, *arrays)
    if _installed("jax"):
        jax = models.jax_x64()

        jf = jax.jit(lambda *a: expr(jax.numpy, *a))
        ja = [jax.numpy.asarray(a) for a in arrays]
        jf(*ja).block_until_ready()
        row["jax"] = per_call(lambda *a: jf(*a).block_until_ready(), *ja)


def _numba_triad(n):
    """Seconds for one pass ``out = a + s * b`` over float64 arrays (memory-bound ideal)."""
    import numba

    @numba.njit(cache=False)
    def triad(a, b, s, out):
        for i in range(a.size):
            out[i] = a[i] + s * b[i]

    a, b, out = np.ones(n), np.ones(n), np.empty(n)
    triad(a, b, 2.0, out)
    return per_call(triad, a, b, 2.0, out)


def elementwise(expr_name, n, dtype):
    """A fused elementwise expression of two arrays: FAST_RUN on both tiers vs peers."""
    import theano
    import theano.tensor as T

    exprs = {  # each written once, for a module of exp/sin (T, NumPy, PyTensor, JAX)
        "a**2+b**2+2ab": lambda m, a, b: a**2 + b**2 + 2 * a * b,
        "e": lambda m, x, y: m.exp(-(x**2)) * m.sin(y) + x * y,
    }
    rng = np.random.default_rng(0)
    arrays = [rng.uniform(-1, 1, n).astype(dtype) for _ in range(2)]
    a, b = T.vectors("a", "b", dtype=dtype)
    expr = exprs[expr_name]
    sym = expr(T, a, b)

    # Out(borrow=True), for us and PyTensor: the output buffer may be reused by the next
    # call, as the triad's preallocated output is.
    py = theano.function([a, b], theano.Out(sym, borrow=True), mode="FAST_RUN")
    nb = theano.function([a, b], theano.Out(sym, borrow=True), mode="NUMBA")
    for f in (py, nb):
        f.trust_input = True
    row = {"ours": per_call(nb, *arrays), "ours python tier": per_call(py, *arrays)}
    row["numpy"] = per_call(lambda x, y: expr(np, x, y), *arrays)
    _peer_elementwise(row, expr, arrays)
    if expr_name == "a**2+b**2+2ab" and dtype == "float64":
        triad = _numba_triad(n)
        row["triad (1 pass)"] = triad
        gbs = 3 * 8 * n / row["ours"] / 1e9
        row["note"] = f"ours {gbs:.1f} GB/s; triad {3 * 8 * n / triad / 1e9:.1f} GB/s"
    return row


def logistic_regression(n=1000, d=784):
    """One SGD step of logistic regression: ``d`` features, batch ``n``, shared weights.
    On small arrays the note gives the Numba tier without its whole-graph kernel."""
    import theano
    import theano.tensor as T

    x, y = models.logistic_data(n=n, d=d)
    steps = {
        "ours": models.logistic_step(theano, T, d=d, mode="NUMBA"),
        "ours python tier": models.logistic_step(theano, T, d=d, mode="FAST_RUN"),
        "numpy": models.logistic_numpy(d=d),
    }
    if _installed("pytensor"):
        import pytensor
        import pytensor.tensor as pt

        steps["pytensor"] = models.logistic_step(pytensor, pt, d=d)
    if _installed("jax"):
        steps["jax"] = models.logistic_jax(d=d)
    # In turns, as the MLP steps: the rows compare like with like despite the drift.
    rounds = in_turns([lambda f=f: f(x, y) for f in steps.values()])
    row = {name: statistics.median(r[k] for r in rounds) for k, name in enumerate(steps)}
    if n * d <= 4096:
        with theano.change_flags(**{"numba.whole_graph": False}):
            kernels = per_call(models.logistic_step(theano, T, d=d, mode="NUMBA"), x, y)
        row["note"] = (f"Numba tier without the whole-graph kernel: "
                       f"{_fmt_time(kernels).strip()}, {kernels / row['ours']:.1f}x ours")  # fmt: skip
    return row


def mlp_step(dtype):
    """The MLP SGD step: both tiers, NumPy by hand, peers, and the GEMM-bound ceiling."""
    params, x, y = models.mlp_data(dtype)
    py = models.mlp_ours(dtype, params, mode="FAST_RUN")
    nb = models.mlp_ours(dtype, params, mode="NUMBA")
    slow = models.mlp_ours(dtype, params, mode="FAST_COMPILE")
    steps = {"ours": nb, "ours python tier": py, "numpy": models.mlp_numpy(params)}
    if _installed("pytensor"):
        steps["pytensor"] = models.mlp_pytensor(dtype, params)
    if _installed("jax"):
        steps["jax"] = models.mlp_jax(params)
    # Every step, the ceiling (the five products, each on its own) and the products back
    # to back, timed in turns: the machine's speed drifts by tens of percent during a
    # run, and only times from the same rounds compare like with like.
    calls = [lambda f=f: f(x, y) for f in steps.values()]
    products = models.gemm_products(dtype)
    rounds = in_turns([*calls, models.gemm_sequence(dtype), *products])
    n = len(calls)
    row = {name: statistics.median(r[k] for r in rounds) for k, name in enumerate(steps)}
    ceiling = statistics.median(sum(r[n + 1 :]) for r in rounds)
    ours, py_tier, sequence = (statistics.median(sum(r[n + 1:]) / r[k] for r in rounds)
                               for k in (0, 1, n))  # fmt: skip
    fast_compile = per_call(slow, x, y)
    after, alone = models.reload_after_product(dtype)
    row["note"] = (f"GEMM-bound ceiling {_fmt_time(ceiling).strip()}: ours at {ours:.2f} of it "
                   f"(python tier {py_tier:.2f}; the products alone, back to back, "
                   f"{sequence:.2f}; median of {len(rounds)} rounds timed in turns); "
                   f"0.95 of it leaves {_fmt_time(ceiling / 0.95 - ceiling).strip()} for all "
                   f"but the products, and a tiny NumPy call takes {_fmt_time(after).strip()} "
                   f"right after the largest product ({_fmt_time(alone).strip()} alone); "
                   f"FAST_RUN is {fast_compile / row['ours python tier']:.2f}x FAST_COMPILE")  # fmt: skip
    return row


def small_mlp_step(dtype):
    """The MLP step on small arrays (20-16-5, batch 8): the whole graph as one kernel."""
    import theano

    params, x, y = models.mlp_data(dtype, shape=(8, 20, 16, 5))
    row = {
        "ours": per_call(models.mlp_ours(dtype, params, mode="NUMBA"), x, y),
        "ours python tier": per_call(models.mlp_ours(dtype, params, mode="FAST_RUN"), x, y),
        "numpy": per_call(models.mlp_numpy(params), x, y),
    }
    if _installed("pytensor"):
        row["pytensor"] = per_call(models.mlp_pytensor(dtype, params), x, y)
    if _installed("jax"):
        row["jax"] = per_call(models.mlp_jax(params), x, y)
    with theano.change_flags(**{"numba.whole_graph": False}):
        kernels = per_call(models.mlp_ours(dtype, params, mode="NUMBA"), x, y)
    row["note"] = (f"Numba tier without the whole-graph kernel: "
                   f"{_fmt_time(kernels).strip()}, {kernels / row['ours']:.1f}x ours")  # fmt: skip
    return row


def long_elementwise():
    """A 30-step elementwise chain on 1e5 float64: FAST_RUN (fused) against FAST_COMPILE."""
    import theano
    import theano.tensor as T

    x = T.dvector("x")
    out = models.chain(T, x, 30)
    fns = {m: theano.function([x], out, mode=m) for m in ("NUMBA", "FAST_RUN", "FAST_COMPILE")}
    value = np.random.default_rng(0).uniform(-1, 1, 10**5)
    row = {"ours": per_call(fns["NUMBA"], value), "ours python tier": per_call(fns["FAST_RUN"],
                                                                             value)}  # fmt: skip
    slow = per_call(fns["FAST_COMPILE"], value)
    row["note"] = f"FAST_COMPILE {_fmt_time(slow).strip()}: FAST_RUN is {slow / row['ours']:.2f}x"
    return row


WORKLOADS = {
    "call x+1, float64 scalar": lambda: call_overhead(False, ()),
    "call x+1, float64 scalar, trust_input": lambda: call_overhead(True, ()),
    "call x+1, 10-vector": lambda: call_overhead(False, (10,)),
    "call x+1, 10-vector, trust_input": lambda: call_overhead(True, (10,)),
    "a**2+b**2+2ab, 1e7 float64": lambda: elementwise("a**2+b**2+2ab", 10**7, "float64"),
    "exp(-x**2)*sin(y)+x*y, 1e6 float32": lambda: elementwise("e", 10**6, "float32"),
    "exp(-x**2)*sin(y)+x*y, 1e6 float64": lambda: elementwise("e", 10**6, "float64"),
    "exp(-x**2)*sin(y)+x*y, 1e7 float32": lambda: elementwise("e", 10**7, "float32"),
    "exp(-x**2)*sin(y)+x*y, 1e7 float64": lambda: elementwise("e", 10**7, "float64"),
    "logistic regression SGD step, 1000x784": logistic_regression,
    "logistic regression SGD step, 20x8": lambda: logistic_regression(20, 8),
    "MLP 784-500-10 SGD step, float32": lambda: mlp_step("float32"),
    "MLP 784-500-10 SGD step, float64": lambda: mlp_step("float64"),
    "MLP 20-16-5 SGD step, batch 8, float32": lambda: small_mlp_step("float32"),
    "MLP 20-16-5 SGD step, batch 8, float64": lambda: small_mlp_step("float64"),
    "30-step elementwise chain, 1e5 float64": long_elementwise,
}


# ------------------------------------------------------------------ compile times


def child(name):
    """Run in a fresh interpreter by `compile_times`; prints its measurements as JSON."""
    t0 = time.perf_counter()
    import theano
    import theano.tensor as T

    out = {"import": time.perf_counter() - t0}
    if name == "mlp":
        params, x, y = models.mlp_data("float32")
        t = time.perf_counter()
        step = models.mlp_ours("float32", params, mode=theano.compile.mode.Mode("numba"))
        step(x, y)
        out["first result"] = time.perf_counter() - t
        step.wait_for_tier()
        out["numba tier ready"] = time.perf_counter() - t
        t = time.perf_counter()
        models.mlp_ours("float32", params)(x, y)
        out["second compile"] = time.perf_counter() - t
    elif name == "small-mlp":
        # The user's calls while the background tier builds (in a worker process, so
        # they keep this process's GIL), against the Python tier's own speed.
        params, x, y = models.mlp_data("float64", shape=(8, 20, 16, 5))
        python = models.mlp_ours("float64", params, mode="FAST_RUN")
        out["python tier call"] = per_call(python, x, y)
        t = time.perf_counter()
        step = models.mlp_ours("float64", params, mode=theano.compile.mode.Mode("numba"))
        during = []
        while not step._tiering.done.is_set():
            c = time.perf_counter()
            step(x, y)
            during.append(time.perf_counter() - c)
        out["whole-graph tier ready"] = time.perf_counter() - t
        out["mean call while building"] = statistics.fmean(during)
        out["median call while building"] = statistics.median(during)
        out["slowest call while building"] = max(during)
        out["call once built"] = per_call(step, x, y)
    elif name == "chain-grad":
        t = time.perf_counter()
        x = T.dvector("x")
        y = models.chain(T, x, 67)  # about 200 nodes
        cost = y.sum()
        f = theano.function([x], [cost, T.grad(cost, x)])
        f(np.ones(10))
        out["build+grad+compile"] = time.perf_counter() - t
    elif name == "rewrite-scaling":
        from theano.compile.mode import FAST_RUN, run_phases
        from theano.graph.fg import FunctionGraph

        for length in (34, 334, 3334):  # about 100, 1,000 and 10,000 nodes
            x = T.dvector("x")
            fg = FunctionGraph([x], [models.chain(T, x, length)])
            nodes = len(fg.apply_nodes)
            t = time.perf_counter()
            run_phases(fg, FAST_RUN)
            out[f"rewrite {nodes} nodes"] = time.perf_counter() - t
    print(json.dumps(out))


def compile_times():
    """Each compile measurement in a fresh process with an empty compile cache."""
    rows = {}
    for name in ("mlp", "small-mlp", "chain-grad", "rewrite-scaling"):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, THEANO_FLAGS=f"base_compiledir={cache}")
            res = subprocess.run([sys.executable, __file__, "--child", name], env=env,
                                 capture_output=True, text=True, check=True)  # fmt: skip
            rows[name] = json.loads(res.stdout.strip().splitlines()[-1])
    return rows


def warm_mlp_tier():
    """Time to the Numba tier of the MLP step in a fresh process with a warm cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, THEANO_FLAGS=f"base_compiledir={cache}")
        runs = []
        for _ in range(2):
            res = subprocess.run([sys.executable, __file__, "--child", "mlp"], env=env,
                                 capture_output=True, text=True, check=True)  # fmt: skip
            runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
    return runs[1]


def _fmt_time(seconds):
    if seconds >= 1e-3:
        return f"{seconds * 1e3:8.2f} ms"
    return f"{seconds * 1e6:8.2f} us"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-k", default="", help="only workloads whose name contains this")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return
    peers = [p for p in ("pytensor", "jax") if _installed(p)]
    cols = ["ours", "ours python tier", "numpy", "triad (1 pass)", *peers]
    short = {"ours python tier": "py tier", "triad (1 pass)": "triad"}
    header = f"{'workload':42} " + " ".join(f"{short.get(c, c):>11}" for c in cols)
    header += " " + " ".join(f"{short.get(c, c) + '/ours':>14}" for c in cols[1:])
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
        if "note" in row:
            print(f"{'':42} {row['note']}")
    if args.k in "import theano":
        ours = import_time("theano")
        line = f"{'import theano (fresh interpreter)':42} {_fmt_time(ours):>11}"
        numpy_t = import_time("numpy")
        line += f" {_fmt_time(numpy_t):>11}"
        for p in peers:
            line += f" {_fmt_time(import_time(p)):>11}"
        print(line)
    if args.k in "compile times":
        print("\ncompile times (fresh process, empty cache; MLP float32, small MLP float64):")
        for name, row in compile_times().items():
            for key, seconds in row.items():
                print(f"  {name:16} {key:28} {_fmt_time(seconds)}")
        warm = warm_mlp_tier()
        print(f"  {'mlp (warm cache)':16} {'numba tier ready':28} "
              f"{_fmt_time(warm['numba tier ready'])}")  # fmt: skip


if __name__ == "__main__":
    main()
