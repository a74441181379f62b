"""The test server: one fresh child process per notebook, WORKERS at a time, timeouts enforced.

Started by the runner as ``python -c "…server.main()"`` in the project root. It reads jobs
(JSON lines) on stdin and writes each notebook's outcome on stdout as soon as it is known.

Where ``fork`` exists, the server imports IPython and creates a warmed-up shell once, then
forks a child per notebook: a pristine copy that never ran notebook code, made in a few
milliseconds. Elsewhere each child is a new interpreter (``child.main``).
Either way a child runs exactly one notebook in its own session and is killed, with every
process it started, when a cell runs over the timeout.
"""

from __future__ import annotations

import gc
import json
import os
import queue
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .protocol import (
    Failure,
    FailureKind,
    Job,
    Outcome,
    Status,
    dumps,
    job_from_json,
    job_to_json,
    outcome_from_json,
    outcome_to_json,
)

CLEANUP_GRACE = 5.0  # seconds a child may take to exit after reporting its outcome
STARTUP_GRACE = 60.0  # seconds a child may take to start, on top of the cell timeout
LOG_TAIL = 2000  # characters of a crashed child's own output shown in the report
_POSIX = os.name == "posix"
_NB2PKG_PARENT = str(Path(__file__).resolve().parents[2])
_CHILD = (
    f"import sys; sys.path.insert(0, {_NB2PKG_PARENT!r}); "
    "from nb2pkg.testing.child import main; main()"
)


def can_fork() -> bool:
    """Tell whether children can be forked from a prepared server (POSIX, not disabled)."""
    return hasattr(os, "fork") and os.environ.get("NB2PKG_TEST_START", "fork") != "spawn"


@dataclass
class _Child:
    """A running child and what it has said so far."""

    key: str  # unique for the server's life: a job id may come again after its outcome
    job_id: str
    job: Job
    pid: int
    channel: int  # fd the child's messages arrive on
    log: Path
    process: subprocess.Popen[bytes] | None = None  # spawned children only
    started: float = field(default_factory=time.monotonic)
    deadline: float | None = None
    cell: int | None = None
    outcome: Outcome | None = None
    timed_out: bool = False
    closed: bool = False
    buffer: bytes = b""

    def kill(self) -> None:
        """Kill the child and every process in its session."""
        if self.process is not None and not _POSIX:
            self.process.kill()
            return
        self._kill_leftovers()  # the whole session: the child and what it started
        try:
            os.kill(self.pid, signal.SIGKILL)  # in case it has not made its session yet
        except (ProcessLookupError, PermissionError):
            pass

    def exit_code(self) -> int | None:
        """Return the child's exit code once it has ended (then reap it), else None."""
        if self.process is not None:
            code = self.process.poll()
            if code is not None and _POSIX:
                self._kill_leftovers()
            return code
        if hasattr(os, "waitid"):
            # Look without reaping: while the child is a zombie its session id stays taken.
            if os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
                return None
            self._kill_leftovers()
            _, status = os.waitpid(self.pid, 0)
        else:  # pragma: no cover - macOS without waitid
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == 0:
                return None
            self._kill_leftovers()
        return os.waitstatus_to_exitcode(status)

    def _kill_leftovers(self) -> None:
        """Processes the notebook started and left running die with it."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class _Events:
    """Readable data from the server's stdin and the children's channels."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()

    def add(self, fd: int, key: str) -> None:
        self._selector.register(fd, selectors.EVENT_READ, key)

    def remove(self, fd: int) -> None:
        self._selector.unregister(fd)

    def wait(self, timeout: float | None) -> list[tuple[str, bytes]]:
        found = []
        for selected, _ in self._selector.select(timeout):
            found.append((selected.data, os.read(selected.fd, 65536)))
        return found

    def close_in_child(self) -> None:
        self._selector.close()


