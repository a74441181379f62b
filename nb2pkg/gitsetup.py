"""Register nb2pkg with git: a clean filter, a notebook diff and a merge driver.

    nb2pkg hooks install     git config --local: filter.nb2pkg, diff.nb2pkg, merge.nb2pkg
                             .gitattributes:    *.ipynb filter=nb2pkg diff=nb2pkg merge=nb2pkg
    nb2pkg hooks uninstall   removes exactly those settings and lines

Git runs ``nb2pkg ...`` found on PATH, never an interpreter's absolute path, so the
settings work in every clone and with every virtual environment that has nb2pkg. The
``.gitattributes`` lines are committed: they tell every clone (and CI) that the project's
notebooks are stored clean; ``.git/config`` is per clone, which is why each clone runs
``nb2pkg hooks install`` once (``nb2pkg new`` does it for a new project).
"""

from __future__ import annotations

import enum
import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import find_project_root
from .errors import ConfigError, Location, Nb2pkgError
from .fsio import remove_file, write_text_atomic
from .nbjson import Layout

DRIVER = "nb2pkg"
GIT_CONFIG: tuple[tuple[str, str], ...] = (
    ("filter.nb2pkg.clean", "nb2pkg clean --stdin --path %f"),
    ("filter.nb2pkg.process", "nb2pkg hooks filter"),
    ("diff.nb2pkg.textconv", "nb2pkg hooks textconv"),
    ("diff.nb2pkg.xfuncname", "^# %% .*$"),
    ("merge.nb2pkg.name", "nb2pkg: merge notebooks cell by cell"),
    (
        "merge.nb2pkg.driver",
        "nb2pkg hooks merge %O %A %B --marker-size %L --path %P "
        "--base-label %S --ours-label %X --theirs-label %Y",
    ),
)
SECTIONS = ("filter.nb2pkg", "diff.nb2pkg", "merge.nb2pkg")
ATTRIBUTES_COMMENT = (
    "# nb2pkg: notebooks are stored clean, and diffed and merged cell by cell "
    "(`nb2pkg hooks install`)"
)
ATTRIBUTES_LINE = "*.ipynb filter=nb2pkg diff=nb2pkg merge=nb2pkg"
_NOTEBOOK_PATTERNS = ("*.ipynb", "**/*.ipynb")
_ATTRIBUTES = ("filter", "diff", "merge")


class GitSetupError(Nb2pkgError):
    """git is missing, or the project is not in a git repository."""


class FilterUse(enum.Enum):
    """How a notebook is stored by git."""

    NONE = "none"  # no .gitattributes line names nb2pkg's filter
    DECLARED = "declared"  # .gitattributes names it, but this clone has not registered it
    ACTIVE = "active"  # git cleans the notebook on every add and commit

    def __str__(self) -> str:
        return {
            "none": "stored as saved (no .gitattributes line names nb2pkg's filter)",
            "declared": "named by .gitattributes, but this clone has not registered the filter "
            "(run `nb2pkg hooks install`)",
            "active": "cleaned by git on every add and commit",
        }[self.value]


@dataclass(frozen=True)
class HooksResult:
    """What install or uninstall changed, and what the user should know."""

    repository: Path
    attributes: Path
    changes: tuple[str, ...]
    notes: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()  # what was already as the command leaves it (for -v)

    def summary(self, verb: str) -> str:
        """Return the one-line summary."""
        if not self.changes:
            return f"nothing to {verb}: {self.repository} was already set up that way"
        return f"{verb}ed nb2pkg's git filter, diff and merge driver in {self.repository}"


@dataclass(frozen=True)
class HooksStatus:
    """Which of nb2pkg's git settings a repository has."""

    repository: Path
    attributes: Path
    config: tuple[tuple[str, str | None], ...]  # name, current value
    declared: bool  # the .gitattributes lines are there

    @property
    def installed(self) -> bool:
        """Return True if every setting has nb2pkg's value and the attributes are declared."""
        wanted = dict(GIT_CONFIG)
        return self.declared and all(value == wanted[name] for name, value in self.config)


def git_executable() -> str | None:
    """Return the git on PATH, or None."""
    return shutil.which("git")


