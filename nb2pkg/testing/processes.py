"""Child processes of the test server, and the pipes the server reads from them.

Each child has two pipes: its channel (JSON lines: ``{"cell": N}``, ``{"outcome": …}``) and
its own output (file descriptors 1 and 2: what a library or ``os.system`` writes below
Python's ``sys.stdout``), whose tail explains a crash. Nothing is written to disk.

``Events`` waits on pipes with ``select``; ``ThreadEvents`` reads them with threads, for
platforms whose ``select`` cannot wait on pipes (only ever used without ``fork``: a process
that forks must not have threads).
"""

from __future__ import annotations

import os
import queue
import selectors
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

from .protocol import Failure, FailureKind, Job, Outcome, Status

TAIL = 4000  # bytes of a child's own output kept, to explain a crash
_POSIX = os.name == "posix"


@dataclass
class ChildProcess:
    """A running child and what it has said so far."""

    key: str  # unique for the server's life: a job id may come again after its outcome
    job_id: str
    job: Job
    pid: int
    channel: int  # fd the child's messages arrive on
    output: int  # fd of the child's own stdout and stderr
    process: subprocess.Popen[bytes] | None = None  # spawned children only
    started: float = field(default_factory=time.monotonic)
    deadline: float | None = None
    cell: int | None = None  # the cell running now
    outcome: Outcome | None = None
    timed_out: bool = False
    closed: bool = False  # the channel has ended
    output_open: bool = True
    buffer: bytes = b""
    tail: bytearray = field(default_factory=bytearray)

    @property
    def output_key(self) -> str:
        return self.key + ":output"

    def keep(self, data: bytes) -> None:
        """Keep the end of the child's own output."""
        self.tail += data
        del self.tail[:-TAIL]

    def tail_text(self) -> str:
        return self.tail.decode("utf-8", "replace").strip("\n")

    def kill(self) -> None:
        """Kill the child and every process in its session."""
        if self.process is not None and not _POSIX:
            self.process.kill()
            return
        self.kill_session()
        try:
            os.kill(self.pid, signal.SIGKILL)  # in case it has not made its session yet
        except (ProcessLookupError, PermissionError):
            pass

    def kill_session(self) -> None:
        """Kill what the notebook started and left running: it dies with the notebook."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def exit_code(self) -> int | None:
        """Return the child's exit code once it has ended (then reap it), else None."""
        if self.process is not None:
            code = self.process.poll()
            if code is not None and _POSIX:
                self.kill_session()
            return code
        if hasattr(os, "waitid"):
            # Look without reaping: while the child is a zombie its session id stays taken.
            if os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
                return None
            self.kill_session()
            _, status = os.waitpid(self.pid, 0)
        else:  # pragma: no cover - platforms without waitid
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == 0:
                return None
            self.kill_session()
        return os.waitstatus_to_exitcode(status)


def timeout_outcome(child: ChildProcess) -> Outcome:
    """The outcome of a notebook whose cell ran over the timeout (its process is killed)."""
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
        output=child.tail_text(),
    )
    return Outcome(child.job.notebook, Status.FAILED, failure=failure)


def crash_outcome(child: ChildProcess, code: int) -> Outcome:
    """The outcome of a notebook whose process ended without reporting one."""
    step = next((s for s in child.job.steps if s.index == child.cell), None)
    where = " while this cell ran" if step is not None else " before running any cell"
    failure = Failure(
        FailureKind.CRASH,
        f"the notebook's process {exit_text(code)}{where}, without reporting an outcome",
        child.cell,
        step.cell_id if step else None,
        output=child.tail_text(),
    )
    return Outcome(child.job.notebook, Status.FAILED, failure=failure)


def exit_text(code: int) -> str:
    """Say how a process ended: "exited with code 3", "was killed by signal SIGSEGV"."""
    if code < 0:
        try:
            return f"was killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class Events:
    """Readable data from the server's stdin and the children's pipes, by key."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()

    def add(self, fd: int, key: str) -> None:
        self._selector.register(fd, selectors.EVENT_READ, key)

    def remove(self, fd: int) -> None:
        self._selector.unregister(fd)

    def wait(self, timeout: float | None) -> list[tuple[str, bytes]]:
        found = []
        for selected, _ in self._selector.select(timeout):
            try:
                found.append((selected.data, os.read(selected.fd, 65536)))
            except BlockingIOError:
                continue
        return found

    def close_in_child(self) -> None:
        self._selector.close()


class ThreadEvents(Events):
    """The same with a reader thread per pipe; a pipe is never closed under its reader."""

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


def drain(fd: int) -> bytes:
    """Read what a non-blocking pipe holds now, without waiting for more."""
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    """Write all of *data* to *fd*."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
