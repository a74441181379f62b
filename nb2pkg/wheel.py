"""Build the project's wheel (and, on request, its sdist) into a folder of the project.

Two routes, chosen by ``[build-system] build-backend``:

* ``flit_core.buildapi`` (nb2pkg's default, also used when ``[build-system]`` is missing):
  flit_core is driven in-process through its Python API - offline, no subprocess, no
  isolation. Its configuration is made from the parsed pyproject text, so the import
  name can be supplied (``[tool.flit.module]``) without touching the user's file, and an
  nbdev 2 project builds from the pyproject text nb2pkg generated, which never lands in
  the project. The sdist must carry a pyproject that builds the same wheel, so when the
  import name or ``[build-system]`` was supplied that way the sdist gets the completed
  file (the user's text with those tables added); the files go through a temporary copy.
* any other backend (setuptools, hatchling, poetry-core, ...): the standard PEP 517 hooks,
  called by the ``build`` package without isolation (hooks run in a subprocess of this
  Python, as ``build`` does; ``nb2pkg.pep517``). Such a backend must be installed here:
  nothing is fetched.

``plan_build`` decides and checks everything first (output folder, backend, metadata; the
version and description read statically, ``nb2pkg.staticmeta``; backend settings that
would import the package refused, ``nb2pkg.backendguard``) and writes nothing;
``run_build`` then builds. No route imports or runs the project's package.

Builds are reproducible: ``SOURCE_DATE_EPOCH`` (1980-01-01 unless the environment sets
it) fixes every timestamp for the time of the build, and flit adds files in sorted order,
so the same sources give the same bytes whatever their folder or modification times.

The output folder must be inside the project (a relative one is taken from the project
root); it is created if missing. Each file is built in a temporary folder inside it and
moved into place with one rename, so a failed build leaves no half-written file.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import importlib.util
import os
import shutil
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from .backendguard import check_backend
from .config import normalise_package_name, parse_toml
from .errors import BuildError, Location, Nb2pkgError
from .fsio import check_writable, ensure_inside, is_temp_name, read_text_exact, write_text_atomic
from .pep517 import (
    backend_artefacts,
    build_with_backend,
    check_installed,
    refuse_other_build_system,
    refuse_replaced_pyproject,
)
from .staticmeta import SourceTree, flit_dynamic, module_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

FLIT_BACKEND = "flit_core.buildapi"
DEFAULT_BUILD_SYSTEM: Mapping[str, Any] = {
    "requires": ["flit_core>=3.12,<5"],
    "build-backend": FLIT_BACKEND,
}
#: 1980-01-01T00:00:00Z, the earliest time a zip file can record.
DEFAULT_SOURCE_DATE_EPOCH = 315532800
_STAGING = ".nb2pkg-build-"


@dataclass(frozen=True)
class BuiltDistribution:
    """One file the build produced."""

    path: Path
    size: int
    sha256: str


@dataclass(frozen=True)
class BuildPlan:
    """A build decided and checked before anything is written; ``run_build`` carries it out."""

    root: Path
    target: Path  # the output folder, resolved (made by run_build if missing)
    text: str  # the pyproject text the build uses
    data: Mapping[str, Any]
    backend: str
    sdist: bool
    package: str | None  # the import name, where known
    flit_data: Mapping[str, Any] | None  # flit's configuration, dynamic fields made static
    started: float  # when the run began: leftovers older than this are not another run's

    @property
    def in_memory(self) -> bool:
        """Tell whether the build reads the pyproject from memory (flit) or from disk."""
        return self.backend == FLIT_BACKEND


def build_wheel(
    root: Path,
    *,
    outdir: Path,
    pyproject_text: str | None = None,
    sdist: bool = False,
    package: str | None = None,
) -> list[BuiltDistribution]:
    """Build the wheel (and the sdist if asked) of the project at *root* into *outdir*.

    *pyproject_text* replaces the project's pyproject.toml (nbdev 2 projects have none);
    *package* is the import name when the project's tables do not say it.
    """
    plan = plan_build(
        root, outdir=outdir, pyproject_text=pyproject_text, sdist=sdist, package=package
    )
    return run_build(plan)


def plan_build(
    root: Path,
    *,
    outdir: Path,
    pyproject_text: str | None = None,
    sdist: bool = False,
    package: str | None = None,
    tree: SourceTree | None = None,
    metadata_from: str = "pyproject.toml",
) -> BuildPlan:
    """Decide the build and refuse now whatever would make it fail; write and run nothing.

    *tree* shows the project as it will be once planned files are written (``nb2pkg
    build`` plans its export in memory); by default the files on disk. *metadata_from*
    names the file the metadata comes from, for messages (``settings.ini`` for nbdev 2).
    """
    started = time.time()
    root = root.resolve()
    tree = tree or SourceTree(root)
    text = _pyproject_text(root, pyproject_text)
    data = parse_toml(text, "pyproject.toml")
    backend = _backend(data)
    target = _output_folder(root, outdir)
    name = _import_name(tree, data, package)
    _refuse_output_in_package(tree, name, target)
    if backend == FLIT_BACKEND:
        _check_package_folder(tree, name)
        flit_data = _flit_plan(tree, data, name, Location(metadata_from))
        return BuildPlan(root, target, text, data, backend, sdist, name, flit_data, started)
    if pyproject_text is not None:
        refuse_other_build_system(root, data, backend)
    check_backend(tree, data, backend, name)
    check_installed(data, backend)
    return BuildPlan(root, target, text, data, backend, sdist, name, None, started)


def run_build(plan: BuildPlan) -> list[BuiltDistribution]:
    """Build what *plan* decided; publish each file with one rename, or leave nothing."""
    build: Callable[..., list[Path]]
    if plan.in_memory:
        build = partial(_flit_build, plan)
    else:
        refuse_replaced_pyproject(plan.root, plan.text, plan.backend)
        build = partial(build_with_backend, plan.root, plan.data, plan.backend)
    created = _make_folder(plan.target)
    artefacts = backend_artefacts(plan.root)
    try:
        _remove_stale_staging(plan.target, plan.started)
        with (
            _source_date_epoch(),
            tempfile.TemporaryDirectory(dir=plan.target, prefix=_STAGING) as temporary,
        ):
            built = build(Path(temporary), sdist=plan.sdist)
            for path in built:
                _refuse_temporary_files(path, plan.backend)
            return [_publish(path, plan.target) for path in built]
    except BaseException:
        _remove_empty_folders(created, plan.target)
        for path in backend_artefacts(plan.root) - artefacts:
            shutil.rmtree(path, ignore_errors=True)  # made by the failed backend, just now
        raise


def _output_folder(root: Path, outdir: Path) -> Path:
    """Return *outdir* resolved; refuse one outside the project, or one nb2pkg cannot use."""
    try:
        target = ensure_inside(root, outdir if outdir.is_absolute() else root / outdir)
    except Nb2pkgError:
        raise BuildError(
            f"the output folder {outdir} is outside the project {root}; "
            "choose a folder inside it, such as dist/",
            Location(str(outdir)),
        ) from None
    existing = target
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise BuildError(
            f"cannot be the output folder: {existing.relative_to(root).as_posix()} is a file; "
            "choose another folder, such as dist/",
            Location(str(outdir)),
        )
    check_writable(target / "x.whl", root=root)  # a read-only folder is refused up front
    return target


def _make_folder(target: Path) -> Path | None:
    """Make *target* and its missing parents; return the topmost one made (None: none)."""
    missing = None
    folder = target
    while not folder.exists():
        missing, folder = folder, folder.parent
    target.mkdir(parents=True, exist_ok=True)
    return missing


def _remove_empty_folders(created: Path | None, target: Path) -> None:
    """After a failed build, remove the folders it made, if they are still empty."""
    if created is None:
        return
    folder = target
    while True:
        try:
            folder.rmdir()
        except OSError:  # not empty, or already gone
            return
        if folder == created:
            return
        folder = folder.parent


def _remove_stale_staging(target: Path, before: float) -> None:
    """Remove staging folders a killed build left in the output folder."""
    for path in target.glob(f"{_STAGING}*"):
        name = path.name[len(_STAGING) :]
        if len(name) == 8 and name.isalnum() and path.is_dir() and not path.is_symlink():
            if path.stat().st_mtime < before:
                shutil.rmtree(path, ignore_errors=True)


def _refuse_temporary_files(path: Path, backend: str) -> None:
    """Refuse a distribution that holds a temporary file of a running nb2pkg."""
    if zipfile.is_zipfile(path):  # a wheel (or a zip sdist)
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    elif tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            names = archive.getnames()
    else:
        return  # not an archive nb2pkg can look into: the backend's own affair
    leftovers = [n for n in names if is_temp_name(n.rsplit("/", 1)[-1])]
    if leftovers:
        raise BuildError(
            f"the {backend} backend packed {leftovers[0]}, a temporary file of an nb2pkg that "
            "is writing it right now; nothing was published. Run the build again once that "
            "command has finished",
            Location(leftovers[0]),
        )


def _pyproject_text(root: Path, given: str | None) -> str:
    if given is not None:
        return given
    path = root / "pyproject.toml"
    try:
        return read_text_exact(path)
    except FileNotFoundError:
        raise BuildError(
            "has no pyproject.toml to build from; run `nb2pkg build`, which writes one",
            Location(str(root)),
        ) from None


def _backend(data: Mapping[str, Any]) -> str:
    table = data.get("build-system")
    if table is None:
        return FLIT_BACKEND  # nb2pkg's default; `nb2pkg build` also writes it into the file
    # PEP 517: a [build-system] without build-backend means setuptools' legacy mode.
    return str(table.get("build-backend", "setuptools.build_meta:__legacy__"))


@contextmanager
def _source_date_epoch() -> Iterator[None]:
    """Fix build timestamps for the duration of a build, unless the environment does."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(DEFAULT_SOURCE_DATE_EPOCH)
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def _publish(path: Path, target: Path) -> BuiltDistribution:
    final = target / path.name
    os.replace(path, final)
    data = final.read_bytes()
    return BuiltDistribution(final, len(data), hashlib.sha256(data).hexdigest())