class _ThreadEvents(_Events):
    """The same, for platforms whose ``select`` cannot wait on pipes: a reader per fd."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, bytes]] = queue.Queue()

    def add(self, fd: int, key: str) -> None:
        def pump() -> None:
            while True:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    data = b""
                self._queue.put((key, data))
                if not data:
                    return

        threading.Thread(target=pump, daemon=True).start()

    def remove(self, fd: int) -> None:
        pass

    def wait(self, timeout: float | None) -> list[tuple[str, bytes]]:
        try:
            found = [self._queue.get(timeout=timeout)]
        except queue.Empty:
            return []
        while not self._queue.empty():
            found.append(self._queue.get_nowait())
        return found


class Server:
    """Run queued jobs in children, at most *workers* at once; report outcomes as they end."""

    def __init__(self, workers: int, fork: bool, out: int) -> None:
        self.workers = max(1, workers)
        self.fork = fork
        self.out = out  # where outcomes go
        # Spawned children are read by threads, which a forking server must not have.
        self.events: _Events = _Events() if fork else _ThreadEvents()
        self.pending: deque[tuple[str, Job]] = deque()
        self.running: dict[str, _Child] = {}
        self.logs = Path(tempfile.mkdtemp(prefix="nb2pkg-test-"))
        self.shell: Any = None
        self.accepting = True
        self.stopping = False
        self.launched = 0
        self._input = b""

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
                    if key == "":
                        self._read_jobs(jobs_fd, data)
                    elif key in self.running:
                        self._read_child(self.running[key], data)
                self._check_children()
        finally:
            for child in self.running.values():
                child.kill()
            _remove_tree(self.logs)

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
            else:
                self.pending.append((str(message["id"]), job_from_json(message["job"])))

    def _launch(self, job_id: str, job: Job) -> None:
        self.launched += 1
        log = self.logs / f"{self.launched}.log"
        child = self._fork(job_id, job, log) if self.fork else self._spawn(job_id, job, log)
        if job.timeout:
            child.deadline = child.started + job.timeout + STARTUP_GRACE
        self.running[child.key] = child
        self.events.add(child.channel, child.key)

    def _fork(self, job_id: str, job: Job, log: Path) -> _Child:
        read, write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            self._become_child(job, read, write, log)
        os.close(write)
        return _Child(str(self.launched), job_id, job, pid, read, log)

    def _become_child(self, job: Job, read: int, write: int, log: Path) -> None:
        code = 70
        try:
            os.setsid()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            os.close(read)
            os.close(self.out)
            for other in self.running.values():
                os.close(other.channel)
            self.events.close_in_child()
            out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(out, 1)
            os.dup2(out, 2)
            os.close(out)
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

    def _spawn(self, job_id: str, job: Job, log: Path) -> _Child:
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-c", _CHILD],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=out,
                start_new_session=_POSIX,
                creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),
            )
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(dumps(job_to_json(job)))
            process.stdin.close()
        except BrokenPipeError:
            pass  # it died at once: reported as a crash with its log
        return _Child(
            str(self.launched), job_id, job, process.pid, process.stdout.fileno(), log, process
        )

    def _read_child(self, child: _Child, data: bytes) -> None:
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
                    self._report(child, self._timeout(child))
            if not child.closed and not child.timed_out:
                continue
            code = child.exit_code()
            if code is None or (child.process is not None and not child.closed):
                continue  # a reader thread still owns the channel until it sees its end
            if child.outcome is None and not child.timed_out and not self.stopping:
                self._report(child, self._crash(child, code))
            self._close(child)

    def _close(self, child: _Child) -> None:
        if not child.closed:
            self.events.remove(child.channel)
        if child.process is not None:
            child.process.wait()
            if child.process.stdout is not None:
                child.process.stdout.close()
        else:
            os.close(child.channel)
        child.log.unlink(missing_ok=True)
        del self.running[child.key]

    def _report(self, child: _Child, outcome: Outcome) -> None:
        child.outcome = outcome
        seconds = round(time.monotonic() - child.started, 3)
        message = {
            "id": child.job_id,
            "outcome": outcome_to_json(replace(outcome, seconds=seconds)),
        }
        write_all(self.out, dumps(message))

    def _timeout(self, child: _Child) -> Outcome:
        step = next((s for s in child.job.steps if s.index == child.cell), None)
        message = (
            f"the cell did not finish within {child.job.timeout:g} s; its process (and any it "
            "started) was killed. Raise the limit with --timeout or [tool.nb2pkg.test] "
            "timeout, or give a slow cell a test flag"
        )
        if step is None:
            message = "the notebook's process did not start in time; it was killed"
        failure = Failure(
            FailureKind.TIMEOUT,
            message,
            child.cell,
            step.cell_id if step else None,
            output=_tail(child.log),
        )
        return Outcome(child.job.notebook, Status.FAILED, failure=failure)

    def _crash(self, child: _Child, code: int) -> Outcome:
        how = (
            f"was killed by signal {signal.Signals(-code).name}"
            if code < 0
            else f"exited with code {code}"
        )
        step = next((s for s in child.job.steps if s.index == child.cell), None)
        where = " while this cell ran" if step is not None else " before running any cell"
        failure = Failure(
            FailureKind.CRASH,
            f"the notebook's process {how}{where}, without reporting an outcome",
            child.cell,
            step.cell_id if step else None,
            output=_tail(child.log),
        )
        return Outcome(child.job.notebook, Status.FAILED, failure=failure)


def _tail(log: Path) -> str:
    try:
        text = log.read_bytes()[-LOG_TAIL:].decode("utf-8", "replace")
    except OSError:
        return ""
    return text.strip("\n")


def _remove_tree(folder: Path) -> None:
    for path in folder.glob("*"):
        path.unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:
        pass


def write_all(fd: int, data: bytes) -> None:
    """Write all of *data* to *fd*."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def main(workers: int, fork: bool) -> None:
    """Serve the jobs arriving on stdin until it closes; outcomes go to stdout."""
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
