"""``nb2pkg new``: create a project from the bundled template."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..config import normalise_package_name
from ..errors import Location, Nb2pkgError
from ..fsio import write_text_atomic
from ..identifiers import identifier_problem

_DISTRIBUTION_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")


def template_dir() -> Path:
    """Return the template folder: inside the installed package, or at the repository top."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "template", package.parent / "template"):
        if (candidate / "pyproject.toml").is_file():
            return candidate
    raise Nb2pkgError(
        "the project template is missing from this installation of nb2pkg; reinstall it"
    )


def new_project(
    target: Path, name: str | None = None, description: str | None = None
) -> list[Path]:
    """Copy the template into *target* (which must be empty or absent); return the files."""
    target = target.resolve()
    name = name or target.name
    if not _DISTRIBUTION_NAME.match(name):
        raise Nb2pkgError(
            f'"{name}" is not a valid project name; use letters, digits, "-", "_" and "."',
            Location(str(target)),
        )
    package = normalise_package_name(name)
    problem = identifier_problem(package)
    if problem:
        raise Nb2pkgError(
            f'"{name}" cannot name a project: its import name "{package}" {problem}; '
            "choose another name",
            Location(str(target)),
        )
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise Nb2pkgError(
            "is not empty; nb2pkg new only creates projects in a new or empty folder",
            Location(str(target)),
        )
    values = {
        "{{name}}": name,
        "{{package}}": package,
        "{{description}}": description or f"{name}: a package made from notebooks",
    }
    source = template_dir()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file where a folder must be, no permission, ...
        raise Nb2pkgError(
            f"cannot be created: {exc.strerror}; choose another place (--path)",
            Location(str(target)),
        ) from None
    written = []
    for path in sorted(source.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for placeholder, value in values.items():
            text = text.replace(placeholder, _escaped(value, path))
        destination = target / path.relative_to(source)
        write_text_atomic(destination, text, root=target)
        written.append(destination)
    return written


def _escaped(value: str, path: Path) -> str:
    """Escape a value for the file it goes into (JSON and TOML strings need quotes escaped)."""
    if path.suffix in (".ipynb", ".toml", ".json"):
        return value.replace("\\", "\\\\").replace('"', '\\"')
    return value


@dataclass(frozen=True)
class NewProject:
    """A project `nb2pkg new` created: its files, and what was done with git."""

    root: Path
    files: tuple[Path, ...]
    git: str  # one sentence for the summary: repository created, hooks installed, or why not


def create_project(target: Path, description: str | None = None, *, git: bool = True) -> NewProject:
    """Create a project from the template; with git on PATH, make it a repository with hooks."""
    files = new_project(target, description=description)
    root = target.resolve()
    return NewProject(root, tuple(files), _set_up_git(root) if git else "git left alone")


def _set_up_git(root: Path) -> str:
    """Run `git init` (unless inside a repository already) and `nb2pkg hooks install`."""
    from ..gitsetup import find_repository, git_executable, install, run_git

    if git_executable() is None:
        return "git is not on PATH, so no repository was made (run `git init` and `nb2pkg hooks install` later)"
    repository = find_repository(root)
    made = repository is None
    if made:
        result = run_git(["init", "--quiet"], root)
        if result.returncode != 0:
            return f"`git init` failed ({result.stderr.strip()}); run it and `nb2pkg hooks install` yourself"
    try:
        hooks = install(root)
    except Nb2pkgError as exc:
        return f"`nb2pkg hooks install` failed ({exc}); run it yourself"
    where = "a new git repository" if made else f"the enclosing repository {hooks.repository}"
    return f"nb2pkg's git filter, diff and merge driver registered in {where}"
