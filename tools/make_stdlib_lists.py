"""Regenerate nb2pkg's lists of standard-library modules, one file per Python version.

Usage::

    python tools/make_stdlib_lists.py            # rewrite nb2pkg/data/stdlib/3.*.txt
    python tools/make_stdlib_lists.py --check    # exit 1 if the files would change

Each list holds the top-level module names (private ``_`` names included) that the
standard library of that CPython minor version provides on some platform. Sources:

* 3.10 and later: ``sys.stdlib_module_names`` of a real interpreter.
* 3.8 and 3.9 have no such attribute, so the list is derived from the interpreter's own
  files: the ``.py`` modules and packages in its ``lib/python3.X`` folder, the extension
  modules in ``lib-dynload`` and ``sys.builtin_module_names``, less the test suite,
  example modules and build artefacts. Modules that only exist on other platforms or were
  not compiled here (Windows, macOS, gdbm, ...) cannot be seen that way; they are taken
  from 3.10's list, as "what 3.10 names but its own files do not show". The same
  derivation is run on 3.10-3.13 and compared with their real lists, so a drift in the
  method shows up as a warning instead of a silently wrong list. (3.13 drifts by three
  Windows-only names, ``msilib``/``_msi`` removed and ``_wmi`` added, which is expected.)
* 3.14, when no 3.14 interpreter is found, is 3.13's list plus the changes documented for
  3.14 (``PY314_ADDED`` / ``PY314_REMOVED`` below). With a 3.14 interpreter on the
  machine its real list is used instead.

Interpreters are looked up as ``$NB2PKG_PYTHON3_X``, then ``python3.X`` on ``PATH``, then
pyenv's ``~/.pyenv/versions/3.X.*``. The output is sorted and carries no timestamps, so
running the script twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

VERSIONS = [(3, minor) for minor in range(8, 15)]
OUT_DIR = Path(__file__).resolve().parent.parent / "nb2pkg" / "data" / "stdlib"

# What 3.14 changed at the top level, against 3.13 (What's New in Python 3.14):
# annotationlib (PEP 749), compression with compression.zstd and its _zstd accelerator
# (PEP 784), _remote_debugging (PEP 768), _hmac (HACL* HMAC), _py_warnings (concurrent-
# safe warnings), _ast_unparse (ast.unparse moved out of ast.py), _types (C helpers for
# types). _compression moved to compression._common._streams and is gone. No public
# module was removed in 3.14 (the PEP 594 removals all happened in 3.13). _apple_support
# is listed as well: 3.13 has it only from 3.13.2 on, which is newer than some 3.13s.
PY314_ADDED = frozenset(
    {
        "annotationlib",
        "compression",
        "_zstd",
        "_remote_debugging",
        "_hmac",
        "_py_warnings",
        "_ast_unparse",
        "_types",
        "_apple_support",
    }
)
PY314_REMOVED = frozenset({"_compression"})

# Names that no list above shows but every interpreter provides: ``__main__`` is whatever
# script is running, not a file of the standard library.
ALWAYS = frozenset({"__main__"})

# Runs inside each interpreter, so it must stay valid Python 3.8.
PROBE = r"""
import json, os, sys, sysconfig

def derive():
    names = set(sys.builtin_module_names)
    stdlib = sysconfig.get_paths()["stdlib"]
    for entry in os.listdir(stdlib):
        path = os.path.join(stdlib, entry)
        if entry.endswith(".py"):
            names.add(entry[:-3])
        elif os.path.isfile(os.path.join(path, "__init__.py")):
            names.add(entry)
    for entry in os.listdir(os.path.join(stdlib, "lib-dynload")):
        names.add(entry.split(".", 1)[0])
    return names

