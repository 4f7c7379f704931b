"""A child process that compiles kernels for the background Numba tier.

Numba's compiler is Python code: compiled in a thread of the user's process, it holds
the GIL for seconds, and the user's calls meanwhile run several times slower, with
pauses of a second when the garbage collector walks Numba's objects. The background
tier therefore hands each kernel to this child: it compiles the kernel's source, stores
the shared library in the on-disk cache (`kernels.load_kernel` describes the files) and
answers; the parent, which waits without holding the GIL, then loads the library as a
cached kernel. Classic Theano compiled its C code in a child process too (the C
compiler).

One child serves a process, started on first use; it exits when its parent closes the
pipe, or after `IDLE_SECONDS` without a request (and is started again when needed).
It runs isolated from the environment (``python -I``) on the parent's own path, and
says in its first line which theano it imported: a child that is not this worker is
not used, and a frozen application (whose executable is not Python) starts none.
Where the compiler crashes the child on a kernel, twice, that kernel stays in the
Python tier: compiled in the parent, it would crash the user's process. Protocol: one JSON object a line each way: ``{"ready": true, "theano": <its
theano/__init__.py>}`` first, then per request ``{"directory", "key"}`` (the source is
already in ``<directory>/k_<key>.py``) and ``{"key", "ok": true}`` or ``{"key", "ok":
false, "error": "..."}``. Where the child cannot run, answers late or cannot store a library,
the parent compiles the kernel itself, as ``mode='NUMBA'`` always does.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import subprocess
import sys
import threading
import time

IDLE_SECONDS = 60.0
# Seconds the parent waits for the child's first line, and for one kernel.
START_SECONDS = 60.0
BUILD_SECONDS = 600.0


def _theano_file():
    import theano

    return os.path.abspath(theano.__file__)


class Worker:
    """The parent's handle on its child; `build` is safe to call from several threads."""

    def __init__(self, command=None):
        self._command = command
        self._lock = threading.Lock()
        self._process = None
        self._pending = b""  # what the child wrote after the last line read
        self._owner = os.getpid()
        self.disabled = False  # the child could not be used: this process compiles

    def build(self, directory: str, key: str) -> str:
        """Have the child compile and store the kernel whose source is in
        ``<directory>/k_<key>.py``: ``"stored"``, ``"failed"`` (this process may
        compile it) or ``"crashed"`` (the compiler killed the child, twice: compiled
        here, it would kill this process)."""
        request = (json.dumps({"directory": directory, "key": key}) + "\n").encode()
        with self._lock:
            crashes = 0
            for _ in range(2):  # a child that exited when idle is started again
                process = self._started()
                if process is None:
                    return "failed"
                try:
                    process.stdin.write(request)
                    process.stdin.flush()
                except (OSError, ValueError):
                    self._stop()
                    continue
                answer = self._answer(process, BUILD_SECONDS, key)
                if answer is None:  # it exited (idle, or crashed): once more
                    self._stop()
                    crashes += process.returncode != 0  # an idle exit is 0
                    continue
                return "stored" if answer.get("ok") is True else "failed"
            return "crashed" if crashes == 2 else "failed"

    def _answer(self, process, seconds, key=None):
        """The child's answer (to the request for ``key``) as a dict; None when it
        exited. A child that answers late or out of protocol is stopped and not used
        again. An answer to an earlier request (sent twice: see `_forget_after_fork`)
        is skipped."""
        while True:
            try:
                line = self._line(process, seconds)
            except (OSError, ValueError):
                line = ""
            if line == "":
                return None
            try:
                answer = json.loads(line) if line is not None else None
            except ValueError:
                answer = None
            if not isinstance(answer, dict):
                self.disabled = True
                self._kill()
                return {}
            if key is None or answer.get("key") == key:
                return answer

    def _line(self, process, seconds):
        """The child's next line; "" when it exited, None after ``seconds``. Read from
        the pipe itself: a buffered reader could hold a second line that ``select``
        does not see."""
        fd = process.stdout.fileno()
        deadline = time.monotonic() + seconds
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return ""
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return line.decode(errors="replace") + "\n"

    def _started(self):
        if self._owner != os.getpid():  # a forked process: its parent's child is not its own
            self._process, self._owner = None, os.getpid()
        if self.disabled:
            return None
        if self._process is not None:
            if self._process.poll() is None:
                return self._process
            self._stop()  # it exited (idle): closes its pipes
        command = self._command or _default_command()
        if command is None:
            self.disabled = True
            return None
        try:
            self._process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            self._pending = b""
        except OSError:
            self._process, self.disabled = None, True
            return None
        hello = self._answer(self._process, START_SECONDS)
        if not hello or not hello.get("ready") or hello.get("theano") != _theano_file():
            self.disabled = True
            self._kill()
            return None
        threading.Thread(target=self._reap, args=(self._process,), daemon=True).start()
        return self._process

    @staticmethod
    def _reap(process):
        """Collect the child when it exits (idle), so that no zombie is left."""
        process.wait()

    def _stop(self):
        if self._process is not None:
            _close_pipes(self._process)
            self._process.wait()
            self._process = None

    def shutdown(self):
        """At exit: stop the child, and start no other (a background build still
        running would start one, left orphaned)."""
        self.disabled = True
        self.kill()

    def _kill(self):
        if self._process is not None:
            self.kill()
            self._process = None

    def close(self):
        """Stop the child (after the build it may be running)."""
        with self._lock:
            self._stop()

    def kill(self):
        """Stop the child now, without waiting for a build in flight (at exit)."""
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        if process is not None:
            _close_pipes(process)


