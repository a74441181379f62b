#!/usr/bin/env python3
"""Count ``nb2pkg check`` diagnostics by code, to compare two versions of nb2pkg.

    python benchmarks/diagnostics.py PROJECT [--source DIR] [--ci]

Runs ``nb2pkg check --format json`` on PROJECT (read only: check writes nothing) with the
nb2pkg found in ``--source`` (a checkout or an unpacked ``git archive``; default: this
one) and prints one line per code with its count, then the totals. For a before/after
figure, unpack the older version and run the script once with each::

    git archive main | tar -x -C /tmp/nb2pkg-main
    python benchmarks/diagnostics.py /tmp/corpus --source /tmp/nb2pkg-main
    python benchmarks/diagnostics.py /tmp/corpus
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def count(project: Path, source: Path, ci: bool) -> tuple[Counter[str], int]:
    """Return the diagnostics of one check run by code, and its exit code."""
    env = dict(os.environ, PYTHONPATH=str(source), PYTHONDONTWRITEBYTECODE="1")
    args = ["check", "--format", "json", "--path", str(project), *(["--ci"] if ci else [])]
    # `python -m` puts the working folder first on sys.path: run from the source folder.
    result = subprocess.run(
        [sys.executable, "-m", "nb2pkg", *args], env=env, cwd=source, capture_output=True, text=True
    )
    if result.returncode not in (0, 1):
        raise SystemExit(f"nb2pkg check failed:\n{result.stderr}")
    data = json.loads(result.stdout)
    return Counter(d["code"] for d in data["diagnostics"]), result.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--source", type=Path, default=REPO)
    parser.add_argument("--ci", action="store_true", help="check --ci")
    args = parser.parse_args()
    found, exit_code = count(args.project, args.source, args.ci)
    for code in sorted(found):
        print(f"{code}  {found[code]}")
    print(f"total {sum(found.values())}; exit code {exit_code}")


if __name__ == "__main__":
    main()
