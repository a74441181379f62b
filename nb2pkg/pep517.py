"""Build with a backend other than flit, through the standard PEP 517 hooks.

The hooks are called by the ``build`` package without isolation, in a subprocess of this
Python (``pyproject_hooks.quiet_subprocess_runner``): the backend's code never runs in
nb2pkg's process, and nothing is fetched, so the backend and its requirements must be
installed here. Before the build, only the static ``[build-system] requires`` are checked:
asking the backend for more would run it, and setuptools writes an ``.egg-info`` folder
into the project when asked. The backend reads ``pyproject.toml`` from disk, so the file
must say what the build was planned with.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from .config import parse_toml
from .errors import BuildError, Location
from .fsio import read_text_exact


def refuse_replaced_pyproject(root: Path, text: str, backend: str) -> None:
    """Refuse to build unless the file on disk says *text*: the backend reads the file."""
    path = root / "pyproject.toml"
    if not path.is_file() or read_text_exact(path) != text:
        raise _needs_the_file(backend, path)


def refuse_other_build_system(root: Path, data: Mapping[str, Any], backend: str) -> None:
    """Refuse text for another backend whose ``[build-system]`` is not the file's (yet).

    The text may still differ from the file elsewhere (the dependencies ``nb2pkg build``
    adds): it is written before ``run_build``, which checks that the file says it all.
    """
    path = root / "pyproject.toml"
    try:
        on_disk = parse_toml(read_text_exact(path), "pyproject.toml")
    except FileNotFoundError:
        raise _needs_the_file(backend, path) from None
    if on_disk.get("build-system") != data.get("build-system"):
        raise _needs_the_file(backend, path)


def _needs_the_file(backend: str, path: Path) -> BuildError:
    return BuildError(
        f"the {backend} backend reads pyproject.toml from the project folder; "
        "write the file before building",
        Location(str(path)),
    )


def check_installed(data: Mapping[str, Any], backend: str) -> None:
    """Refuse a backend that is not installed, or that needs packages that are not."""
    table = data.get("build-system", {})
    requires = [str(r) for r in table.get("requires", ["setuptools"])]
    install = "pip install " + " ".join(
        f'"{r}"' if set(r) & set("<>=!~; ") else r for r in requires
    )
    module = backend.split(":")[0]
    if "backend-path" not in table and importlib.util.find_spec(module.split(".")[0]) is None:
        raise BuildError(
            f"the build backend {module} (from [build-system]) is not installed in this "
            f"Python; install it with `{install}`, or switch to nb2pkg's default backend",
            Location("pyproject.toml"),
        )
    build, _ = _build_package(module)
    # Only the static requirements: asking the backend for more would run it now, and
    # setuptools writes an .egg-info folder into the project when asked.
    missing = [chain for r in requires for chain in build.check_dependency(r)]
    if missing:
        needed = sorted({chain[-1] for chain in missing})
        raise BuildError(
            f"the {module} backend also needs {', '.join(needed)}; install "
            f"{'it' if len(needed) == 1 else 'them'} with `pip install {' '.join(needed)}`",
            Location("pyproject.toml"),
        )


def _build_package(module: str) -> tuple[Any, Any]:
    try:
        import build
        import pyproject_hooks
    except ImportError:
        raise BuildError(
            f"building with the {module} backend needs the `build` package: pip install build"
        ) from None
    return build, pyproject_hooks


def _project_builder(root: Path) -> Any:
    build, pyproject_hooks = _build_package("build")
    # Hooks run in a subprocess of this Python: the backend's code never runs in nb2pkg's.
    return build.ProjectBuilder(root, runner=pyproject_hooks.quiet_subprocess_runner)


def build_with_backend(
    root: Path, data: Mapping[str, Any], backend: str, staging: Path, *, sdist: bool
) -> list[Path]:
    """Build the wheel (and the sdist) into *staging* with the backend, in a subprocess."""
    module = backend.split(":")[0]
    build, _ = _build_package(module)
    builder = _project_builder(root)
    kinds: list[Literal["wheel", "sdist"]] = ["wheel", "sdist"] if sdist else ["wheel"]
    try:
        return [Path(builder.build(kind, staging)) for kind in kinds]
    except (build.BuildException, build.BuildBackendException) as exc:
        raise BuildError(
            f"the {module} backend failed: {exc}{_output_tail(exc)}",
            Location("pyproject.toml"),
        ) from None


def _output_tail(error: BaseException, lines: int = 15) -> str:
    """Return the last lines a failed backend subprocess printed, for the message."""
    output = getattr(getattr(error, "exception", None), "output", None)
    if not output:
        return ""
    text = output.decode("utf-8", "replace") if isinstance(output, bytes) else str(output)
    return "\n" + "\n".join(text.rstrip().splitlines()[-lines:])


def backend_artefacts(root: Path) -> set[Path]:
    """Return the build folders backends leave in a project (setuptools, pdm-backend)."""
    found = {root / "build", root / ".pdm-build"}
    found = {path for path in found if path.is_dir() and not path.is_symlink()}
    for base in (root, root / "src"):
        found |= {p for p in base.glob("*.egg-info") if p.is_dir() and not p.is_symlink()}
    return found
