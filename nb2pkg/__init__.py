"""nb2pkg: turn Jupyter notebooks into an installable, tested Python package.

The library API mirrors the commands; the CLI is a thin adapter over it::

    from nb2pkg import export_project
    result = export_project(Path("myproject"))
    print(result.summary())

Names are imported lazily so that ``import nb2pkg`` (and the CLI's start-up) stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "load_config": "config",
    "Config": "config",
    "load_project": "project",
    "Project": "project",
    "export_project": "commands.export",
    "ExportResult": "commands.export",
    "new_project": "commands.new",
    "Nb2pkgError": "errors",
    "Location": "errors",
}

__all__ = [
    "__version__",
    "load_config",
    "Config",
    "load_project",
    "Project",
    "export_project",
    "ExportResult",
    "new_project",
    "Nb2pkgError",
    "Location",
]

if TYPE_CHECKING:  # pragma: no cover
    from .commands.export import ExportResult, export_project
    from .commands.new import new_project
    from .config import Config, load_config
    from .errors import Location, Nb2pkgError
    from .project import Project, load_project


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nb2pkg' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)
