"""Per-item outcomes as values: diagnostics, summarised once by the caller."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from .errors import Location, cell_label


class Severity(str, Enum):
    """How much a diagnostic matters; the value is the word that text and JSON output show."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


class Breaks(Enum):
    """When a problem breaks the package: ``export`` refuses the first, ``build`` both."""

    AT_IMPORT = "when the module is imported"
    WHEN_CALLED = "when the code runs"


@dataclass(frozen=True)
class Diagnostic:
    """A located finding with a stable code, e.g. ``NB101``, and the fix in its message."""

    code: str
    severity: Severity
    message: str
    where: Location | None = None
    breaks: Breaks | None = None  # for code that would fail in the installed package

    def __str__(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{self.severity} {self.code}: {self.message}"


def diagnostic_to_json(diagnostic: Diagnostic) -> list[Any]:
    """Return *diagnostic* as a JSON-ready list (for caches and --format json)."""
    where = diagnostic.where
    location = (
        None
        if where is None
        else [where.file, where.cell_index, where.cell_id, where.line, where.column]
    )
    found = [diagnostic.code, diagnostic.severity, diagnostic.message, location]
    return found + [diagnostic.breaks.name] if diagnostic.breaks else found


def diagnostic_from_json(data: list[Any]) -> Diagnostic:
    """Rebuild a diagnostic written by ``diagnostic_to_json``."""
    code, severity, message, location, *breaks = data
    return Diagnostic(
        str(code),
        Severity(severity),
        str(message),
        Location(*location) if location else None,
        Breaks[breaks[0]] if breaks else None,
    )


def count(number: int, noun: str) -> str:
    """Return "1 module" or "3 modules": summaries read as sentences."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def github_annotation(level: str, title: str, message: str, where: Location | None) -> str:
    """Return a GitHub Actions annotation (``::error file=…,title=…::message``).

    A notebook cell's place goes into the message (``cell 3 (id …), line 2: …``): GitHub's
    ``line`` property would point into the notebook's JSON, not into the cell.
    """
    properties = [f"title={title}"]
    if where is not None:
        properties.insert(0, f"file={where.file}")
        if where.cell_index is not None:
            line = f", line {where.line}" if where.line else ""
            message = f"{cell_label(where.cell_index, where.cell_id)}{line}: {message}"
        elif where.line:
            properties.insert(1, f"line={where.line}")
    escaped = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{level} {','.join(properties)}::{escaped}"
