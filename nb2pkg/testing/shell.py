"""The in-process IPython shell a notebook runs in, with every output captured as text.

A plain ``InteractiveShell`` (magics, ``!cmd``, top-level ``await``, ``display``) — not a
Jupyter kernel. Streams, displays and results of the running cell are collected into
``CellOutputs``; tracebacks are not printed (the child reports them itself). Only
``text/plain`` is computed for displays and results: nothing is rendered that no one reads.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from typing import Any

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets import Type
from traitlets.config import Config

from .protocol import TextOutput


class CellOutputs:
    """The outputs of the cell that is running, in order, consecutive stream text merged."""

    def __init__(self) -> None:
        self.items: list[TextOutput] = []
        self._clear_pending = False
        self._display_ids: dict[str, int] = {}

    def add(self, kind: str, text: str, display_id: str | None = None) -> None:
        """Append one output (merging stream text written piece by piece)."""
        if self._clear_pending:
            self.clear()
        if self.items and kind in ("stdout", "stderr") and self.items[-1].kind == kind:
            self.items[-1] = TextOutput(kind, self.items[-1].text + text)
            return
        if display_id is not None:
            self._display_ids[display_id] = len(self.items)
        self.items.append(TextOutput(kind, text))

    def update(self, display_id: str, text: str) -> None:
        """Replace the display with *display_id*, if this cell made it."""
        position = self._display_ids.get(display_id)
        if position is not None and position < len(self.items):
            self.items[position] = TextOutput("display", text)

    def clear(self, wait: bool = False) -> None:
        """Drop the outputs so far; with *wait*, when the next output arrives (as Jupyter)."""
        if wait:
            self._clear_pending = True
            return
        self.items.clear()
        self._display_ids.clear()
        self._clear_pending = False

    def take(self) -> list[TextOutput]:
        """Return the outputs collected and start afresh for the next cell."""
        items = list(self.items)
        self.clear()
        return items


class _Stream(io.TextIOBase):
    """``sys.stdout`` / ``sys.stderr`` while a notebook runs: text goes to the cell's outputs."""

    encoding = "utf-8"

    def __init__(self, name: str, outputs: CellOutputs) -> None:
        super().__init__()
        self._name = name
        self._outputs = outputs

    @property
    def name(self) -> str:
        return f"<{self._name}>"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            self._outputs.add(self._name, text)
        return len(text)


class _Publisher(DisplayPublisher):
    """``display()``: record the ``text/plain`` form in the cell's outputs."""

    def publish(
        self,
        data: dict[str, Any],
        metadata: Any = None,
        source: Any = None,
        *,
        transient: dict[str, Any] | None = None,
        update: bool = False,
        **kwargs: Any,
    ) -> None:
        shell: Any = self.shell
        outputs: CellOutputs = shell.cell_outputs
        text = data.get("text/plain")
        display_id = (transient or {}).get("display_id")
        if update and isinstance(display_id, str):
            outputs.update(display_id, str(text))
        elif text is not None:
            outputs.add("display", str(text), display_id if isinstance(display_id, str) else None)

    def clear_output(self, wait: bool = False) -> None:
        shell: Any = self.shell
        shell.cell_outputs.clear(wait)


class _DisplayHook(DisplayHook):
    """The value of a cell's last expression: recorded as its result, never printed."""

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict: dict[str, Any], md_dict: Any = None) -> None:
        shell: Any = self.shell
        if "text/plain" in format_dict:
            shell.cell_outputs.add("result", str(format_dict["text/plain"]))

    def finish_displayhook(self) -> None:
        self._is_active = False


class TestShell(InteractiveShell):
    """An InteractiveShell whose outputs go to ``cell_outputs`` instead of the terminal."""

    __test__ = False  # not a test class, for pytest's collector

    displayhook_class = Type(_DisplayHook)
    display_pub_class = Type(_Publisher)

    def __init__(self, **kwargs: Any) -> None:
        self.cell_outputs = CellOutputs()
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]

    def _showtraceback(self, etype: Any, evalue: Any, stb: Any) -> None:
        """The child reports the exception itself, trimmed to the notebook's code."""

    @contextlib.contextmanager
    def _tee(self, channel: Any) -> Iterator[None]:
        """Outputs are captured by the cell's streams already; IPython 9's copy is not needed."""
        yield


def make_shell() -> TestShell:
    """Create the shell (history in memory only, no profile, text/plain formatting only)."""
    config = Config()
    config.HistoryManager.enabled = False
    shell = TestShell.instance(config=config)
    formatter: Any = shell.display_formatter
    formatter.active_types = ["text/plain"]
    return shell


def warm_up(shell: TestShell) -> None:
    """Run a trivial cell (to import what the first cell would), then forget it."""
    with capture(shell):
        shell.run_cell("_ = 1\n_", store_history=True)  # type: ignore[no-untyped-call]
    shell.cell_outputs.take()
    shell.reset(new_session=True)  # type: ignore[no-untyped-call]


@contextlib.contextmanager
def capture(shell: TestShell) -> Iterator[None]:
    """Send ``sys.stdout`` and ``sys.stderr`` to the shell's cell outputs while running."""
    saved = sys.stdout, sys.stderr
    sys.stdout = _Stream("stdout", shell.cell_outputs)
    sys.stderr = _Stream("stderr", shell.cell_outputs)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
