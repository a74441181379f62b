"""nb2pkg's exit codes: the one table of what each number means.

    0    OK            the command did what was asked; nothing was found
    1    FOUND         problems found (check, deps, clean --check, test, hooks status),
                       files would change (build --check, check --ci), a sync or merge
                       conflict, or edits a write would lose
    2    BAD_INPUT     the user's input cannot be used: configuration, notebooks,
                       directives, command-line usage (typer's own usage errors exit 2 too)
    123  INTERNAL      a bug in nb2pkg: anything but an ``Nb2pkgError`` escaped
    130  INTERRUPTED   stopped with Ctrl-C (128 + SIGINT); every file written so far is whole

Errors carry their code (``errors.Nb2pkgError.exit_code``), results that find problems
compute theirs (``CheckResult.exit_code`` and the like), and ``cli._reported`` turns
everything that escapes into one of these. Imports nothing, so the CLI can use it at start-up.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The process exit code of an nb2pkg command."""

    OK = 0
    FOUND = 1
    BAD_INPUT = 2
    INTERNAL = 123
    INTERRUPTED = 130

    @classmethod
    def found_if(cls, condition: object) -> ExitCode:
        """Return FOUND if *condition* is true, else OK."""
        return cls.FOUND if condition else cls.OK
