"""What one export learnt, notebook by notebook and module by module: enough for the next
export to redo only what a changed notebook touches (``nb2pkg.export_delta``).

For each notebook: the modules it sends code or docs to, and its directive warnings. For
each generated module: its file, the notebooks it is made from, its block count, the own
modules its text refers to (``own_references``), its ``__all__``, and its findings (render
warnings, names defined twice, NB101/NB102/NB502, NB103) as the export reported them. The
package's hand-written files are recorded with the own modules they refer to, because a
star import in one (``__init__.py`` often has ``from .core import *``) passes names on.

Light to import: plain data and its JSON form; the export stage fills it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .report import Diagnostic, diagnostic_from_json, diagnostic_to_json


@dataclass(frozen=True)
class NotebookFacts:
    """One notebook's part in an export."""

    targets: tuple[str, ...]  # the modules it exports cells, a docstring or docs to (sorted)
    warnings: tuple[Diagnostic, ...]  # its directive warnings, in order


@dataclass(frozen=True)
class ModuleFacts:
    """One generated module's part in an export."""

    path: str  # project-relative, posix
    notebooks: tuple[str, ...]  # every notebook that sends it code or docs
    blocks: int
    refers: tuple[str, ...]  # import names of the own modules its text may import (sorted)
    exports: tuple[str, ...]  # its __all__
    rendered: tuple[Diagnostic, ...]  # warnings of its blocks, in order
    duplicates: tuple[Diagnostic, ...]  # names defined twice (NB602)
    scanned: tuple[Diagnostic, ...]  # NB101/NB102/NB502 errors export reported
    imports: tuple[Diagnostic, ...]  # NB103 errors export reported


@dataclass(frozen=True)
class ExportFacts:
    """Every notebook's and every generated module's part in one export."""

    notebooks: Mapping[str, NotebookFacts]  # by relpath, in the project's order
    modules: Mapping[str, ModuleFacts]  # by plan name, in plan order
    hand_written: Mapping[str, tuple[str, ...]]  # import name -> own modules it refers to

    def warnings(self) -> list[Diagnostic]:
        """Return every warning and reported error, in the order a full export gives them."""
        found: list[Diagnostic] = []
        for notebook in self.notebooks.values():
            found.extend(notebook.warnings)
        modules = list(self.modules.values())
        for group in ("rendered", "scanned", "imports", "duplicates"):
            for module in modules:
                found.extend(getattr(module, group))
        return found

    def to_json(self) -> dict[str, Any]:
        """Return the facts as JSON-ready data (kept in the export stamp)."""
        return {
            "notebooks": {
                relpath: [list(nb.targets), _diagnostics_json(nb.warnings)]
                for relpath, nb in self.notebooks.items()
            },
            "modules": {
                name: [
                    m.path,
                    list(m.notebooks),
                    m.blocks,
                    list(m.refers),
                    list(m.exports),
                    *(
                        _diagnostics_json(group)
                        for group in (m.rendered, m.duplicates, m.scanned, m.imports)
                    ),
                ]
                for name, m in self.modules.items()
            },
            "hand_written": {name: list(refers) for name, refers in self.hand_written.items()},
        }

    @classmethod
    def from_json(cls, data: Any) -> ExportFacts | None:
        """Rebuild facts written by ``to_json``; None for anything else."""
        try:
            notebooks = {
                str(relpath): NotebookFacts(_strings(targets), _diagnostics(warnings))
                for relpath, (targets, warnings) in data["notebooks"].items()
            }
            modules = {}
            for name, entry in data["modules"].items():
                path, sources, blocks, refers, exports, *groups = entry
                rendered, duplicates, scanned, imports = (_diagnostics(g) for g in groups)
                modules[str(name)] = ModuleFacts(
                    str(path),
                    _strings(sources),
                    int(blocks),
                    _strings(refers),
                    _strings(exports),
                    rendered,
                    duplicates,
                    scanned,
                    imports,
                )
            hand = {str(name): _strings(refers) for name, refers in data["hand_written"].items()}
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        return cls(notebooks, modules, hand)