def _close_pipes(process, flush=True):
    """Close this process's ends of the child's pipes; ``flush=False`` drops what is
    buffered (a forked copy must not send its parent's request again)."""
    for stream in (process.stdin, process.stdout):
        with contextlib.suppress(OSError, ValueError):
            (stream.close if flush else stream.raw.close)()


def _default_command():
    """``python -I -c ... <path>``: isolated from the environment (``PYTHON*``
    variables, user site, the working directory), the child imports what this process
    would, from this process's own path, with its theano first. None where the
    executable is not a Python to run so (a frozen application would start itself)."""
    if getattr(sys, "frozen", False) or not sys.executable:
        return None
    root = os.path.dirname(os.path.dirname(_theano_file()))
    path = [root]
    for entry in sys.path:
        try:
            entry = os.fsdecode(os.fspath(entry))
        except TypeError:  # not a path: importers see it, a child cannot
            continue
        path.append(entry or os.getcwd())
    start = ("import json, sys; sys.path[:0] = json.loads(sys.argv[1]); "
             "from theano.link.numba.worker import main; main()")  # fmt: skip
    return [sys.executable, "-I", "-c", start, json.dumps(path)]


_WORKER = []


def shared_worker() -> Worker:
    """The process's worker (one child for all background tiers)."""
    if not _WORKER:
        _WORKER.append(Worker())
        atexit.register(_WORKER[0].shutdown)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_forget_after_fork)
    return _WORKER[0]


def _forget_after_fork():
    """In a forked child: the parent's worker process and a lock another thread may
    have held at the fork are not this process's."""
    for worker in _WORKER:
        worker._lock = threading.Lock()
        if worker._process is not None:  # its copies closed: the child sees EOF
            _close_pipes(worker._process, flush=False)
        worker._process, worker._owner = None, os.getpid()


def serve(stdin=sys.stdin, stdout=sys.stdout, idle=IDLE_SECONDS):
    """The child's loop: build each requested kernel until the pipe closes or
    ``idle`` seconds pass without a request."""
    from theano.link.numba import kernels

    stdout.write(json.dumps({"ready": True, "theano": _theano_file()}) + "\n")
    stdout.flush()
    while True:
        try:
            ready, _, _ = select.select([stdin], [], [], idle)
        except (OSError, ValueError):  # not a selectable pipe: wait without a limit
            ready = [stdin]
        if not ready:
            return
        line = stdin.readline()
        if not line:
            return
        request = {}
        try:
            request = json.loads(line)
            kernels.build_stored(request["directory"], request["key"])
            answer = {"ok": True}
        except Exception as err:  # noqa: BLE001 (reported; the parent builds it itself)
            answer = {"ok": False, "error": f"{type(err).__name__}: {err}"}
        if isinstance(request, dict):
            answer["key"] = request.get("key")
        stdout.write(json.dumps(answer) + "\n")
        stdout.flush()


def main():
    """Serve the parent on a copy of standard output; what Numba or anything else
    prints goes to standard error, not into the protocol. Ctrl-C, sent to the whole
    process group, is the parent's to handle (this child goes when its pipe closes)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin, protocol)


if __name__ == "__main__":
    main()
