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
  Python, as ``build`` does). Such a backend must be installed here: nothing is fetched.

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
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

from .config import normalise_package_name
from .errors import BuildError, ConfigError, Location, Nb2pkgError
from .fsio import ensure_inside, write_text_atomic

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


@dataclass(frozen=True)
class BuiltDistribution:
    """One file the build produced."""

    path: Path
    size: int
    sha256: str


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
    root = root.resolve()
    target = _output_folder(root, outdir)
    text = _pyproject_text(root, pyproject_text)
    data = _parse(text)
    backend = _backend(data)
    build: Callable[..., list[Path]]
    if backend == FLIT_BACKEND:
        name = _import_name(root, data, package)
        _check_package_folder(root, name, target)
        build = partial(_flit_build, root, data, text, package=name)
    else:
        _refuse_replaced_pyproject(root, backend, pyproject_text)
        build = partial(_pep517_build, root, data, backend)
    target.mkdir(parents=True, exist_ok=True)
    with (
        _source_date_epoch(),
        tempfile.TemporaryDirectory(dir=target, prefix=".nb2pkg-build-") as temporary,
    ):
        return [_publish(path, target) for path in build(Path(temporary), sdist=sdist)]


def backend_of(pyproject_text: str) -> str:
    """Return the build backend a pyproject declares (flit_core when it declares none)."""
    return _backend(_parse(pyproject_text))


def _output_folder(root: Path, outdir: Path) -> Path:
    """Return *outdir* resolved; refuse one outside the project."""
    try:
        target = ensure_inside(root, outdir if outdir.is_absolute() else root / outdir)
    except Nb2pkgError:
        raise BuildError(
            f"the output folder {outdir} is outside the project {root}; "
            "choose a folder inside it, such as dist/",
            Location(str(outdir)),
        ) from None
    return target


def _pyproject_text(root: Path, given: str | None) -> str:
    if given is not None:
        return given
    path = root / "pyproject.toml"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BuildError(
            "has no pyproject.toml to build from; run `nb2pkg build`, which writes one",
            Location(str(root)),
        ) from None


def _parse(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))  # a byte order mark means nothing
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(
            f"is not valid TOML: {str(exc).split(' (at ')[0]}",
            Location("pyproject.toml", line=line),
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


def _flit_build(
    root: Path,
    data: Mapping[str, Any],
    text: str,
    staging: Path,
    *,
    sdist: bool,
    package: str,
) -> list[Path]:
    common, flit_config = _flit("common"), _flit("config")
    completed = _flit_ready(data, package)
    try:
        info = flit_config.prep_toml_config(completed, root / "pyproject.toml")
        module = common.Module(info.module, root)
        metadata = common.make_metadata(module, info)
    except (flit_config.ConfigError, ValueError) as exc:
        raise BuildError(
            f"flit cannot build this project: {exc}", Location("pyproject.toml")
        ) from None
    built = [_flit_wheel(root, info, module, metadata, staging)]
    if sdist:
        text = text.removeprefix("\ufeff")  # pip refuses a pyproject.toml with a byte order mark
        sdist_text = text if completed == data else _completed_text(text, data, completed)
        built.append(_flit_sdist(root, info, module, metadata, sdist_text, staging))
    return built


def _flit(module: str) -> Any:
    """Import a module of flit_core (which has no type hints) when a build needs it."""
    return importlib.import_module(f"flit_core.{module}")


def _import_name(root: Path, data: Mapping[str, Any], package: str | None) -> str:
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
        if any(
            (base / candidate).exists() or (base / f"{candidate}.py").exists()
            for base in (root, root / "src")
        ):
            return candidate
    return normalise_package_name(name)


def _check_package_folder(root: Path, name: str, target: Path) -> None:
    """Refuse a build with no package to put in the wheel, or an output folder inside it."""
    relative = name.replace(".", "/")
    places = [f"{base}{relative}{suffix}" for base in ("", "src/") for suffix in ("/", ".py")]
    found = [root / place for place in places if (root / place).exists()]
    if not found:
        raise BuildError(
            f"has no {relative}/ package folder (nor {', '.join(places[1:])}) to build a wheel "
            f"of; run `nb2pkg export` first, or name the import package with "
            f'[tool.nb2pkg] package = "..."',
            Location(str(root)),
        )
    folder = found[0].resolve()
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


# -- other backends, through PEP 517 ----------------------------------------------------


def _refuse_replaced_pyproject(root: Path, backend: str, given: str | None) -> None:
    """Refuse a pyproject given as text: other backends read the file on disk themselves."""
    path = root / "pyproject.toml"
    if given is not None and (not path.is_file() or path.read_text(encoding="utf-8") != given):
        raise BuildError(
            f"the {backend} backend reads pyproject.toml from the project folder; "
            "write the file before building",
            Location(str(path)),
        )


def _pep517_build(
    root: Path, data: Mapping[str, Any], backend: str, staging: Path, *, sdist: bool
) -> list[Path]:
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
    try:
        import build
        import pyproject_hooks
    except ImportError:
        raise BuildError(
            f"building with the {module} backend needs the `build` package: pip install build"
        ) from None
    builder = build.ProjectBuilder(root, runner=pyproject_hooks.quiet_subprocess_runner)
    try:
        missing = builder.check_dependencies("wheel")
        if missing:
            needed = sorted({group[0] for group in missing})
            raise BuildError(
                f"the {module} backend also needs {', '.join(needed)}; install "
                f"{'it' if len(needed) == 1 else 'them'} with `pip install {' '.join(needed)}`",
                Location("pyproject.toml"),
            )
        kinds: list[Literal["wheel", "sdist"]] = ["wheel", "sdist"] if sdist else ["wheel"]
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