# -- flit, in-process ---------------------------------------------------------------------


def _flit_plan(
    tree: SourceTree, data: Mapping[str, Any], name: str, where: Location
) -> dict[str, Any]:
    """Return flit's configuration with dynamic fields read statically; refuse what flit would.

    flit imports the package when ``__version__`` or the docstring is not a literal it can
    read; with the values filled in here, it never looks into the package.
    """
    completed = _flit_ready(data, name)
    project = completed.get("project", {})
    dynamic = set(project.get("dynamic", [])) & {"version", "description"}
    if "description" not in project and "description" not in dynamic:
        raise BuildError(
            "[project] has no `description`, which the wheel's metadata needs (its one-line "
            'summary); add one, e.g. description = "What the package does, in one line"',
            Location("pyproject.toml"),
        )
    static = flit_dynamic(tree, name, dynamic, where)
    configured = copy.deepcopy(completed)
    table = configured["project"]
    table.update(static)
    table["dynamic"] = [field for field in table.get("dynamic", []) if field not in static]
    if not table["dynamic"]:
        del table["dynamic"]
    flit_config = _flit("config")
    try:
        info = flit_config.prep_toml_config(configured, tree.root / "pyproject.toml")
        if not info.dynamic_metadata:  # else flit reads the module: left to the build itself
            _flit("common").make_metadata(SimpleNamespace(name=info.module), info)
    except (flit_config.ConfigError, ValueError) as exc:
        raise BuildError(
            f"flit cannot build this project: {exc}", Location("pyproject.toml")
        ) from None
    return configured


