"""The worker process that compiles kernels for the background Numba tier."""

import io
import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import theano
import theano.scalar.basic as SB
import theano.tensor as T
from theano.compile.mode import FAST_RUN, Mode
from theano.link.numba import kernels, worker
from theano.scalar.composite import Composite

pytest.importorskip("numba")


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "THEANO"))}
    env["HOME"] = str(tmp_path / "home")
    root = os.path.dirname(os.path.dirname(os.path.abspath(theano.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    return env


def test_background_tier_compiles_in_the_worker_not_in_this_process(tmp_path):
    """A fresh process's background tier gets its kernels from the worker: it never
    imports Numba itself, and the tier's results equal the Python tier's. The worker
    imports this theano, not a package of that name in the working directory."""
    shadow = tmp_path / "cwd" / "theano"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('the wrong theano')\n")
    script = textwrap.dedent("""
        import json, sys
        import numpy as np
        import theano, theano.tensor as T
        from theano.compile.mode import FAST_RUN, Mode
        from theano.link.numba import kernels

        with theano.change_flags(base_compiledir=sys.argv[1]):
            x = T.dvector("x")
            f = theano.function([x], [T.exp(x) * 2 + x, x * 3 - 1],
                                mode=Mode("numba", FAST_RUN.phases))
            xv = np.linspace(-1, 1, 5)
            before = [o.tolist() for o in f(xv)]
            tier = f.wait_for_tier(120)
            after = [o.tolist() for o in f(xv)]
        print(json.dumps({"tier": tier, "numba": "numba" in sys.modules,
                          "origins": sorted(k.origin for k in kernels._loaded.values()),
                          "kernels": f.call_source.count("_kernel("),
                          "before": before, "after": after}))
    """)
    (tmp_path / "script.py").write_text(script)
    out = subprocess.run([sys.executable, str(tmp_path / "script.py"), str(tmp_path / "cache")],
                         env=_env(tmp_path), capture_output=True, text=True, timeout=300,
                         cwd=shadow.parent, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.splitlines()[-1])
    assert report["tier"] == "numba"
    assert report["kernels"] >= 1
    assert report["origins"] and set(report["origins"]) == {"worker"}, report
    assert not report["numba"], "the background tier imported Numba in the user's process"
    xv = np.linspace(-1, 1, 5)
    want = [np.exp(xv) * 2 + xv, xv * 3 - 1]
    for got in (report["before"], report["after"]):
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-15)


def _kernel_file(directory, scalar_op):
    source = kernels.kernel_source(scalar_op, ["float64"], "float64")
    key = kernels._key(source)
    with open(os.path.join(directory, f"k_{key}.py"), "w") as fh:
        fh.write(source)
    return key, source


def test_worker_stores_libraries_and_reports_errors(tmp_path):
    xs = SB.ScalarType("float64")()
    key, source = _kernel_file(tmp_path, Composite([xs], [xs * xs + xs]))
    with open(tmp_path / "k_bad.py", "w") as fh:
        fh.write("def (:\n")
    requests = "".join(json.dumps({"directory": str(tmp_path), "key": k}) + "\n"
                       for k in (key, "bad"))  # fmt: skip
    answers = io.StringIO()
    worker.serve(io.StringIO(requests), answers)
    hello, good, bad = (json.loads(line) for line in answers.getvalue().splitlines())
    assert hello == {"ready": True, "theano": os.path.abspath(theano.__file__)}
    assert good == {"ok": True, "key": key}
    assert bad["ok"] is False and bad["key"] == "bad" and "SyntaxError" in bad["error"]
    spec = kernels.KernelSpec(Composite([xs], [xs * xs + xs]), ["float64"], "float64")
    assert spec.source == source
    loaded = kernels._load_native(str(tmp_path), key, spec)
    assert loaded is not None
    np.testing.assert_array_equal(loaded(np.array([1.0, -2.0, 3.0])), [2.0, 2.0, 12.0])


def test_worker_child_is_started_again_after_it_exits(tmp_path):
    xs = SB.ScalarType("float64")()
    w = worker.Worker()
    try:
        first, _ = _kernel_file(tmp_path, Composite([xs], [xs * 2 - xs * xs]))
        assert w.build(str(tmp_path), first) == "stored"
        w._process.kill()  # as when it exits after IDLE_SECONDS without a request
        w._process.wait()
        second, _ = _kernel_file(tmp_path, Composite([xs], [xs * 5 - xs * xs]))
        assert w.build(str(tmp_path), second) == "stored"
        assert os.path.exists(tmp_path / f"k_{second}.so")
    finally:
        w.close()
    assert w._process is None


def test_after_shutdown_no_child_is_started(tmp_path):
    # At exit the child is killed; a background build still running must not start
    # another one (it would outlive this process).
    xs = SB.ScalarType("float64")()
    w = worker.Worker()
    first, _ = _kernel_file(tmp_path, Composite([xs], [xs * 3 - xs * xs]))
    assert w.build(str(tmp_path), first) == "stored"
    child = w._process
    w.shutdown()
    assert child.poll() is not None
    second, _ = _kernel_file(tmp_path, Composite([xs], [xs * 7 - xs * xs]))
    assert w.build(str(tmp_path), second) != "stored"
    assert w._process is None or w._process is child


def test_worker_exits_when_idle(tmp_path):
    script = "from theano.link.numba import worker; worker.serve(idle=0.2)"
    child = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                             env=_env(tmp_path))  # fmt: skip
    try:
        assert child.wait(timeout=60) == 0
    finally:
        child.stdin.close()


@pytest.mark.parametrize("command", [["/nonexistent/python"], [sys.executable, "-c", "exit(3)"]])
def test_tier_compiles_here_when_the_worker_cannot(tmp_path, monkeypatch, command):
    monkeypatch.setattr(worker, "_WORKER", [worker.Worker(command)])
    monkeypatch.setattr(kernels, "_loaded", {})
    with theano.change_flags(base_compiledir=str(tmp_path), **{"numba.whole_graph": False}):
        x = T.dvector("x")
        f = theano.function([x], x * 4 + 1, mode=Mode("numba", FAST_RUN.phases))
        assert f.wait_for_tier(120) == "numba"
    assert {k.origin for k in kernels._loaded.values()} == {"built"}
    np.testing.assert_array_equal(f(np.array([1.0, 2.0])), [5.0, 9.0])
    slow = theano.function([x], x * 4 + 1, mode="FAST_COMPILE")
    np.testing.assert_array_equal(slow(np.array([1.0, 2.0])), [5.0, 9.0])


def _kernel_source_file(tmp_path):
    xs = SB.ScalarType("float64")()
    return _kernel_file(tmp_path, Composite([xs], [xs * 3 - xs * xs]))[0]


def test_what_the_child_prints_stays_out_of_the_protocol(tmp_path):
    noisy = ("from theano.link.numba import kernels, worker\n"
             "real = kernels.build_stored\n"
             "def build(d, k):\n"
             "    print('numba says', flush=True)\n"
             "    real(d, k)\n"
             "kernels.build_stored = build\n"
             "worker.main()\n")  # fmt: skip
    w = worker.Worker([sys.executable, "-c", noisy])
    try:
        key = _kernel_source_file(tmp_path)
        assert w.build(str(tmp_path), key) == "stored"
        assert w.build(str(tmp_path), key) == "stored"  # still in step
        assert not w.disabled
    finally:
        w.close()


@pytest.mark.parametrize("first_line", [
    "1",  # JSON, but not the protocol's
    "not json",
    json.dumps({"ready": True, "theano": "/another/theano/__init__.py"}),
])  # fmt: skip
def test_a_child_that_is_not_this_worker_is_not_used(tmp_path, first_line):
    """As when ``sys.executable`` is a frozen application, not Python."""
    script = f"import sys, time; print({first_line!r}, flush=True); time.sleep(60)"
    w = worker.Worker([sys.executable, "-c", script])
    assert w.build(str(tmp_path), _kernel_source_file(tmp_path)) == "failed"
    assert w.disabled and w._process is None
    assert w.build(str(tmp_path), _kernel_source_file(tmp_path)) == "failed"  # not again


def test_a_child_that_does_not_answer_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(worker, "START_SECONDS", 0.5)
    w = worker.Worker([sys.executable, "-c", "import time; time.sleep(60)"])
    assert w.build(str(tmp_path), _kernel_source_file(tmp_path)) == "failed"
    assert w.disabled and w._process is None


def test_without_a_c_compiler_the_worker_is_not_asked(tmp_path, monkeypatch):
    """It could not store the library: the tier compiles in this process at once."""
    started = worker.Worker()
    monkeypatch.setattr(worker, "_WORKER", [started])
    monkeypatch.setattr(kernels, "_loaded", {})
    monkeypatch.setattr(kernels, "_c_compiler", lambda: None)
    with theano.change_flags(base_compiledir=str(tmp_path), **{"numba.whole_graph": False}):
        x = T.dvector("x")
        f = theano.function([x], x * 4 - 2, mode=Mode("numba", FAST_RUN.phases))
        assert f.wait_for_tier(120) == "numba"
    assert started._process is None
    assert {k.origin for k in kernels._loaded.values()} == {"jit"}
    np.testing.assert_array_equal(f(np.array([1.0, 2.0])), [2.0, 6.0])


def test_the_child_runs_isolated_on_this_process_path(tmp_path, monkeypatch):
    """``python -I`` with this process's path, path-like entries included: a
    ``theano`` on the environment's ``PYTHONPATH`` does not shadow this one."""
    import pathlib

    shadow = tmp_path / "elsewhere" / "theano"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('the wrong theano')\n")
    monkeypatch.setenv("PYTHONPATH", str(shadow.parent))
    monkeypatch.setattr(sys, "path", [*sys.path, pathlib.Path(tmp_path)])
    command = worker._default_command()
    assert command[1] == "-I"
    assert str(tmp_path) in json.loads(command[-1])
    w = worker.Worker()
    try:
        assert w.build(str(tmp_path), _kernel_source_file(tmp_path)) == "stored"
    finally:
        w.close()


def test_a_frozen_application_starts_no_child(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    w = worker.Worker()
    assert w.build(str(tmp_path), _kernel_source_file(tmp_path)) == "failed"
    assert w.disabled and w._process is None


_CRASHING = """
import json, os, signal, sys
print(json.dumps({"ready": True, "theano": sys.argv[1]}), flush=True)
sys.stdin.readline()
os.kill(os.getpid(), signal.SIGKILL)
"""

_ANSWERS_TWICE = """
import json, sys
print(json.dumps({"ready": True, "theano": sys.argv[1]}), flush=True)
old = json.dumps({"key": "an earlier request", "ok": False})
for line in sys.stdin:
    print(old, flush=True)
    print(json.dumps({"key": json.loads(line)["key"], "ok": True}), flush=True)
"""


def test_an_answer_to_another_request_is_skipped(tmp_path):
    w = worker.Worker([sys.executable, "-c", _ANSWERS_TWICE, worker._theano_file()])
    try:
        for key in ("first", "second"):
            assert w.build(str(tmp_path), key) == "stored"
        assert not w.disabled
    finally:
        w.close()


def test_a_kernel_that_crashes_the_child_stays_in_the_python_tier(tmp_path, monkeypatch):
    """Compiled here, it would crash the user's process: the node keeps NumPy."""
    crashing = worker.Worker([sys.executable, "-c", _CRASHING, worker._theano_file()])
    assert crashing.build(str(tmp_path), _kernel_source_file(tmp_path)) == "crashed"
    monkeypatch.setattr(worker, "_WORKER", [crashing])
    monkeypatch.setattr(kernels, "_loaded", {})
    with theano.change_flags(base_compiledir=str(tmp_path), **{"numba.whole_graph": False}):
        x = T.dvector("x")
        with warnings.catch_warnings(record=True) as caught:  # from the tier's thread
            warnings.simplefilter("always")
            f = theano.function([x], T.exp(x) * 4 + 1, mode=Mode("numba", FAST_RUN.phases))
            f.wait_for_tier(120)
    assert any("crashed the worker process" in str(w.message) for w in caught)
    assert "_kernel" not in f.call_source
    assert not kernels._loaded
    np.testing.assert_allclose(f(np.array([0.0, 1.0])), [5.0, 4 * np.e + 1])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_process_lets_go_of_the_child(tmp_path, monkeypatch):
    """The forked process closes its copies of the pipes (without sending what is
    buffered): the child sees its parent's end of input at once."""
    import time

    worker.shared_worker()  # registers the at-fork handler
    w = worker.Worker()
    monkeypatch.setattr(worker, "_WORKER", [w])
    assert w.build(str(tmp_path), _kernel_source_file(tmp_path)) == "stored"
    pid = os.fork()
    if pid == 0:  # the forked process lives on a while, holding nothing of the child's
        time.sleep(5)
        os._exit(0)
    try:
        start = time.monotonic()
        w.close()
        assert time.monotonic() - start < 3
    finally:
        os.waitpid(pid, 0)