def run_git(
    args: Sequence[str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run git in *cwd* and return the finished process (never raises for a git failure)."""
    git = git_executable()
    if git is None:
        raise GitSetupError("git is not installed or not on PATH; install git and run again")
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    return subprocess.run(
        [git, *args], cwd=cwd, input=stdin, capture_output=True, text=True, env=env, check=False
    )


def find_repository(start: Path) -> Path | None:
    """Return the top folder of the git work tree holding *start*, or None."""
    folder = start if start.is_dir() else start.parent
    if git_executable() is None or not folder.is_dir():
        return None
    result = run_git(["rev-parse", "--show-toplevel"], folder)
    return Path(result.stdout.strip()).resolve() if result.returncode == 0 else None


def _locate(path: Path | None) -> tuple[Path, Path]:
    """Return the repository and the folder whose .gitattributes nb2pkg manages."""
    start = (path or Path.cwd()).resolve()
    if git_executable() is None:
        raise GitSetupError("git is not installed or not on PATH; install git and run again")
    repository = find_repository(start)
    if repository is None:
        raise GitSetupError(
            "is not inside a git repository; run `git init` first", Location(str(start))
        )
    try:
        root = find_project_root(start)
    except ConfigError:
        root = repository
    if root != repository and repository not in root.parents:
        root = repository
    return repository, root


def status(path: Path | None = None) -> HooksStatus:
    """Report which of nb2pkg's settings the repository holding *path* has."""
    repository, root = _locate(path)
    current = tuple((name, _config_value(repository, name)) for name, _ in GIT_CONFIG)
    attributes = root / ".gitattributes"
    return HooksStatus(repository, attributes, current, _declares(_read(attributes)))


def install(path: Path | None = None) -> HooksResult:
    """Register the filter, diff and merge driver, and add the .gitattributes lines."""
    state = status(path)
    changes = [
        f"git config {name} = {value!r}"
        for (name, value), (_, current) in zip(GIT_CONFIG, state.config)
        if current != value
    ]
    unchanged = [
        f"git config {name} = {value!r}"
        for (name, value), (_, current) in zip(GIT_CONFIG, state.config)
        if current == value
    ]
    if state.declared:
        unchanged.append(f"{_shown(state)}: names nb2pkg's filter, diff and merge driver")
    text = _read(state.attributes)
    new_text = None if state.declared else _with_line(text)
    for name, value in GIT_CONFIG:
        if dict(state.config)[name] != value:
            _git_checked(["config", "--local", "--replace-all", name, value], state.repository)
    if new_text is not None:
        write_text_atomic(state.attributes, new_text, root=state.attributes.parent)
        changes.append(f"{_shown(state)}: added `{ATTRIBUTES_LINE}`")
    notes = []
    if shutil.which(DRIVER) is None:
        notes.append(
            "nb2pkg is not on PATH here; git runs `nb2pkg` from PATH, so activate the "
            "environment that has it (or install it with pipx) before you commit or merge"
        )
    return HooksResult(
        state.repository, state.attributes, tuple(changes), tuple(notes), tuple(unchanged)
    )


def uninstall(path: Path | None = None) -> HooksResult:
    """Remove nb2pkg's git settings and the .gitattributes lines install added."""
    state = status(path)
    changes = []
    unchanged = []
    for section in SECTIONS:
        listed = run_git(["config", "--local", "--get-regexp", f"^{section}\\."], state.repository)
        kind, name = section.split(".")
        if listed.returncode == 0 and listed.stdout.strip():
            _git_checked(["config", "--local", "--remove-section", section], state.repository)
            changes.append(f'git config: removed [{kind} "{name}"]')
        else:
            unchanged.append(f'git config: no [{kind} "{name}"] to remove')
    text = _read(state.attributes)
    notes = []
    if text is not None:
        kept = _without_line(text)
        if kept != text:
            if kept.strip():
                write_text_atomic(state.attributes, kept, root=state.attributes.parent)
            else:
                remove_file(state.attributes, root=state.attributes.parent)
            changes.append(f"{_shown(state)}: removed `{ATTRIBUTES_LINE}`")
        if _declares(kept):
            notes.append(
                f"{_shown(state)} still names nb2pkg's filter on a line you wrote; "
                "remove it yourself if git should stop using it"
            )
    if not any(change.startswith(_shown(state)) for change in changes):
        unchanged.append(f"{_shown(state)}: no line of nb2pkg's to remove")
    return HooksResult(
        state.repository, state.attributes, tuple(changes), tuple(notes), tuple(unchanged)
    )


def notebook_storage(path: Path | None = None) -> list[tuple[str, FilterUse]]:
    """Return how git stores each notebook of the project holding *path* (none outside one)."""
    from .config import load_config
    from .walk import find_notebooks

    try:
        root = find_project_root(path or Path.cwd())
    except ConfigError:  # a repository that is no project: no notebooks of one to list
        return []
    config = load_config(root)
    if not config.notebooks_dir.is_dir():
        return []
    notebooks = find_notebooks(config.notebooks_dir, recursive=config.recursive)
    uses = filter_use(config.root, notebooks)
    return [(config.relative(file), uses[file.resolve()]) for file in notebooks]


def _shown(state: HooksStatus) -> str:
    return os.path.relpath(state.attributes, Path.cwd())


def _config_value(repository: Path, name: str) -> str | None:
    result = run_git(["config", "--local", "--get", name], repository)
    return result.stdout.rstrip("\n") if result.returncode == 0 else None


def _git_checked(args: Sequence[str], repository: Path) -> None:
    result = run_git(args, repository)
    if result.returncode != 0:
        raise GitSetupError(
            f"`git {' '.join(args)}` failed: {result.stderr.strip()}", Location(str(repository))
        )


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")  # line ends as they are
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise GitSetupError(f"cannot be read: {exc}", Location(str(path))) from None


def notebook_attributes(text: str | None) -> dict[str, str]:
    """Return the filter, diff and merge values a .gitattributes gives ``*.ipynb`` files."""
    values: dict[str, str] = {}
    for line in (text or "").splitlines():
        words = line.split()
        if not words or words[0].startswith("#") or words[0] not in _NOTEBOOK_PATTERNS:
            continue
        for word in words[1:]:
            name, _, value = word.lstrip("-!").partition("=")
            if name in _ATTRIBUTES:
                values[name] = value if "=" in word and word[0] not in "-!" else ""
    return values


def _declares(text: str | None) -> bool:
    values = notebook_attributes(text)
    return all(values.get(name) == DRIVER for name in _ATTRIBUTES)


def _with_line(text: str | None) -> str:
    newline = Layout.of(text or "").newline
    body = text or ""
    if body and not body.endswith("\n"):
        body += newline
    if body.strip():
        body += newline
    return body + ATTRIBUTES_COMMENT + newline + ATTRIBUTES_LINE + newline


def _without_line(text: str) -> str:
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    for line in lines:
        if line.rstrip("\r\n") == ATTRIBUTES_LINE:
            if kept and kept[-1].rstrip("\r\n") == ATTRIBUTES_COMMENT:
                kept.pop()
                if kept and not kept[-1].strip():
                    kept.pop()  # the blank line install put before the block
            continue
        kept.append(line)
    return "".join(kept)


def filter_use(root: Path, notebooks: Iterable[Path]) -> dict[Path, FilterUse]:
    """Return how git stores each notebook under the project *root*.

    With git, the answer is git's own (``git check-attr``, every attributes file honoured);
    without git or outside a repository, the project's .gitattributes is read and the
    filter cannot be active.
    """
    paths = [path.resolve() for path in notebooks]
    repository = find_repository(root)
    if repository is None:
        declared = notebook_attributes(_read(root / ".gitattributes")).get("filter") == DRIVER
        use = FilterUse.DECLARED if declared else FilterUse.NONE
        return dict.fromkeys(paths, use)
    active = _config_value(repository, "filter.nb2pkg.clean") is not None
    relative = [os.path.relpath(path, repository) for path in paths]
    result = run_git(
        ["check-attr", "-z", "--stdin", "filter"], repository, stdin="\0".join(relative) + "\0"
    )
    fields = result.stdout.split("\0") if result.returncode == 0 else []
    filtered = {
        os.path.normpath(fields[i]) for i in range(0, len(fields) - 2, 3) if fields[i + 2] == DRIVER
    }
    return {
        path: (
            (FilterUse.ACTIVE if active else FilterUse.DECLARED)
            if os.path.normpath(rel) in filtered
            else FilterUse.NONE
        )
        for path, rel in zip(paths, relative)
    }