def _flit_build(plan: BuildPlan, staging: Path, *, sdist: bool) -> list[Path]:
    common, flit_config = _flit("common"), _flit("config")
    root = plan.root
    assert plan.flit_data is not None and plan.package is not None
    try:
        info = flit_config.prep_toml_config(plan.flit_data, root / "pyproject.toml")
        module = _flit_module(info.module, root)
        metadata = common.make_metadata(module, info)
    except (flit_config.ConfigError, ValueError) as exc:
        raise BuildError(
            f"flit cannot build this project: {exc}", Location("pyproject.toml")
        ) from None
    built = [_flit_wheel(root, info, module, metadata, staging)]
    if sdist:
        text, data = plan.text, plan.data
        completed = _flit_ready(data, plan.package)
        text = text.removeprefix("\ufeff")  # pip refuses a pyproject.toml with a byte order mark
        sdist_text = text if completed == data else _completed_text(text, data, completed)
        built.append(_flit_sdist(root, info, module, metadata, sdist_text, staging))
    return built


def _flit(module: str) -> Any:
    """Import a module of flit_core (which has no type hints) when a build needs it."""
    return importlib.import_module(f"flit_core.{module}")


def _flit_module(name: str, root: Path) -> Any:
    """Return flit's view of the package, leaving out nb2pkg's temporary files."""
    base = _flit("common").Module

    class Module(base):  # type: ignore[misc, valid-type]
        def iter_files(self) -> Iterator[str]:
            return (f for f in super().iter_files() if not is_temp_name(os.path.basename(f)))

    return Module(name, root)


def _import_name(tree: SourceTree, data: Mapping[str, Any], package: str | None) -> str:
    """Return the import name: flit's own setting, *package*, nb2pkg's or nbdev's, or the default."""
    tool = data.get("tool", {})
    if "name" in tool.get("flit", {}).get("module", {}):
        return str(tool["flit"]["module"]["name"])
    if package:
        return package
    if "package" in tool.get("nb2pkg", {}):
        return str(tool["nb2pkg"]["package"])
    if "lib_path" in tool.get("nbdev", {}):
        return Path(str(tool["nbdev"]["lib_path"])).name
    name = str(data.get("project", {}).get("name", ""))
    flit_default = name.replace("-", "_")
    # nb2pkg exports to the lower-cased name; a plain flit project uses flit's spelling.
    for candidate in (normalise_package_name(name), flit_default):
        if module_file(tree, candidate) is not None:
            return candidate
    return normalise_package_name(name)


