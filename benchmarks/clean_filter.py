"""Print what ``nb2pkg clean`` saves in a review, and what one git filter call costs.

    python benchmarks/clean_filter.py [--repeat 15] [--corpus-notebooks 200]

1. Diff size: the notebooks of a project made by ``nb2pkg new`` go through "Restart & Run
   All" as JupyterLab 4 records it (execution counts, the four ``execution`` timestamps per
   cell, ``language_info`` with the Python version, outputs, an object repr with its memory
   address). The figures are the lines of ``git diff`` (added + removed) without and with
   clean, for the first run after the commit and for a second run with no code change.
2. Start-up: the wall time of one ``nb2pkg clean --stdin`` process on such a notebook, as git
   starts it for every notebook it adds (median and best of --repeat), next to a bare
   ``python -c pass``; and whether a heavy module was imported on the way.
3. ``git add`` of --git-notebooks run notebooks with the filter, once with only the one-shot
   ``filter.nb2pkg.clean`` (a process per notebook) and once as ``nb2pkg hooks install``
   sets it up (``filter.nb2pkg.process``: one process per git command).
4. ``nb2pkg clean --check`` over the generated corpus of ``make_corpus.py``.

Nothing here asserts a time; it prints figures to read and compare.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
HEAVY = ("nbformat", "jsonschema", "fastjsonschema", "libcst", "black", "IPython", "tomlkit")


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO))


def nb2pkg(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run nb2pkg in a fresh interpreter, as git or a user would."""
    return subprocess.run(
        [sys.executable, "-m", "nb2pkg", *args],
        cwd=cwd,
        env=_env(),
        input=stdin,
        capture_output=True,
    )


def restart_and_run_all(raw: dict[str, Any], run: int) -> dict[str, Any]:
    """Return *raw* as JupyterLab 4 saves it after "Restart & Run All" (simulated)."""
    notebook = json.loads(json.dumps(raw))
    count = 0
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        count += 1
        cell["execution_count"] = count
        stamp = f"2024-06-0{run}T10:{count:02d}:0"
        cell["metadata"]["execution"] = {
            "iopub.execute_input": f"{stamp}1.123456Z",
            "iopub.status.busy": f"{stamp}1.120000Z",
            "iopub.status.idle": f"{stamp}1.250000Z",
            "shell.execute_reply": f"{stamp}1.248000Z",
        }
        source = "".join(cell["source"])
        if source.startswith("assert") or "default_exp" in source or "export" in source:
            cell["outputs"] = []
        else:
            cell["outputs"] = [
                {
                    "data": {"text/plain": ["'Hello, world!'"]},
                    "execution_count": count,
                    "metadata": {},
                    "output_type": "execute_result",
                },
                {
                    "name": "stdout",
                    "output_type": "stream",
                    "text": [f"<function greet at 0x7f{run}a3c2e1b40>\n"],
                },
            ]
    notebook["metadata"]["language_info"] = {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": f"3.11.{run}",
    }
    return notebook


def _changed_lines(old: str, new: str) -> int:
    return sum(
        1
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    )


def diff_sizes(work: Path) -> None:
    from nb2pkg.clean import CleanOptions
    from nb2pkg.clean_io import clean_bytes
    from nb2pkg.nbjson import dumps_jupyter

    made = nb2pkg("new", "demo", "--no-git", cwd=work)
    if made.returncode:
        raise SystemExit(made.stderr.decode())
    rows = []
    for path in sorted((work / "demo" / "nbs").glob("*.ipynb")):
        committed = path.read_text(encoding="utf-8")
        raw = json.loads(committed)
        first, second = (dumps_jupyter(restart_and_run_all(raw, run)) for run in (1, 2))
        clean = [clean_bytes(t.encode(), path.name, CleanOptions()).text for t in (first, second)]
        rows.append(
            (
                path.name,
                _changed_lines(committed, first),
                _changed_lines(committed, clean[0]),
                _changed_lines(first, second),
                _changed_lines(clean[0], clean[1]),
            )
        )
    print("## Diff of a re-run notebook (lines added + removed), project made by `nb2pkg new`\n")
    print("| notebook | first run: raw | first run: clean | second run: raw | second run: clean |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(map(str, row)) + " |")
    total = [sum(row[i] for row in rows) for i in range(1, 5)]
    print("| all | " + " | ".join(map(str, total)) + " |\n")
    print(
        "(first run: against the notebook as committed, without outputs; clean keeps the new "
        "outputs, which are a real change. Second run: the same code run again.)\n"
    )


def _time(command: list[str], stdin: bytes, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, input=stdin, capture_output=True, env=_env(), check=True)
        times.append(time.perf_counter() - start)
    return times


def startup(work: Path, repeat: int) -> None:
    path = work / "demo" / "nbs" / "00_core.ipynb"
    data = dumps_jupyter_run(path)
    filter_times = _time([sys.executable, "-m", "nb2pkg", "clean", "--stdin"], data, repeat)
    bare = _time([sys.executable, "-c", "pass"], b"", repeat)
    imported = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "nb2pkg", "clean", "--stdin"],
        input=data,
        capture_output=True,
        env=_env(),
        check=True,
    ).stderr.decode()
    modules = [line.split("|")[-1].strip() for line in imported.splitlines() if "|" in line][1:]
    heavy = sorted({m.split(".")[0] for m in modules if m.split(".")[0] in HEAVY})
    print("## One `nb2pkg clean --stdin` (what git runs per notebook)\n")
    print("| process | median | best |")
    print("|---|---|---|")
    for name, times in (("nb2pkg clean --stdin", filter_times), ("python -c pass", bare)):
        print(f"| {name} | {statistics.median(times) * 1000:.0f} ms | {min(times) * 1000:.0f} ms |")
    print(
        f"\n{len(modules)} modules imported; heavy ones among them: {', '.join(heavy) or 'none'}\n"
    )


