"""The test server as the runner and the pytest plugin see it: submit jobs, read outcomes.

Jobs are written by a thread, outcomes read by the caller: a large job never waits for an
outcome nobody reads (no deadlock over full pipes).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..errors import Nb2pkgError
from .protocol import Job, Outcome, dumps, job_to_json, outcome_from_json
from .server import can_fork

#: Where ``nb2pkg`` itself is importable from, for the server's own interpreter.
_NB2PKG_PARENT = str(Path(__file__).resolve().parents[2])


def default_workers() -> int:
    """Return the number of CPUs this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


class ServerProcess:
    """A running test server; use as a context manager so that it always ends."""

    def __init__(self, workers: int, *, cwd: Path | None = None) -> None:
        from importlib.util import find_spec

        if find_spec("IPython") is None:
            raise Nb2pkgError(
                "nb2pkg test runs notebooks in IPython, which is not installed in this "
                f"environment ({sys.executable}); run `pip install ipython`"
            )
        code = (
            f"import sys; sys.path.insert(0, {_NB2PKG_PARENT!r}); "
            f"from nb2pkg.testing.server import main; main({workers}, {can_fork()})"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
        )
        self._errors = bytearray()  # the end of the server's own stderr, to explain a crash
        self.preloaded = ""  # "ok", or why the package could not be imported ahead
        self._jobs: queue.Queue[bytes | None] = queue.Queue()
        self._writer = threading.Thread(target=self._write, daemon=True)
        self._writer.start()
        threading.Thread(target=self._read_errors, daemon=True).start()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def preload(self, modules: Sequence[str], root: Path, cwd: Path) -> None:
        """Name the project's modules to import once, ahead of the notebooks (before any job)."""
        if modules:
            message = {"preload": list(modules), "root": str(root), "cwd": str(cwd)}
            self._jobs.put(dumps(message))

    def submit(self, job_id: str, job: Job) -> None:
        """Queue *job*; its outcome will come from ``outcomes()`` under *job_id*."""
        self._jobs.put(dumps({"id": job_id, "job": job_to_json(job)}))

    def done(self) -> None:
        """Say that no more jobs will come: the server ends after the last one."""
        self._jobs.put(None)

    def stop(self) -> None:
        """Kill the running notebooks and drop the queued ones (before ``done``)."""
        self._jobs.put(dumps({"stop": True}))
        self._jobs.put(None)

    def outcomes(self) -> Iterator[tuple[str, Outcome]]:
        """Yield (job id, outcome) as notebooks end, until the server has finished."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            message = json.loads(line)
            if "outcome" in message:
                yield str(message["id"]), outcome_from_json(message["outcome"])
            self.preloaded = message.get("preloaded", self.preloaded)
        if self.process.wait() != 0:
            raise RuntimeError(f"the test server stopped unexpectedly:\n{self._stderr()}")

    def next_outcome(self) -> tuple[str, Outcome]:
        """Return the next outcome (for one job at a time, as the pytest plugin runs them)."""
        assert self.process.stdout is not None
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"the test server stopped unexpectedly:\n{self._stderr()}")
            message = json.loads(line)
            if "outcome" in message:
                return str(message["id"]), outcome_from_json(message["outcome"])
            self.preloaded = message.get("preloaded", self.preloaded)

    def close(self) -> None:
        """End the server (and with it every notebook still running)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def _write(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        try:
            while (data := self._jobs.get()) is not None:
                stdin.write(data)
                stdin.flush()
        except (BrokenPipeError, OSError):
            return  # the server is gone; outcomes() says why
        try:
            stdin.close()
        except (BrokenPipeError, OSError):
            pass

    def _read_errors(self) -> None:
        stderr = self.process.stderr
        assert stderr is not None
        for line in stderr:
            self._errors += line
            del self._errors[:-4000]

    def _stderr(self) -> str:
        return self._errors.decode("utf-8", "replace")
