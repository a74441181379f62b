"""The test server: one fresh child process per notebook, WORKERS at a time, timeouts enforced.

Started by the runner as ``python -c "…server.main()"`` in the project root. It reads jobs
(JSON lines) on stdin and writes each notebook's outcome on stdout as soon as it is known.

Where ``fork`` exists, the server imports IPython and creates a warmed-up shell once, then
forks a child per notebook: a pristine copy that never ran notebook code, made in a few
milliseconds. Elsewhere each child is a new interpreter (``child.main``).
Either way a child runs exactly one notebook in its own session and is killed, with every
process it started, when a cell runs over the timeout. Before the first job the runner may
name the project's modules the notebooks import: the server then imports them once, in a
copy of itself that takes over if that is safe (see ``preload``).
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import replace
from pathlib import Path
from typing import Any

from .processes import (
    ChildProcess,
    Events,
    ThreadEvents,
    crash_outcome,
    drain,
    timeout_outcome,
    write_all,
)
from .protocol import (
    Job,
    Outcome,
    dumps,
    job_from_json,
    job_to_json,
    outcome_from_json,
    outcome_to_json,
)

CLEANUP_GRACE = 5.0  # seconds a child may take to exit after reporting its outcome
STARTUP_GRACE = 60.0  # seconds a child may take to start, on top of the cell timeout
PRELOAD_LIMIT = 300.0  # seconds the package may take to import ahead
_POSIX = os.name == "posix"
_NB2PKG_PARENT = str(Path(__file__).resolve().parents[2])
_CHILD = (
    f"import sys; sys.path.insert(0, {_NB2PKG_PARENT!r}); "
    "from nb2pkg.testing.child import main; main()"
)


def can_fork() -> bool:
    """Tell whether children can be forked from a prepared server (POSIX, not disabled)."""
    return hasattr(os, "fork") and os.environ.get("NB2PKG_TEST_START", "fork") != "spawn"


class Server:
    """Run queued jobs in children, at most *workers* at once; report outcomes as they end."""

    def __init__(self, workers: int, fork: bool, out: int) -> None:
        self.workers = max(1, workers)
        self.fork = fork
        self.out = out  # where outcomes go
        # Spawned children are read by threads, which a forking server must not have.
        self.events: Events = Events() if fork else ThreadEvents()
        self.pending: deque[tuple[str, Job]] = deque()
        self.running: dict[str, ChildProcess] = {}
        self.shell: Any = None
        self.accepting = True
        self.stopping = False
        self.launched = 0
        self.preloaded = ""  # why the package was not imported ahead, or "ok"
        self._input = b""
        self._lingering: list[subprocess.Popen[bytes]] = []

    def prepare(self) -> None:
        """In fork mode: import IPython and make a warm shell that every child will copy."""
        if self.fork:
            from .shell import make_shell, warm_up

            self.shell = make_shell()
            warm_up(self.shell)
            # What exists now is shared by every child until written to; a collection in a
            # child would touch (and so copy) all of it. Frozen objects are never collected.
            gc.collect()
            gc.freeze()

    def serve(self, jobs_fd: int) -> None:
        """Read jobs from *jobs_fd* until it closes; return when every job has ended."""
        self.events.add(jobs_fd, "")
        try:
            while self.accepting or self.pending or self.running:
                while self.pending and self._busy() < self.workers:
                    self._launch(*self.pending.popleft())
                for key, data in self.events.wait(self._wait_time()):
                    self._read(key, data, jobs_fd)
                self._check_children()
        finally:
            for child in self.running.values():
                child.kill()

    def _read(self, key: str, data: bytes, jobs_fd: int) -> None:
        if key == "":
            self._read_jobs(jobs_fd, data)
            return
        child_key, _, stream = key.partition(":")
        child = self.running.get(child_key)
        if child is None:
            return
        if stream:
            self._read_output(child, data)
        else:
            self._read_child(child, data)

    def _busy(self) -> int:
        """Count the children still running a notebook (not those only cleaning up)."""
        return sum(child.outcome is None for child in self.running.values())

    def _wait_time(self) -> float | None:
        now = time.monotonic()
        waits = [c.deadline - now for c in self.running.values() if c.deadline is not None]
        if any(c.closed for c in self.running.values()):
            waits.append(0.005)  # ended its channel: poll until it has exited
        return max(0.0, min(waits)) if waits else None

    def _read_jobs(self, fd: int, data: bytes) -> None:
        if not data:
            self.accepting = False
            self.events.remove(fd)
            return
        self._input += data
        *lines, self._input = self._input.split(b"\n")
        for line in lines:
            message = json.loads(line)
            if message.get("stop"):
                self.accepting = False
                self.stopping = True
                self.pending.clear()
                for child in self.running.values():
                    child.kill()
            elif "preload" in message:
                self.preload(list(message["preload"]), message["root"], message["cwd"])
            else:
                self.pending.append((str(message["id"]), job_from_json(message["job"])))

    def preload(self, modules: list[str], root: str, cwd: str) -> None:
        """Import *modules* once, in a copy of this server that takes over if that is safe."""
        if not self.fork or not modules or self.launched:
            return
        verdict_read, verdict_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(verdict_read)
            from .preload import SAFE, import_ahead

            verdict = import_ahead(modules, root, cwd)
            write_all(verdict_write, verdict.encode())
            os.close(verdict_write)
            if verdict != SAFE:
                os._exit(0)
            self.preloaded = SAFE
            write_all(self.out, dumps({"preloaded": SAFE}))
            return  # this copy, with the package imported, is the server from now on
        os.close(verdict_write)
        answer = b""
        if select.select([verdict_read], [], [], PRELOAD_LIMIT)[0]:
            answer = os.read(verdict_read, 4096)
        os.close(verdict_read)
        if answer == b"ok":
            _stand_in_for(pid)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        self.preloaded = answer.decode("utf-8", "replace") or "importing it took too long"
        write_all(self.out, dumps({"preloaded": self.preloaded}))

    def _launch(self, job_id: str, job: Job) -> None:
        self.launched += 1
        key = str(self.launched)
        child = self._fork(key, job_id, job) if self.fork else self._spawn(key, job_id, job)
        if job.timeout:
            child.deadline = child.started + job.timeout + STARTUP_GRACE
        self.running[key] = child
        self.events.add(child.channel, key)
        self.events.add(child.output, child.output_key)

    def _fork(self, key: str, job_id: str, job: Job) -> ChildProcess:
        read, write = os.pipe()
        output_read, output_write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            os.close(output_read)
            self._become_child(job, read, write, output_write)
        os.close(write)
        os.close(output_write)
        os.set_blocking(output_read, False)
        return ChildProcess(key, job_id, job, pid, read, output_read)

    def _become_child(self, job: Job, read: int, write: int, output: int) -> None:
        code = 70
        try:
            os.setsid()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            os.close(read)
            os.close(self.out)
            for other in self.running.values():  # only this child's pipes stay open in it
                os.close(other.channel)
                if other.output_open:
                    os.close(other.output)
            self.events.close_in_child()
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(output, 1)
            os.dup2(output, 2)
            os.close(output)
            os.close(null)
            from .child import channel_writer, finish, prepare_process, run_job

            send = channel_writer(write)
            prepare_process(job)
            finish(run_job(job, self.shell, send), send)
        except BaseException:  # noqa: BLE001 - a child must never return into the server
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)

    def _spawn(self, key: str, job_id: str, job: Job) -> ChildProcess:
        process = subprocess.Popen(
            [sys.executable, "-c", _CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=_POSIX,
            creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),
        )
        assert process.stdin is not None and process.stdout is not None
        assert process.stderr is not None
        try:
            process.stdin.write(dumps(job_to_json(job)))
            process.stdin.close()
        except BrokenPipeError:
            pass  # it died at once: reported as a crash with its output
        channel, output = process.stdout.fileno(), process.stderr.fileno()
        return ChildProcess(key, job_id, job, process.pid, channel, output, process)

    def _read_output(self, child: ChildProcess, data: bytes) -> None:
        if data:
            child.keep(data)
            return
        child.output_open = False
        self.events.remove(child.output)
        if child.process is None:
            os.close(child.output)

    def _read_child(self, child: ChildProcess, data: bytes) -> None:
        if not data:
            child.closed = True
            self.events.remove(child.channel)
            return
        child.buffer += data
        *lines, child.buffer = child.buffer.split(b"\n")
        for line in lines:
            message = json.loads(line)
            if "cell" in message:
                child.cell = int(message["cell"])
                timeout = child.job.timeout
                child.deadline = time.monotonic() + timeout if timeout else None
            elif "outcome" in message:
                child.outcome = outcome_from_json(message["outcome"])
                child.deadline = time.monotonic() + CLEANUP_GRACE
                self._report(child, child.outcome)

    def _check_children(self) -> None:
        now = time.monotonic()
        for child in list(self.running.values()):
            if child.deadline is not None and now >= child.deadline and not child.timed_out:
                child.timed_out = True
                child.kill()
                if child.outcome is None:
                    self._take_output(child)
                    self._report(child, timeout_outcome(child))
            if not child.closed and not child.timed_out:
                continue
            code = child.exit_code()
            if code is None or (child.process is not None and not child.closed):
                continue  # a reader thread still owns the channel until it sees its end
            if child.outcome is None and not child.timed_out and not self.stopping:
                self._take_output(child)
                self._report(child, crash_outcome(child, code))
            self._close(child)

    def _take_output(self, child: ChildProcess) -> None:
        """Read what the child wrote and the server has not read yet (fork mode)."""
        if child.process is None and child.output_open:
            child.keep(drain(child.output))

    def _close(self, child: ChildProcess) -> None:
        if not child.closed:
            self.events.remove(child.channel)
        if child.process is None:
            os.close(child.channel)
            if child.output_open:
                self.events.remove(child.output)
                os.close(child.output)
        else:
            child.process.wait()
            if child.process.stdout is not None:
                child.process.stdout.close()
            if child.output_open:
                self._lingering.append(child.process)  # its reader thread still reads
            elif child.process.stderr is not None:
                child.process.stderr.close()
        del self.running[child.key]

    def _report(self, child: ChildProcess, outcome: Outcome) -> None:
        child.outcome = outcome
        seconds = round(time.monotonic() - child.started, 3)
        message = {
            "id": child.job_id,
            "outcome": outcome_to_json(replace(outcome, seconds=seconds)),
        }
        write_all(self.out, dumps(message))


def _stand_in_for(pid: int) -> None:
    """Wait for the copy that took over, pass on a request to stop, and end as it ends."""

    def forward(signum: int, frame: Any) -> None:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the copy gets the terminal's Ctrl-C itself
    _, status = os.waitpid(pid, 0)
    os._exit(max(0, os.waitstatus_to_exitcode(status)))


def main(workers: int, fork: bool) -> None:
    """Serve the jobs arriving on stdin until it closes; outcomes go to stdout."""
    from .child import forget_bootstrap

    forget_bootstrap()
    out = os.dup(1)
    os.dup2(2, 1)  # stray prints (a library's warning at import) must not corrupt the stream
    server = Server(workers, fork, out)

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(1)

    signal.signal(signal.SIGTERM, stop)
    try:
        server.prepare()
        write_all(out, dumps({"ready": True}))
        server.serve(0)
    except (BrokenPipeError, KeyboardInterrupt):
        pass  # the runner is gone; children are killed on the way out
