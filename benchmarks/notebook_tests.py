#!/usr/bin/env python3
"""Time ``nb2pkg test`` against nbdev's and nbmake's runners on the same notebooks.

    python benchmarks/notebook_tests.py [--small 50] [--corpus 200] [--lines 58000]
                                        [--workers N] [--repeat 3] [--only small,corpus,overhead]

Three measurements, each the wall time of a whole process (start-up included), median and
best of ``--repeat`` runs, all on this machine in this run:

- ``small``: a project of ``--small`` small notebooks (a function, an assert, a print, a
  result), no package;
- ``corpus``: the ``--corpus``-notebook project of ``make_corpus.py``, exported first
  (its notebooks import the package);
- ``overhead``: what one more notebook costs: 50 one-cell notebooks against one, one worker,
  and for comparison the same notebooks run in one process by execnb (nbdev's in-process
  runner), when it is installed.

``nbdev-test`` (nbdev) and ``pytest --nbmake`` (nbmake, with pytest-xdist and ipykernel)
are timed only if this interpreter can run them; nothing here needs them. Install them into
a separate environment together with nb2pkg to compare. Nothing asserts a speed: the script
prints figures for people to read, and a Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
Command = Callable[[Path, int], list[str]]


def small_project(root: Path, count: int, *, trivial: bool = False) -> Path:
    """Write *count* small notebooks and a pyproject that nb2pkg and nbdev both read."""
    (root / "nbs").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "smallbench"\nversion = "0.0.1"\nrequires-python = ">=3.10"\n\n'
        '[tool.nbdev]\nlib_path = "smallbench"\nnbs_path = "nbs"\n'
    )
    (root / "smallbench").mkdir()
    (root / "smallbench" / "__init__.py").write_text("")
    for number in range(count):
        if trivial:
            cells = [new_code_cell("x = 1")]
        else:
            cells = [
                new_markdown_cell(f"# Notebook {number}\n\n> A small notebook."),
                new_code_cell(f"def step(x: int) -> int:\n    return x + {number}"),
                new_code_cell(f"assert step(1) == {number + 1}"),
                new_code_cell("values = [step(i) for i in range(10)]\nprint(sum(values))"),
                new_code_cell("step(2)"),
            ]
        notebook = new_notebook(cells=cells)
        notebook.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
        nbformat.write(notebook, str(root / "nbs" / f"{number:03d}_small.ipynb"))
    return root


def corpus_project(root: Path, count: int, lines: int) -> Path:
    """Make the benchmark corpus, export it, and let nbdev read its configuration too."""
    subprocess.run(
        [sys.executable, str(HERE / "make_corpus.py"), str(root), "--notebooks", str(count), "--lines", str(lines)],
        check=True,
        capture_output=True,
    )
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.nbdev]\nlib_path = "benchpkg"\nnbs_path = "nbs"\n')
    subprocess.run(
        [sys.executable, "-m", "nb2pkg", "export", "-q", "--path", str(root)],
        check=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    return root


def nb2pkg_test(root: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "nb2pkg", "test", "-q", "-n", str(workers), "--path", str(root)]


def nbdev_test(root: Path, workers: int) -> list[str]:
    script = _script("nbdev-test") or _script("nbdev_test") or "nbdev-test"
    usage = subprocess.run([script, "-h"], capture_output=True, text=True).stdout
    if "--n-workers" in usage:  # nbdev 3: the path is positional
        return [script, str(root / "nbs"), "--n-workers", str(workers)]
    return [script, "--path", str(root / "nbs"), "--n_workers", str(workers)]  # nbdev 2


def nbmake(root: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbmake", "-n", str(workers), str(root / "nbs")]


def _script(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def available() -> dict[str, Command]:
    """The runners this interpreter can use, by name."""
    runners: dict[str, Command] = {"nb2pkg test": nb2pkg_test}
    if importlib.util.find_spec("nbdev") is not None and (_script("nbdev-test") or _script("nbdev_test")):
        runners["nbdev-test"] = nbdev_test
    if all(importlib.util.find_spec(m) is not None for m in ("nbmake", "xdist", "ipykernel")):
        runners["pytest --nbmake"] = nbmake
    return runners


SLOW = 60.0  # seconds: a runner this slow is timed once, not --repeat times


def time_once(command: list[str], root: Path) -> tuple[float, int]:
    """Return the wall time of one run of *command* in *root*, and its exit code."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), str(REPO)]))
    start = time.perf_counter()
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-600:]
        print(f"    {' '.join(command[:4])} … exited {result.returncode}; last output:\n{tail}")
    return elapsed, result.returncode