def _diagnostics_json(found: Iterable[Diagnostic]) -> list[Any]:
    return [diagnostic_to_json(d) for d in found]


def _diagnostics(data: Any) -> tuple[Diagnostic, ...]:
    return tuple(diagnostic_from_json(d) for d in data)


def _strings(data: Any) -> tuple[str, ...]:
    if not isinstance(data, list):
        raise TypeError("a list was expected")
    return tuple(str(item) for item in data)


def own_references(text: str, importer: str, is_package: bool, package: str) -> tuple[str, ...]:
    """Return the import names of the own modules *text* may import (sorted): more rather
    than fewer, never fewer.

    Every dotted name starting with *package* counts (``import acme.x``, ``acme.x.f()``,
    ``import_module("acme.x")``); every ``from`` import counts its module and, for each
    name it imports, that name as a submodule (``from . import core`` counts ``core``). A
    list of names nb2pkg cannot read on one line counts everything below the module
    (``acme.sub.*``). *importer* is the import name of the module whose text it is.
    """
    found: set[str] = set()
    if package in text:
        found.update(match.group(0) for match in _absolute(package).finditer(text))
    if "import" not in text:
        return tuple(sorted(found))
    base = importer if is_package else importer.rpartition(".")[0]
    for match in _FROM_IMPORT.finditer(text):
        dots, name, names = match.groups()
        if dots:
            parts = base.split(".")
            up = len(dots) - 1
            if up >= len(parts):
                continue  # above the top package: NB103 reports it; nothing to depend on
            target = ".".join(parts[: len(parts) - up] + ([name] if name else []))
        elif name == package or name.startswith(package + "."):
            target = name
        else:
            continue
        found.add(target)
        listed = names.strip()
        if listed.startswith("(") or listed.endswith("\\") or not listed:
            found.add(target + ".*")
            continue
        for item in listed.split("#")[0].split(","):
            word = item.split()[:1]
            if word and word[0] != "*":
                found.add(f"{target}.{word[0]}")
    return tuple(sorted(found))


def _absolute(package: str) -> re.Pattern[str]:
    name = re.escape(package)  # the literal first: the search skips to it
    return re.compile(rf"{name}(?<![\w.]{name})(?:\.\w+)*(?!\w)")


# Anywhere in a line (after `;` too); the spaces, dots and module name are each read one
# way only, and the names end at the line: linear on any text.
_FROM_IMPORT = re.compile(
    r"from(?<![\w.]from)[ \t]+(?=[.\w])(\.*)(\w+(?:\.\w+)*)?[ \t]+import\b([^\n;]*)"
)


def referred_modules(refers: Iterable[str], modules: Collection[str]) -> set[str]:
    """Return which of *modules* (import names) code referring to *refers* may depend on:
    those it names, and for ``acme.sub.*`` every module below ``acme.sub`` too.

    nb2pkg's checks of a module read only what its own imports name (the names behind a
    star import, the names an import takes), so a module is not taken to depend on the
    packages above what it imports.
    """
    found: set[str] = set()
    for ref in refers:
        if ref.endswith(".*"):
            top = ref[:-2]
            found.update(m for m in modules if m == top or m.startswith(top + "."))
        elif ref in modules:
            found.add(ref)
    return found


def dependents(changed: Iterable[str], refers: Mapping[str, Iterable[str]]) -> set[str]:
    """Return every module (import names, the keys of *refers*) that depends, directly or
    through other modules, on one of the *changed* ones (these left out)."""
    users: dict[str, set[str]] = {}
    for name, names in refers.items():
        for target in referred_modules(names, refers):
            users.setdefault(target, set()).add(name)
    changed = set(changed)
    reached: set[str] = set()
    left = list(changed)
    while left:
        for user in users.get(left.pop(), ()):
            if user not in reached:
                reached.add(user)
                left.append(user)
    return reached - changed
