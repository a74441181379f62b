"""The values that cross process boundaries while notebooks are tested, and their JSON form.

    runner ──Job──▶ server ──fork──▶ child          one JSON line per message
    runner ◀─Outcome── server ◀─Progress/Outcome── child

Only the standard library is imported here: the server and the child load this module
before anything else.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class Action(str, Enum):
    """What the child does with a code cell."""

    RUN = "run"  # run the cell's source in the shell
    IMPORT = "import"  # --against-package: bind the cell's names from the exported module


class Status(str, Enum):
    """How a notebook's test ended."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


class FailureKind(str, Enum):
    """Why a notebook failed."""

    ERROR = "error"  # a cell raised an exception
    TIMEOUT = "timeout"  # a cell ran longer than the timeout; the process was killed
    CRASH = "crash"  # the process ended without reporting (os._exit, a signal, ...)
    OUTPUTS = "outputs"  # --check-outputs: fresh outputs differ from the stored ones


@dataclass(frozen=True)
class TextOutput:
    """One output of a cell, as text: kind is stdout, stderr, result, display or error."""

    kind: str
    text: str


@dataclass(frozen=True)
class Step:
    """One code cell the child handles, in notebook order (skipped cells are not sent)."""

    index: int
    cell_id: str
    source: str
    action: Action = Action.RUN
    module: str = ""  # IMPORT: the dotted module the cell is exported to
    names: tuple[str, ...] = ()  # IMPORT: names the module must have
    optional: tuple[str, ...] = ()  # IMPORT: names bound only conditionally
    star_imports: tuple[str, ...] = ()  # IMPORT: `from x import *` lines, run as written
    may_raise: bool = False  # the cell is tagged raises-exception
    expected: tuple[TextOutput, ...] | None = None  # --check-outputs: stored outputs, or None


@dataclass(frozen=True)
class Job:
    """One notebook to run, with everything the child needs (it reads no file)."""

    notebook: str  # project-relative path, for messages
    path: str  # absolute path of the notebook file
    root: str  # the project root, put on sys.path
    steps: tuple[Step, ...]
    timeout: float | None = None  # seconds per cell
    sanitizers: tuple[tuple[str, str], ...] = ()  # (regex, replacement), applied to outputs


@dataclass(frozen=True)
class Frame:
    """One frame of a trimmed traceback: in a cell (cell_index set) or in a project file."""

    file: str
    line: int
    name: str
    text: str
    cell_index: int | None = None
    cell_id: str | None = None


@dataclass(frozen=True)
class Failure:
    """What went wrong, and where."""

    kind: FailureKind
    message: str  # the exception ("AssertionError: expected 4") or what happened
    cell_index: int | None = None
    cell_id: str | None = None
    line: int | None = None  # line of the cell's source (1-based)
    frames: tuple[Frame, ...] = ()
    output: str = ""  # the tail of what the failing cell printed


@dataclass(frozen=True)
class Mismatch:
    """--check-outputs: a cell whose fresh outputs differ from its stored ones."""

    cell_index: int
    cell_id: str
    diff: str


@dataclass(frozen=True)
class Outcome:
    """How one notebook's test ended."""

    notebook: str
    status: Status
    seconds: float = 0.0
    cells_run: int = 0
    skipped_cells: tuple[tuple[str, int], ...] = ()  # (reason, how many cells)
    skip_reason: str = ""  # for a skipped notebook
    failure: Failure | None = None
    mismatches: tuple[Mismatch, ...] = field(default=())


# Bound now: a notebook that replaces json.dumps must not silence its own report.
_ENCODE = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


def dumps(message: dict[str, Any]) -> bytes:
    """Encode one message as a JSON line."""
    return (_ENCODE(message) + "\n").encode()


def job_to_json(job: Job) -> dict[str, Any]:
    """Return *job* as JSON-ready data."""
    return asdict(job)


def job_from_json(data: dict[str, Any]) -> Job:
    """Rebuild a job written by ``job_to_json``."""
    steps = tuple(
        Step(
            index=s["index"],
            cell_id=s["cell_id"],
            source=s["source"],
            action=Action(s["action"]),
            module=s["module"],
            names=tuple(s["names"]),
            optional=tuple(s["optional"]),
            star_imports=tuple(s["star_imports"]),
            may_raise=s["may_raise"],
            expected=(
                None
                if s["expected"] is None
                else tuple(TextOutput(o["kind"], o["text"]) for o in s["expected"])
            ),
        )
        for s in data["steps"]
    )
    return Job(
        notebook=data["notebook"],
        path=data["path"],
        root=data["root"],
        steps=steps,
        timeout=data["timeout"],
        sanitizers=tuple((p, r) for p, r in data["sanitizers"]),
    )


def outcome_to_json(outcome: Outcome) -> dict[str, Any]:
    """Return *outcome* as JSON-ready data."""
    return asdict(outcome)


def outcome_from_json(data: dict[str, Any]) -> Outcome:
    """Rebuild an outcome written by ``outcome_to_json``."""
    failure = data.get("failure")
    return Outcome(
        notebook=data["notebook"],
        status=Status(data["status"]),
        seconds=float(data["seconds"]),
        cells_run=int(data["cells_run"]),
        skipped_cells=tuple((str(r), int(n)) for r, n in data["skipped_cells"]),
        skip_reason=data["skip_reason"],
        failure=None if failure is None else _failure_from_json(failure),
        mismatches=tuple(
            Mismatch(m["cell_index"], m["cell_id"], m["diff"]) for m in data["mismatches"]
        ),
    )


def _failure_from_json(data: dict[str, Any]) -> Failure:
    return Failure(
        kind=FailureKind(data["kind"]),
        message=data["message"],
        cell_index=data["cell_index"],
        cell_id=data["cell_id"],
        line=data["line"],
        frames=tuple(Frame(**frame) for frame in data["frames"]),
        output=data["output"],
    )