def time_all(commands: dict[str, list[str]], root: Path, repeat: int) -> dict[str, tuple[list[float], int]]:
    """Time every command *repeat* times, taking turns, so that load on the machine is shared."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    codes: dict[str, int] = {}
    for _ in range(repeat):
        for name, command in commands.items():
            if times[name] and times[name][0] > SLOW:
                continue
            elapsed, codes[name] = time_once(command, root)
            times[name].append(elapsed)
    return {name: (times[name], codes[name]) for name in commands}


def compare(label: str, root: Path, workers: int, repeat: int, rows: list[str]) -> None:
    count = len(list((root / "nbs").rglob("*.ipynb")))
    print(f"\n{label}: {count} notebooks, {workers} workers")
    commands = {name: command(root, workers) for name, command in available().items()}
    for name, (times, code) in time_all(commands, root, repeat).items():
        status = "" if code == 0 else f" (exit {code})"
        median, best = statistics.median(times), min(times)
        runs = f"{len(times)} runs" if len(times) > 1 else "1 run"
        print(f"  {name:<18} median {median:7.2f} s   best {best:7.2f} s   {runs}{status}")
        rows.append(f"| {label} ({count} notebooks) | `{name}` | {median:.2f} s | {best:.2f} s |")


def overhead(folder: Path, repeat: int, rows: list[str]) -> None:
    one = small_project(folder / "one", 1, trivial=True)
    many = small_project(folder / "many", 50, trivial=True)
    print("\nper-notebook cost: 50 one-cell notebooks minus one, one worker")
    runners = available()
    singles = time_all({name: command(one, 1) for name, command in runners.items()}, one, repeat)
    fifties = time_all({name: command(many, 1) for name, command in runners.items()}, many, repeat)
    for name in runners:
        single = statistics.median(singles[name][0])
        fifty = statistics.median(fifties[name][0])
        each = (fifty - single) / 49 * 1000
        print(f"  {name:<18} {each:7.1f} ms per notebook (1 notebook: {single:.2f} s, 50: {fifty:.2f} s)")
        rows.append(f"| one more notebook, one worker | `{name}` | {each:.1f} ms | |")
    if importlib.util.find_spec("execnb") is not None:
        each = _execnb_in_process(many, repeat)
        print(f"  {'execnb in-process':<18} {each:7.1f} ms per notebook (one process, shared)")
        rows.append(f"| one more notebook, one worker | execnb `CaptureShell` in one process | {each:.1f} ms | |")


def _execnb_in_process(root: Path, repeat: int) -> float:
    """Run the notebooks one after another in this process with execnb, a shell for each."""
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "try:\n    from execnb.nbio import read_nb\n"
        "except ImportError:  # execnb 0.2+: read_nb moved to fastcore\n"
        "    from fastcore.nbio import read_nb\n"
        "from execnb.shell import CaptureShell\n"
        "paths = sorted(Path(sys.argv[1]).glob('*.ipynb'))\n"
        "CaptureShell().run_all(read_nb(paths[0]))\n"
        "start = time.perf_counter()\n"
        "for path in paths:\n"
        "    CaptureShell().run_all(read_nb(path))\n"
        "print((time.perf_counter() - start) / len(paths) * 1000)\n"
    )
    figures = []
    for _ in range(repeat):
        result = subprocess.run([sys.executable, "-c", code, str(root / "nbs")], capture_output=True, text=True, check=True)
        figures.append(float(result.stdout.strip().splitlines()[-1]))
    return statistics.median(figures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=50, help="notebooks in the small project")
    parser.add_argument("--corpus", type=int, default=200, help="notebooks in the corpus")
    parser.add_argument("--lines", type=int, default=58000, help="code lines in the corpus")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="small,corpus,overhead")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    print(f"runners: {', '.join(available())}; python {sys.version.split()[0]}; {os.cpu_count()} CPUs")
    rows = ["| notebooks | runner | median | best |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        if "small" in only:
            compare("small", small_project(folder / "small", args.small), args.workers, args.repeat, rows)
        if "corpus" in only:
            root = corpus_project(folder / "corpus", args.corpus, args.lines)
            compare("corpus", root, args.workers, args.repeat, rows)
        if "overhead" in only:
            overhead(folder / "overhead", args.repeat, rows)
    print("\n" + "\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