def _check_package_folder(tree: SourceTree, name: str) -> None:
    """Refuse a build with no package to put in the wheel."""
    if module_file(tree, name) is None:
        relative = name.replace(".", "/")
        places = [f"{base}{relative}{suffix}" for base in ("", "src/") for suffix in ("/", ".py")]
        raise BuildError(
            f"has no {relative}/ package folder (nor {', '.join(places[1:])}) to build a wheel "
            f"of; run `nb2pkg export` first, or name the import package with "
            f'[tool.nb2pkg] package = "..."',
            Location(str(tree.root)),
        )


def _refuse_output_in_package(tree: SourceTree, name: str, target: Path) -> None:
    """Refuse an output folder inside the package: the wheel would contain itself."""
    found = module_file(tree, name)
    if found is None or not found[1]:
        return
    folder = found[0].parent.resolve()
    if target == folder or folder in target.parents:
        raise BuildError(
            f"the output folder is inside the package {folder}, so the wheel would contain "
            "itself; choose another one, such as dist/",
            Location(str(target)),
        )


def _flit_ready(data: Mapping[str, Any], module: str) -> dict[str, Any]:
    """Return *data* with the import name and build system flit needs, when missing."""
    completed = copy.deepcopy(dict(data))
    flit = completed.setdefault("tool", {}).setdefault("flit", {})
    if module != str(data.get("project", {}).get("name", "")).replace("-", "_"):
        flit.setdefault("module", {}).setdefault("name", module)
    if not flit:
        del completed["tool"]["flit"]
        if not completed["tool"]:
            del completed["tool"]
    completed.setdefault("build-system", copy.deepcopy(dict(DEFAULT_BUILD_SYSTEM)))
    return completed


def _completed_text(text: str, data: Mapping[str, Any], completed: Mapping[str, Any]) -> str:
    """Return *text* with the tables *completed* adds, for the copy inside the sdist."""
    import tomlkit

    document = tomlkit.parse(text)
    if "build-system" not in data:
        document["build-system"] = completed["build-system"]
    module = completed.get("tool", {}).get("flit", {}).get("module", {})
    if "name" in module and "name" not in data.get("tool", {}).get("flit", {}).get("module", {}):
        tool = document.setdefault("tool", tomlkit.table(is_super_table=True))
        flit = tool.setdefault("flit", tomlkit.table(is_super_table=True))
        flit.setdefault("module", tomlkit.table())["name"] = module["name"]
    new_text = tomlkit.dumps(document)
    if tomllib.loads(new_text) != completed:
        raise RuntimeError("the pyproject.toml written into the sdist does not say what was meant")
    return new_text


def _flit_wheel(root: Path, info: Any, module: Any, metadata: Any, staging: Path) -> Path:
    flit_wheel = _flit("wheel")
    unfinished = staging / "wheel.partial"
    with unfinished.open("w+b") as stream:
        builder = flit_wheel.WheelBuilder(
            root, module, metadata, info.entrypoints, stream, info.data_directory
        )
        try:
            builder.build()
        except (OSError, RuntimeError) as exc:
            raise BuildError(f"flit could not write the wheel: {exc}") from None
    return unfinished.rename(staging / builder.wheel_filename)


def _flit_sdist(
    root: Path, info: Any, module: Any, metadata: Any, pyproject_text: str, staging: Path
) -> Path:
    """Build the sdist from a copy of its files, with *pyproject_text* as pyproject.toml."""
    common, flit_sdist = _flit("common"), _flit("sdist")
    source = staging / "source"
    extra_files = ["pyproject.toml", *(os.path.normpath(f) for f in info.referenced_files)]

    def builder(folder: Path, package: Any) -> Any:
        data = info.data_directory and folder / Path(info.data_directory).relative_to(root)
        return flit_sdist.SdistBuilder(
            package,
            metadata,
            folder,
            info.reqs_by_extra,
            info.entrypoints,
            extra_files,
            data,
            info.sdist_include_patterns,
            info.sdist_exclude_patterns,
        )

    picker = builder(root, module)
    try:
        files = picker.apply_includes_excludes(picker.select_files())
    except Exception as exc:  # noqa: BLE001 - flit raises a bare Exception for these
        raise BuildError(f"flit cannot make the sdist: {exc}", Location("pyproject.toml")) from None
    files = [f for f in files if not is_temp_name(os.path.basename(f))]
    for relative in files:
        if relative != "pyproject.toml":  # written below: nbdev 2 projects may have none
            (source / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(root / relative, source / relative)
    write_text_atomic(source / "pyproject.toml", pyproject_text, root=source)
    # The copy holds exactly the picked files, so flit's patterns pick the same ones there.
    try:
        return Path(builder(source, common.Module(info.module, source)).build(staging / "sdist"))
    except (OSError, RuntimeError) as exc:
        raise BuildError(f"flit could not write the sdist: {exc}") from None
