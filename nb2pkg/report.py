"""Per-item outcomes as values: diagnostics, summarised once by the caller."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Location

SEVERITIES = ("error", "warning", "note")


@dataclass(frozen=True)
class Diagnostic:
    """A located finding with a stable code, e.g. ``NB101``, and the fix in its message."""

    code: str
    severity: str  # "error", "warning" or "note"
    message: str
    where: Location | None = None

    def __str__(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{self.severity} {self.code}: {self.message}"
