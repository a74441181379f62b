"""Time nb2pkg's commands on a generated project and print the figures.

    python benchmarks/run.py [--notebooks 200] [--lines 58000] [--repeat 5] [--only export,sync]

Each figure is the wall time of a whole ``nb2pkg`` process (start-up included), median and
best of ``--repeat`` runs, on a fresh copy of the corpus made by ``make_corpus.py``. Nothing
here asserts a speed: it prints numbers for people to read and compare.
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


def nb2pkg(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run one nb2pkg command in a fresh interpreter, as a user would."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, "-m", "nb2pkg", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    if check and result.returncode not in (0, 1):
        raise SystemExit(f"nb2pkg {' '.join(args)} failed:\n{result.stderr}")
    return result


def timed(
    run: Callable[[], object], prepare: Callable[[], object] | None, repeat: int
) -> list[float]:
    """Return the wall times of *repeat* runs, each after *prepare*."""
    times = []
    for _ in range(repeat):
        if prepare:
            prepare()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def report(label: str, times: list[float]) -> None:
    print(f"{label:<44} median {statistics.median(times):6.3f} s   best {min(times):6.3f} s")


def make_corpus(folder: Path, notebooks: int, lines: int) -> Path:
    subprocess.run(
        [
            sys.executable,
            str(HERE / "make_corpus.py"),
            str(folder),
            "--notebooks",
            str(notebooks),
            "--lines",
            str(lines),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return folder


def reset_package(root: Path) -> None:
    """Forget every earlier export: the package folder and nb2pkg's cache."""
    for name in ("benchpkg", ".nb2pkg", "dist"):
        shutil.rmtree(root / name, ignore_errors=True)


def edit_one_block(root: Path) -> None:
    """Change one line in one generated module, as an IDE user would."""
    module = sorted((root / "benchpkg").glob("mod*.py"))[
        len(list((root / "benchpkg").glob("mod*.py"))) // 2
    ]
    text = module.read_text()
    marker = text.index("\n# %% ")
    end = text.index("\n", marker + 1)
    module.write_text(text[: end + 1] + f"EDITED_{time.monotonic_ns()} = 1\n" + text[end + 1 :])


def bench_export(root: Path, repeat: int) -> None:
    report(
        "export, cold (no package, no cache)",
        timed(lambda: nb2pkg("export", "-q", cwd=root), lambda: reset_package(root), repeat),
    )
    nb2pkg("export", "-q", cwd=root)
    report(
        "export, cold, --no-check",
        timed(
            lambda: nb2pkg("export", "-q", "--no-check", cwd=root),
            lambda: reset_package(root),
            repeat,
        ),
    )
    nb2pkg("export", "-q", cwd=root)
    report("export, no-op re-export", timed(lambda: nb2pkg("export", "-q", cwd=root), None, repeat))

    def touch_notebook() -> None:
        notebook = sorted((root / "nbs").glob("*.ipynb"))[0]
        text = notebook.read_text()
        notebook.write_text(
            text.replace('"#| export\\n', f'"#| export\\n# {time.monotonic_ns()}\\n', 1)
        )

    report(
        "export, one notebook edited",
        timed(lambda: nb2pkg("export", "-q", cwd=root), touch_notebook, repeat),
    )


def bench_sync(root: Path, repeat: int) -> None:
    nb2pkg("export", "-q", cwd=root)
    report(
        "sync, one edited block",
        timed(lambda: nb2pkg("sync", "-q", cwd=root), lambda: edit_one_block(root), repeat),
    )
    report("sync, nothing to sync", timed(lambda: nb2pkg("sync", "-q", cwd=root), None, repeat))


def bench_build(root: Path, repeat: int) -> None:
    def fresh() -> None:
        shutil.rmtree(root / "dist", ignore_errors=True)

    nb2pkg("export", "-q", cwd=root)
    report(
        "build (export up to date; deps, pyproject, wheel)",
        timed(lambda: nb2pkg("build", "-q", cwd=root), fresh, repeat),
    )
    report(
        "build, cold (no package, no cache)",
        timed(lambda: nb2pkg("build", "-q", cwd=root), lambda: reset_package(root), repeat),
    )
    wheel = next((root / "dist").glob("*.whl"))
    print(f"{'wheel size':<44} {wheel.stat().st_size / 1024:8.1f} kB ({wheel.name})")


def bench_check(root: Path, repeat: int) -> None:
    nb2pkg("build", "-q", cwd=root)
    report("check", timed(lambda: nb2pkg("check", "-q", cwd=root), None, repeat))
    report("check --ci", timed(lambda: nb2pkg("check", "--ci", "-q", cwd=root), None, repeat))
    report(
        "check, cold cache",
        timed(
            lambda: nb2pkg("check", "-q", cwd=root),
            lambda: shutil.rmtree(root / ".nb2pkg", ignore_errors=True),
            repeat,
        ),
    )


def bench_help(root: Path, repeat: int) -> None:
    report("nb2pkg --help (start-up)", timed(lambda: nb2pkg("--help", cwd=root), None, repeat))


BENCHMARKS: dict[str, Callable[[Path, int], None]] = {
    "help": bench_help,
    "export": bench_export,
    "sync": bench_sync,
    "build": bench_build,
    "check": bench_check,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=200)
    parser.add_argument("--lines", type=int, default=58_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset")
    args = parser.parse_args()
    byte_compile()  # as `pip install` leaves it: the figures are the installed tool's
    with tempfile.TemporaryDirectory() as scratch:
        corpus = make_corpus(Path(scratch) / "corpus", args.notebooks, args.lines)
        lines = sum(1 for p in (corpus / "nbs").rglob("*.ipynb") for _ in p.open())
        print(
            f"corpus: {args.notebooks} notebooks, ~{args.lines} code lines, {lines} JSON lines; "
            f"{os.cpu_count()} cores; Python {sys.version.split()[0]}"
        )
        for name in args.only.split(","):
            work = Path(scratch) / name
            shutil.copytree(corpus, work)
            BENCHMARKS[name](work, args.repeat)


if __name__ == "__main__":
    main()
