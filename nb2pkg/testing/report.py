"""Show outcomes: a line per notebook, the details of each failure, GitHub annotations.

A failure names the notebook, the cell (number and id) and the line, shows the cell's
source around that line, the exception, and the traceback trimmed to the notebook's cells
and the project's own files::

    nbs/01_data.ipynb: cell 5 (id 9a8b7c6d), line 3: AssertionError: totals differ
           1 | rows = load()
           2 | total = sum(rows)
        >  3 | assert total == 10, "totals differ"
      Traceback (notebook and project code only):
        nbs/01_data.ipynb: cell 5 (id 9a8b7c6d), line 3, in <module>
          assert total == 10, "totals differ"
"""

from __future__ import annotations

from ..errors import Location
from ..report import github_annotation
from .protocol import Failure, FailureKind, Job, Outcome, Status

CONTEXT = 2  # source lines shown before and after the failing line
_LABELS = {Status.PASSED: "PASS", Status.FAILED: "FAIL", Status.SKIPPED: "SKIP"}


def outcome_line(outcome: Outcome) -> str:
    """Return the one line shown for a notebook as it ends."""
    label = _LABELS[outcome.status]
    if outcome.status is Status.SKIPPED:
        return f"{label} {outcome.notebook} ({outcome.skip_reason})"
    line = f"{label} {outcome.notebook} {outcome.seconds:.2f} s"
    skipped = sum(number for _, number in outcome.skipped_cells)
    if skipped:
        reasons = ", ".join(reason for reason, _ in outcome.skipped_cells)
        line += f" ({skipped} {'cell' if skipped == 1 else 'cells'} skipped: {reasons})"
    return line


def where(outcome: Outcome, failure: Failure | None) -> Location:
    """Return the location of a failure: the notebook, the cell, the line."""
    if failure is None:
        return Location(outcome.notebook)
    return Location(outcome.notebook, failure.cell_index, failure.cell_id, failure.line)


def failure_text(outcome: Outcome, job: Job | None) -> str:
    """Return everything about a failed notebook: the error, its cell, traceback, output diffs."""
    blocks = []
    failure = outcome.failure
    if failure is not None:
        lines = [f"{where(outcome, failure)}: {_headline(failure)}"]
        lines += _source_around(job, failure)
        if failure.frames:
            lines.append("  Traceback (notebook and project code only):")
            for frame in failure.frames:
                if frame.cell_index is not None:
                    cell = Location(outcome.notebook, frame.cell_index, frame.cell_id, frame.line)
                    lines.append(f"    {cell}, in {frame.name}")
                else:
                    lines.append(f"    {frame.file}, line {frame.line}, in {frame.name}")
                if frame.text:
                    lines.append(f"      {frame.text}")
        if failure.output:
            title = "Output of the process" if failure.kind is not FailureKind.ERROR else "Output"
            lines.append(f"  {title} (last lines):")
            lines += [f"    {line}" for line in failure.output.split("\n")]
        blocks.append("\n".join(lines))
    for mismatch in outcome.mismatches:
        place = Location(outcome.notebook, mismatch.cell_index, mismatch.cell_id)
        diff = "\n".join(f"    {line}" for line in mismatch.diff.split("\n"))
        blocks.append(
            f"{place}: the outputs differ from those stored in the notebook "
            f"(`#| nb2pkg: ignore-output` excludes a cell):\n{diff}"
        )
    return "\n".join(blocks)


def _headline(failure: Failure) -> str:
    if failure.kind is FailureKind.TIMEOUT:
        return f"timed out: {failure.message}"
    if failure.kind is FailureKind.CRASH:
        return f"crashed: {failure.message}"
    return failure.message


def _source_around(job: Job | None, failure: Failure) -> list[str]:
    if job is None or failure.cell_index is None:
        return []
    step = next((s for s in job.steps if s.index == failure.cell_index), None)
    if step is None or not step.source:
        return []
    source = step.source.split("\n")
    if failure.line is None or not 1 <= failure.line <= len(source):
        first, last = 1, min(len(source), 2 * CONTEXT + 1)
    else:
        first, last = max(1, failure.line - CONTEXT), min(len(source), failure.line + CONTEXT)
    width = len(str(last))
    shown = []
    for number in range(first, last + 1):
        marker = ">" if number == failure.line else " "
        shown.append(f"    {marker} {number:>{width}} | {source[number - 1]}".rstrip())
    return shown


def github_annotations(outcome: Outcome) -> list[str]:
    """Return GitHub Actions ``::error`` lines for a failed notebook (one per problem)."""
    found = []
    if outcome.failure is not None:
        found.append(
            _annotation(outcome, where(outcome, outcome.failure), _headline(outcome.failure))
        )
    for mismatch in outcome.mismatches:
        place = Location(outcome.notebook, mismatch.cell_index, mismatch.cell_id)
        found.append(
            _annotation(outcome, place, "outputs differ from the stored ones\n" + mismatch.diff)
        )
    return found


def _annotation(outcome: Outcome, place: Location, message: str) -> str:
    return github_annotation("error", "nb2pkg test", message, place)