def dumps_jupyter_run(path: Path) -> bytes:
    from nb2pkg.nbjson import dumps_jupyter

    raw = json.loads(path.read_text(encoding="utf-8"))
    return dumps_jupyter(restart_and_run_all(raw, 1)).encode()


def corpus(work: Path, notebooks: int, repeat: int) -> None:
    target = work / "corpus"
    subprocess.run(
        [sys.executable, str(HERE / "make_corpus.py"), str(target), "--notebooks", str(notebooks)],
        check=True,
        capture_output=True,
        env=_env(),
    )
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = nb2pkg("clean", "--check", "--path", str(target), cwd=work)
        times.append(time.perf_counter() - start)
    summary = result.stdout.decode().strip().splitlines()[-1]
    print(f"## `nb2pkg clean --check` on the corpus ({notebooks} notebooks)\n")
    print(f"median {statistics.median(times):.2f} s, best {min(times):.2f} s; it said: {summary}\n")


def git_add(work: Path, notebooks: int, repeat: int) -> None:
    import shutil

    if shutil.which("git") is None:
        print("## git add: skipped (git is not installed)\n")
        return
    bin_dir = work / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "nb2pkg"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m nb2pkg "$@"\n')
    shim.chmod(0o755)
    env = dict(_env(), PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    env.update(GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@b", GIT_COMMITTER_NAME="b")
    env.update(GIT_COMMITTER_EMAIL="b@b", GIT_CONFIG_NOSYSTEM="1", HOME=str(work))
    data = dumps_jupyter_run(work / "demo" / "nbs" / "00_core.ipynb")
    rows = []
    for mode in ("one-shot (filter.nb2pkg.clean)", "process (filter.nb2pkg.process)"):
        times = []
        for attempt in range(repeat):
            repo = work / f"repo-{len(rows)}-{attempt}"
            (repo / "nbs").mkdir(parents=True)
            subprocess.run(["git", "init", "-q"], cwd=repo, env=env, check=True)
            subprocess.run(
                ["nb2pkg", "hooks", "install"], cwd=repo, env=env, check=True, capture_output=True
            )
            if mode.startswith("one-shot"):
                subprocess.run(
                    ["git", "config", "--unset", "filter.nb2pkg.process"],
                    cwd=repo,
                    env=env,
                    check=True,
                )
            for number in range(notebooks):
                (repo / "nbs" / f"n{number:03d}.ipynb").write_bytes(data)
            start = time.perf_counter()
            subprocess.run(["git", "add", "-A"], cwd=repo, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        rows.append((mode, times))
    print(f"## `git add` of {notebooks} run notebooks through the filter\n")
    print("| filter | median | best |")
    print("|---|---|---|")
    for mode, times in rows:
        print(f"| {mode} | {statistics.median(times):.2f} s | {min(times):.2f} s |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--corpus-notebooks", type=int, default=200)
    parser.add_argument("--git-notebooks", type=int, default=50)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        diff_sizes(work)
        startup(work, args.repeat)
        if args.git_notebooks:
            git_add(work, args.git_notebooks, max(3, args.repeat // 5))
        if args.corpus_notebooks:
            corpus(work, args.corpus_notebooks, max(3, args.repeat // 5))


if __name__ == "__main__":
    main()
