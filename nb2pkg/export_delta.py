"""Export only what the changed notebooks touch, from what the last export learnt.

When the configuration and the package are exactly as the last export left them and only
some notebooks changed (none added or removed, each sending code and docs to the same
modules as before), the modules those notebooks feed are rendered and checked again, with
every module whose checks read them (``export_facts.dependents``: a star import of theirs,
a name imported from them, through any chain); every other module is known to come out as
it is on disk, with the findings recorded for it (``nb2pkg.export_facts``). Only the
notebooks of the modules redone are read.

Anything else — a first export, a notebook added or removed or sending code elsewhere, a
module or hand-written file changed, a problem found, most notebooks changed — is left to
the full export (``export_changed`` returns None), which reports every problem of the
project in one run: this short cut only ever gives the result the full export would give.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from .cache import BlockCache
from .config import Config
from .errors import ConcurrentEdit, Location, Nb2pkgError
from .export_facts import ExportFacts, ModuleFacts, NotebookFacts, dependents
from .export_result import ExportResult
from .export_stamp import StampState
from .file_changes import Action, FileChange
from .fsio import digest_bytes
from .generate import (
    Checked,
    import_name,
    module_facts,
    options_for,
    render_checked,
    render_modules,
)
from .moduledoc import doc_rules
from .notebook import Notebook
from .plan import ExportPlan, notebook_targets, plan_with_problems
from .project import Project, notebook_directive_warnings, read_notebook
from .render import RenderedModule

#: Beyond this share of the project's notebooks to read (and this many), the full export
#: is as quick.
_MOST = 0.5
_FEW = 8
#: Beyond this many cells to render, the block cache is worth reading.
_CACHE_FROM = 64


@dataclass(frozen=True)
class PartProject(Project):
    """Some of a project's notebooks; any other is read when asked for by name (a hint
    naming the unexported cell that defines a missing name reads another module's
    notebooks)."""

    load: Callable[[str], Notebook | None] = field(
        default=lambda relpath: None, compare=False, repr=False
    )

    def notebook(self, relpath: str) -> Notebook | None:
        """Return the notebook at project-relative *relpath*, read now if it is not held."""
        found = super().notebook(relpath)
        return found if found is not None else self.load(relpath)


@dataclass(frozen=True)
class Basis:
    """What the last export recorded, against the project as hashed now: the files that
    changed since (by path), and every notebook read on demand from its hashed bytes."""

    config: Config
    state: StampState
    facts: ExportFacts
    changed: dict[str, str]  # path -> kind, of the files whose bytes changed
    read: dict[str, Notebook] = field(default_factory=dict, compare=False, repr=False)

    @property
    def notebook_count(self) -> int:
        """How many notebooks the project has."""
        return len(self.facts.notebooks)

    @cached_property
    def digests(self) -> dict[str, str | None]:
        """The digest of each notebook as hashed, by path."""
        return self.state.digests("notebook")

    def load(self, relpath: str) -> Notebook | None:
        """Return the notebook at *relpath* as hashed (None: no such notebook)."""
        if relpath not in self.read:
            digest = self.digests.get(relpath)
            if digest is None:
                return None
            notebook = read_notebook(self.config.root / relpath, relpath)
            if notebook.digest != digest:
                raise ConcurrentEdit(
                    "changed while it was being read; run the command again", Location(relpath)
                )
            self.read[relpath] = notebook
        return self.read[relpath]

    def modules_of(self, notebooks: Iterable[str]) -> set[str]:
        """Return the generated modules the *notebooks* send anything to."""
        found = {name for relpath in notebooks for name in self.facts.notebooks[relpath].targets}
        return found & set(self.facts.modules)


def basis(config: Config, state: StampState) -> Basis | None:
    """Return the basis for redoing only part of an export (None: only a full one will
    do: no record, other settings, or files added or removed since)."""
    record = state.record
    before = state.recorded_files()
    if record is None or before is None or record.get("settings") != state.settings:
        return None
    facts = ExportFacts.from_json(record.get("facts"))
    if facts is None or [(p, k) for p, _, k in before] != [(p, k) for p, _, k in state.files]:
        return None
    if list(facts.notebooks) != list(state.digests("notebook")):
        return None
    changed = {
        path: kind
        for (path, digest, kind), (_, old, _) in zip(state.files, before)
        if digest != old
    }
    if any(digest is None for _, digest, _ in state.files):
        return None
    return Basis(config, state, facts, changed)


def export_changed(
    config: Config, state: StampState, drop_magics: bool | None, check: bool
) -> ExportResult | None:
    """Return the export of the changed notebooks' share (nothing written yet), or None
    when only the full export can give it."""
    try:
        found = basis(config, state)
        changed = list(found.changed) if found is not None else []
        if (
            found is None
            or not changed
            or any(kind != "notebook" for kind in found.changed.values())
            or not worth_it(len(changed), found.notebook_count)
        ):
            return None
        return redo(found, {}, changed, set(), drop_magics, check)
    except (Nb2pkgError, OSError, UnicodeError):
        # The full export reports it, with every other problem of the project (a file
        # removed or saved since it was hashed included).
        return None


def redo(
    basis: Basis,
    merged: Mapping[str, Notebook],
    changed: list[str],
    also: set[str],
    drop_magics: bool | None,
    check: bool,
) -> ExportResult | None:
    """Export again what the *changed* notebooks touch, and the modules *also*; None when
    only the full export can give the result.

    *merged* holds notebooks as they are about to be written (sync), in place of the
    files. Raises what it finds wrong (the caller then asks the full export).
    """
    config = basis.config
    package = config.package
    facts = basis.facts

    def load(relpath: str) -> Notebook | None:
        return merged[relpath] if relpath in merged else basis.load(relpath)

    docs = doc_rules(config)
    for relpath in changed:
        notebook = load(relpath)
        if notebook is None or notebook.needs_ids:
            return None  # its ids are written by the full export
        alone, problems = plan_with_problems(package, config.lib_dir, [notebook], docs)
        targets = tuple(sorted(notebook_targets(alone, [notebook])[relpath]))
        if problems or targets != facts.notebooks[relpath].targets:
            return None
    fed = basis.modules_of(changed) | also
    names = {import_name(package, name): name for name in facts.modules}
    refers = {import_name(package, n): m.refers for n, m in facts.modules.items()}
    refers.update((n, r) for n, r in facts.hand_written.items() if n not in refers)
    redone = fed | {
        names[n] for n in dependents({import_name(package, n) for n in fed}, refers) if n in names
    }
    needed = [
        relpath
        for relpath, notebook in facts.notebooks.items()
        if relpath in changed or redone.intersection(notebook.targets)
    ]
    if not worth_it(len(needed), basis.notebook_count):
        return None
    held = [load(relpath) for relpath in needed]
    project = PartProject(config, tuple(nb for nb in held if nb is not None), load=load)
    options = options_for(config, drop_magics)
    whole = _plan(project, redone, facts)
    if whole is None:
        return None
    chunks = sum(len(m.chunks) for m in whole.modules)
    cache = (
        BlockCache(config.root, package, options) if config.format or chunks > _CACHE_FROM else None
    )
    others = {
        name: (config.root / m.path, m.exports, m.notebooks)
        for name, m in facts.modules.items()
        if name not in redone
    }
    checked: Checked = {}
    if check:
        modules, checked = render_checked(project, whole, options, cache, others)
    else:
        modules, _ = render_modules(whole, options, cache)
    return _result(config, basis.state, facts, modules, checked, changed, project)


def worth_it(notebooks: int, total: int) -> bool:
    """Tell whether reading *notebooks* of *total* beats reading them all (from the cache)."""
    return notebooks <= max(_FEW, _MOST * total)


def _plan(project: PartProject, redone: set[str], facts: ExportFacts) -> ExportPlan | None:
    """Plan the modules to redo from their notebooks (None: they do not come out whole)."""
    config = project.config
    plan, problems = plan_with_problems(
        config.package, config.lib_dir, project.notebooks, doc_rules(config)
    )
    if problems:
        return None
    kept = tuple(m for m in plan.modules if m.name in redone)
    paths = {m.name: m.path.relative_to(config.root).as_posix() for m in kept}
    if {m.name for m in kept} != redone or any(
        paths[name] != facts.modules[name].path for name in redone
    ):
        return None
    return ExportPlan(plan.package, plan.lib_dir, kept)


def _result(
    config: Config,
    state: StampState,
    facts: ExportFacts,
    modules: list[RenderedModule],
    checked: Checked,
    changed: list[str],
    project: Project,
) -> ExportResult | None:
    root = config.root
    package_digests = state.digests("package")
    made = {m.plan.name: m for m in modules}
    module_facts_: dict[str, ModuleFacts] = {}
    changes = []
    for name, old in facts.modules.items():
        path = root / old.path
        module = made.get(name)
        if module is None:
            module_facts_[name] = old
            changes.append(FileChange(path, Action.KEEP, module=True))
            continue
        module_facts_[name] = module_facts(module, config, old.notebooks, checked)
        data = path.read_bytes()
        digest = digest_bytes(data)
        if digest != package_digests.get(old.path):
            return None  # saved since it was hashed: the full export decides
        same = data.decode("utf-8", "surrogateescape") == module.text
        action = Action.KEEP if same else Action.WRITE
        changes.append(FileChange(path, action, module.text, digest, module=True))
    notebooks = dict(facts.notebooks)
    for relpath in changed:
        notebook = project.notebook(relpath)
        assert notebook is not None
        notebooks[relpath] = NotebookFacts(
            notebooks[relpath].targets, tuple(notebook_directive_warnings(config, notebook))
        )
    new = ExportFacts(notebooks, module_facts_, facts.hand_written)
    return ExportResult(
        root,
        len(notebooks),
        sum(m.blocks for m in module_facts_.values()),
        len(module_facts_),
        tuple(changes),
        tuple(new.warnings()),
        True,
        modules=tuple(modules),
        facts=new,
    )
