"""A child process that compiles kernels for the background Numba tier.

Numba's compiler is Python code: compiled in a thread of the user's process, it holds
the GIL for seconds, and the user's calls meanwhile run several times slower, with
pauses of a second when the garbage collector walks Numba's objects. The background
tier therefore hands each kernel to this child: it compiles the kernel's source, stores
the shared library in the on-disk cache (`kernels.load_kernel` describes the files) and
answers; the parent, which waits without holding the GIL, then loads the library as a
cached kernel. Classic Theano compiled its C code in a child process too (the C
compiler).

One child serves a process, started on first use and kept while requests come; it
exits when its parent closes the pipe, or after `IDLE_SECONDS` without a request.
Protocol: one JSON object a line each way: ``{"directory", "key"}`` (the source is
already in ``<directory>/k_<key>.py``), then ``{"ok": true}`` or ``{"ok": false,
"error": "..."}``. Where the child cannot run or cannot store a library (no C
compiler), the parent compiles the kernel itself, as `mode='NUMBA'` always does.
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

IDLE_SECONDS = 60.0


class Worker:
    """The parent's handle on its child; `build` is safe to call from several threads."""

    def __init__(self, command=None):
        self._command = command or [sys.executable, "-m", "theano.link.numba.worker"]
        self._lock = threading.Lock()
        self._process = None
        self._owner = os.getpid()

    def build(self, directory: str, key: str) -> bool:
        """Have the child compile and store the kernel whose source is in
        ``<directory>/k_<key>.py``; True when it stored the library."""
        request = json.dumps({"directory": directory, "key": key}) + "\n"
        with self._lock:
            for _ in range(2):  # a child that exited when idle is started again
                process = self._started()
                if process is None:
                    return False
                try:
                    process.stdin.write(request)
                    process.stdin.flush()
                    line = process.stdout.readline()
                except (OSError, ValueError):
                    line = ""
                if line:
                    try:
                        return bool(json.loads(line).get("ok"))
                    except ValueError:
                        return False
                self._stop()
            return False

    def _started(self):
        if self._owner != os.getpid():  # a forked process: its parent's child is not its own
            self._process, self._owner = None, os.getpid()
        if self._process is not None:
            if self._process.poll() is None:
                return self._process
            self._stop()  # it exited (idle): closes its pipes
        env = dict(os.environ)
        # The child imports the same theano (and kernels' modules) as this process.
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        try:
            self._process = subprocess.Popen(
                self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True, env=env,
            )  # fmt: skip
        except OSError:
            self._process = None
        return self._process

    def _stop(self):
        if self._process is not None:
            for stream in (self._process.stdin, self._process.stdout):
                with contextlib.suppress(OSError, ValueError):
                    stream.close()
            self._process.wait()
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
            for stream in (process.stdin, process.stdout):
                with contextlib.suppress(OSError, ValueError):
                    stream.close()


_WORKER = []


def shared_worker() -> Worker:
    """The process's worker (one child for all background tiers)."""
    if not _WORKER:
        _WORKER.append(Worker())
        atexit.register(_WORKER[0].kill)
    return _WORKER[0]


def serve(stdin=sys.stdin, stdout=sys.stdout, idle=IDLE_SECONDS):
    """The child's loop: build each requested kernel until the pipe closes or
    ``idle`` seconds pass without a request."""
    from theano.link.numba import kernels

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
        try:
            request = json.loads(line)
            kernels.build_stored(request["directory"], request["key"])
            answer = {"ok": True}
        except Exception as err:  # noqa: BLE001 (reported; the parent builds it itself)
            answer = {"ok": False, "error": f"{type(err).__name__}: {err}"}
        stdout.write(json.dumps(answer) + "\n")
        stdout.flush()


if __name__ == "__main__":
    serve()
