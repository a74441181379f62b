"""Decide what stops ``export`` and ``build``: findings that would ship a broken package.

``export`` is the development loop: it refuses what breaks as soon as the package is
imported (a name used at module level that nothing defines, NB101; an own-package import
that cannot succeed, NB103) and a directive that looks like an export directive but is
not one (NB402, or nbdev 1's ``# export``, NB404: the cell would silently be left out). What breaks only when a function
is called is reported as an error and written, so the notebook can still be worked on.

``build`` is the ship step: it also refuses what breaks when the code is called.

The user's ignores (``[tool.nb2pkg.check] ignore``, ``#| nb2pkg: ignore``) apply here as
in ``nb2pkg check``.
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import CheckFailed
from .ignores import without_ignored
from .project import Project, directive_warnings
from .report import Breaks, Diagnostic, Severity, count


def export_gate(project: Project, found: Sequence[Diagnostic]) -> list[Diagnostic]:
    """Raise ``CheckFailed`` for what export refuses; return the errors it reports and writes.

    *found* holds the NB101/NB102/NB103 diagnostics; NB402 and NB404 are looked up here.
    """
    misspelt = [d for d in directive_warnings(project) if _leaves_out(d)]
    kept = without_ignored(project, [*misspelt, *found])
    refused = [d for d in kept if _leaves_out(d) or d.breaks is Breaks.AT_IMPORT]
    if refused:
        raise CheckFailed(
            f"{count(len(refused), 'problem')} would leave the package broken or incomplete "
            "as soon as it is imported; nothing was written (fix them, or pass --no-check to "
            "write anyway):\n" + "\n".join(str(d) for d in refused)
        )
    return [d for d in kept if d.severity is Severity.ERROR and not _leaves_out(d)]


def _leaves_out(diagnostic: Diagnostic) -> bool:
    """A mis-typed export directive (NB402) or nbdev 1's `# export` (NB404): a cell left out."""
    return diagnostic.code in ("NB402", "NB404") and diagnostic.severity is Severity.ERROR


def build_gate(reported: Sequence[Diagnostic]) -> None:
    """Raise ``CheckFailed`` if export reported code that breaks when it runs."""
    refused = [d for d in reported if d.severity is Severity.ERROR and d.breaks is not None]
    if refused:
        raise CheckFailed(
            f"{count(len(refused), 'problem')} would break the package when its code runs; "
            "`nb2pkg build` does not ship it: no wheel was built and pyproject.toml was not "
            "changed (fix them, or pass --no-check):\n" + "\n".join(str(d) for d in refused)
        )
