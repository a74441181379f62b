"""Time nb2pkg against nbdev 3 on the same generated project, side by side, and print ratios.

    python benchmarks/vs_nbdev.py --nbdev-bin /path/to/venv/bin [--notebooks 200] [--repeat 5]

nbdev is not a dependency of nb2pkg: install it in a virtual environment of its own
(``python -m venv /tmp/nbdev && /tmp/nbdev/bin/pip install nbdev``) and pass its ``bin``
folder. The corpus is ``make_corpus.py --style nbdev2`` migrated to nbdev 3's
``[tool.nbdev]`` with nbdev's own ``nbdev-migrate-config``; both tools read it as it is.

Each figure is a whole process (start-up included), run A B A B … on fresh copies; the
table gives medians, the ratio nb2pkg / nbdev of the medians, and the peak memory of the
largest process (``ru_maxrss``). Nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from installed import byte_compile

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PACKAGE = "benchpkg"


def run(command: list[str], cwd: Path) -> tuple[float, float]:
    """Run *command*; return its wall time and its peak memory in MiB."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(
            f"{' '.join(command)} failed in {cwd}:\n{process.stderr.read().decode() if process.stderr else ''}"
        )
    return wall, usage.ru_maxrss / 1024


def make_corpus(folder: Path, notebooks: int, nbdev_bin: Path) -> Path:
    """Write the corpus and migrate it to nbdev 3's configuration."""
    subprocess.run(
        [
            sys.executable,
            str(HERE / "make_corpus.py"),
            str(folder),
            "--notebooks",
            str(notebooks),
            "--lines",
            str(290 * notebooks),
            "--style",
            "nbdev2",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [str(nbdev_bin / "nbdev-migrate-config")], cwd=folder, check=True, capture_output=True
    )
    (folder / "settings.ini").unlink()
    for leftover in ("setup.py",):
        if (folder / leftover).exists():
            (folder / leftover).unlink()
    return folder


def fresh_copy(corpus: Path, scratch: Path, name: str) -> Path:
    target = scratch / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(corpus, target)
    return target


def edit_one_notebook(root: Path) -> None:
    """Change one exported line of one notebook, as a user would."""
    path = sorted((root / "nbs").glob("0*.ipynb"))[5]
    text = path.read_text(encoding="utf-8")
    marker = '"#| export\\n'
    at = text.index(marker)
    path.write_text(
        text[:at] + '"#| export\\n' + "EDITED_BY_BENCH = 1\\n" + text[at + len(marker) :],
        encoding="utf-8",
    )


def edit_one_block(root: Path) -> tuple[Path, str]:
    """Change one line inside one block of one module; return the module and its name."""
    module = sorted((root / PACKAGE).glob("mod0*.py"))[5]
    lines = module.read_text(encoding="utf-8").splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith("def "):
            lines.insert(index, "BENCH_EDIT = 2\n")
            break
    module.write_text("".join(lines), encoding="utf-8")
    return module, module.stem


Scenario = tuple[
    str, Callable[[Path], object], Callable[[Path], list[str]], Callable[[Path], list[str]] | None
]


def scenarios(nbdev_bin: Path) -> list[Scenario]:
    nb2pkg = [sys.executable, "-m", "nb2pkg"]
    nbdev_export = [str(nbdev_bin / "nbdev-export")]

    def cold(root: Path) -> None:
        shutil.rmtree(root / PACKAGE, ignore_errors=True)
        shutil.rmtree(root / ".nb2pkg", ignore_errors=True)

    def exported(root: Path) -> None:
        cold(root)
        run([*nb2pkg, "export", "--no-check"], root)

    def exported_nbdev(root: Path) -> None:
        cold(root)
        run(nbdev_export, root)

    def edited(root: Path) -> None:
        exported(root)
        run([*nb2pkg, "export"], root)
        edit_one_notebook(root)

    def synced_edit(root: Path) -> None:
        exported(root)
        run([*nb2pkg, "export"], root)
        edit_one_block(root)

    return [
        ("export, cold", cold, lambda r: [*nb2pkg, "export"], lambda r: nbdev_export),
        (
            "export, cold, --no-check",
            cold,
            lambda r: [*nb2pkg, "export", "--no-check"],
            lambda r: nbdev_export,
        ),
        (
            "export, no-op",
            lambda r: (exported(r), run([*nb2pkg, "export"], r)),
            lambda r: [*nb2pkg, "export"],
            lambda r: nbdev_export,
        ),
        (
            "export, one notebook edited",
            edited,
            lambda r: [*nb2pkg, "export"],
            lambda r: nbdev_export,
        ),
        ("sync, one edited block", synced_edit, lambda r: [*nb2pkg, "sync"], None),
        # Not nbdev: the target is that check costs no more than nb2pkg's own cold export.
        ("check (B: nb2pkg cold export)", exported, lambda r: [*nb2pkg, "check"], None),
    ]


def _side(
    prepare: Callable[[Path], object], command: Callable[[Path], list[str]] | None, root: Path
) -> tuple[float, float]:
    prepare(root)
    assert command is not None
    return run(command(root), root)


def _side_b(name: str, root: Path, nbdev_bin: Path) -> tuple[float, float]:
    """nbdev's side where it differs from nb2pkg's preparation."""
    nbdev_export = [str(nbdev_bin / "nbdev-export")]
    if name.startswith("export, one notebook"):
        run(nbdev_export, root)  # nbdev keeps no cache: an edited notebook is a full export
        edit_one_notebook(root)
        return run(nbdev_export, root)
    if name.startswith("sync"):
        run(nbdev_export, root)
        _, module = edit_one_block(root)
        return run([str(nbdev_bin / "nbdev-update"), "--fname", f"{PACKAGE}/{module}.py"], root)
    shutil.rmtree(root / PACKAGE, ignore_errors=True)
    return run([sys.executable, "-m", "nb2pkg", "export"], root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--nbdev-bin", type=Path, required=True, help="bin folder of a venv with nbdev 3"
    )
    parser.add_argument("--notebooks", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    byte_compile()  # as `pip install` leaves it: the figures are the installed tool's
    with tempfile.TemporaryDirectory() as temp:
        scratch = Path(temp)
        corpus = make_corpus(scratch / "corpus", args.notebooks, args.nbdev_bin)
        print(
            f"corpus: {args.notebooks} notebooks; {os.cpu_count()} cores; Python {sys.version.split()[0]}"
        )
        print(
            f"{'scenario':34} {'nb2pkg':>9} {'nbdev':>9} {'ratio':>7} {'MiB nb2pkg':>11} {'MiB nbdev':>10}"
        )
        for name, prepare, ours, theirs in scenarios(args.nbdev_bin):
            figures: dict[str, list[tuple[float, float]]] = {"a": [], "b": []}
            for _ in range(args.repeat):
                for side in ("a", "b"):
                    root = fresh_copy(corpus, scratch, f"run-{side}")
                    figures[side].append(
                        _side_b(name, root, args.nbdev_bin)
                        if side == "b"
                        and theirs is None
                        or side == "b"
                        and name.startswith("export, one notebook")
                        else _side(prepare, ours if side == "a" else theirs, root)
                    )
            a = statistics.median(w for w, _ in figures["a"])
            b = statistics.median(w for w, _ in figures["b"])
            mem_a = max(m for _, m in figures["a"])
            mem_b = max(m for _, m in figures["b"])
            print(f"{name:34} {a:8.3f}s {b:8.3f}s {a / b:6.2f}x {mem_a:10.0f} {mem_b:10.0f}")


if __name__ == "__main__":
    main()
