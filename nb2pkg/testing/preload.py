"""Import the project's own modules once, ahead of the notebooks, when that is safe.

Every notebook runs in a fresh process, so each would import the package again: on a large
package that costs more than running the notebook. When the notebooks import modules of
the package, the server imports them once in a copy of itself, which then takes over and
forks the children: each starts as if its first cell had imported them, and what one
notebook changes in them still reaches no other.

Taking over is refused — and every notebook imports the package itself — when importing
left something a forked copy must not share: a thread (Python's or native), or an open file
or socket. A module that fails to import is left to the notebooks that import it, which
report the error.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import threading

SAFE = "ok"


def import_ahead(modules: list[str], root: str, cwd: str) -> str:
    """Import *modules* in this process; return ``SAFE``, or why forking from it is not."""
    from .child import test_environment

    files = _open_files()
    if files is None:
        return "this platform cannot list open files"
    tasks = _native_threads()
    test_environment()
    os.chdir(cwd)
    sys.path.insert(0, root)
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the notebooks importing it report the error
            continue
        except SystemExit:
            return f"importing {name} called sys.exit()"
    if threading.active_count() > 1 or _native_threads() > tasks:
        return "importing the package started a thread"
    if _open_files() != files:
        return "importing the package left a file or socket open"
    gc.collect()
    gc.freeze()
    return SAFE


def _open_files() -> set[str] | None:
    for folder in ("/proc/self/fd", "/dev/fd"):
        if os.path.isdir(folder):
            return set(os.listdir(folder))
    return None


def _native_threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1  # not Linux: Python's own count above is what can be checked