real = getattr(sys, "stdlib_module_names", None)
print(json.dumps({
    "version": "%d.%d" % sys.version_info[:2],
    "real": sorted(real) if real is not None else None,
    "derived": sorted(derive()),
}))
"""


def is_noise(name: str) -> bool:
    """Tell whether a derived name is a test, example or build artefact, not a module."""
    return (
        not name.isidentifier()
        or name == "test"
        or name.startswith(("_test", "_xx", "xx", "_sysconfigdata", "__phello__", "__hello"))
        or name == "_ctypes_test"
    )


def find_interpreter(version: tuple[int, int]) -> str | None:
    """Return the path of a working CPython interpreter for ``version``, or None."""
    dotted = f"{version[0]}.{version[1]}"
    candidates = [
        os.environ.get(f"NB2PKG_PYTHON{version[0]}_{version[1]}"),
        shutil.which(f"python{dotted}"),
    ]
    pyenv = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{dotted}.*/bin/python")))
    # Skip free-threaded and debug builds ("3.13.0t"), whose names carry a suffix.
    candidates += [p for p in pyenv if Path(p).parent.parent.name.replace(".", "").isdigit()]
    for python in filter(None, candidates):
        # A pyenv shim is on PATH even when that version is not selected; it then fails.
        if subprocess.run([python, "-c", "pass"], check=False, capture_output=True).returncode == 0:
            return python
    return None


def probe(python: str) -> dict[str, object]:
    """Run the probe in ``python`` and return what it reports."""
    done = subprocess.run(
        [python, "-I", "-S", "-c", PROBE], check=True, capture_output=True, text=True
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def derived_names(report: dict[str, object]) -> set[str]:
    """Return the derived module names of a probe report, without the noise."""
    names = report["derived"]
    assert isinstance(names, list)
    return {n for n in names if not is_noise(n)}


def build_lists() -> dict[tuple[int, int], tuple[str, set[str]]]:
    """Return ``{version: (source description, names)}`` for every supported version."""
    reports = {}
    for version in VERSIONS:
        python = find_interpreter(version)
        if python:
            reports[version] = probe(python)
    for needed in [(3, 8), (3, 9), (3, 10), (3, 13)]:
        if needed not in reports:
            sys.exit(f"no Python {needed[0]}.{needed[1]} interpreter found")

    ref = reports[(3, 10)]
    assert isinstance(ref["real"], list)
    elsewhere = set(ref["real"]) - derived_names(ref)
    print(f"only on other platforms or builds (from 3.10): {sorted(elsewhere)}", file=sys.stderr)

    lists: dict[tuple[int, int], tuple[str, set[str]]] = {}
    for version, report in sorted(reports.items()):
        real = report["real"]
        if isinstance(real, list):
            lists[version] = (f"sys.stdlib_module_names of CPython {report['version']}", set(real))
            drift = (derived_names(report) | elsewhere) ^ set(real)
            if drift:
                print(
                    f"{version}: derivation differs from the real list by {sorted(drift)}",
                    file=sys.stderr,
                )
        else:
            source = f"files of CPython {report['version']} (plus other platforms' from 3.10)"
            lists[version] = (source, derived_names(report) | elsewhere)
    if (3, 14) not in lists:
        source, names = lists[(3, 13)]
        lists[(3, 14)] = (
            f"3.13's list ({source}) with the changes documented for 3.14",
            (names | PY314_ADDED) - PY314_REMOVED,
        )
    return {v: (source, names | ALWAYS) for v, (source, names) in lists.items()}


def render(version: tuple[int, int], source: str, names: set[str]) -> str:
    """Return the text of one list file."""
    header = (
        f"# Top-level standard-library modules of Python {version[0]}.{version[1]}.\n"
        f"# Generated by tools/make_stdlib_lists.py from {source}; do not edit.\n"
    )
    return header + "".join(f"{name}\n" for name in sorted(names))


def main() -> int:
    """Write (or, with --check, compare) the list files; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args()
    stale = []
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for version, (source, names) in sorted(build_lists().items()):
        path = OUT_DIR / f"{version[0]}.{version[1]}.txt"
        text = render(version, source, names)
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == text:
            continue
        stale.append(path.name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    verb = "stale" if args.check else "written"
    print(f"{len(stale)} list(s) {verb}: {', '.join(stale) or 'none'}", file=sys.stderr)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
