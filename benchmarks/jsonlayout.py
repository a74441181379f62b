"""Time the layout-keeping notebook writer against a plain ``json`` round trip, and print.

    python benchmarks/jsonlayout.py [--cells 250,500,1000,2000,4000] [--repeat 5]

For notebooks of growing size (code cells with outputs, Jupyter's layout), it prints the
time to parse the text with spans (``jsonparse.parse``), to write it back after a one-cell
edit (``dumps_like``), and what ``json.loads`` + ``json.dumps`` take for the same notebook;
then the parse time per MB, which stays flat if the parser is linear. Last, a 1,000-deep
nesting, the deepest ``json`` itself reads. Like the CLI, it runs without the cycle
collector (which would otherwise walk the growing trees again and again). Nothing here
asserts a speed.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nb2pkg.jsonlayout import dumps_like
from nb2pkg.jsonparse import parse

JUPYTER = {"indent": 1, "sort_keys": True, "ensure_ascii": False, "separators": (",", ": ")}


def notebook(cells: int) -> dict[str, Any]:
    """Return a notebook with *cells* code cells of ten lines, each with a stream output."""
    made = []
    for number in range(cells):
        source = [f"value_{number}_{line} = {line} * 2  # a comment, café\n" for line in range(10)]
        made.append(
            {
                "cell_type": "code",
                "execution_count": number + 1,
                "id": f"c{number:07d}",
                "metadata": {"tags": ["a"]} if number % 7 == 0 else {},
                "outputs": [{"name": "stdout", "output_type": "stream", "text": ["out\n"] * 3}],
                "source": source,
            }
        )
    return {
        "cells": made,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times) if repeat < 3 else statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", default="250,500,1000,2000,4000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    gc.disable()
    print(
        f"{'cells':>6} {'size':>8} {'parse':>9} {'dumps_like':>11} {'json loads+dumps':>17}"
        f" {'parse per MB':>13}"
    )
    sizes = [int(c) for c in args.cells.split(",")]
    layouts = [(cells, "jupyter") for cells in sizes] + [(sizes[-1], "minified")]
    for cells, layout in layouts:
        raw = notebook(cells)
        if layout == "minified":
            text = json.dumps(raw, separators=(",", ":"), ensure_ascii=False)
        else:
            text = json.dumps(raw, **JUPYTER) + "\n"
        edited = copy.deepcopy(raw)
        edited["cells"][cells // 2]["source"][3] = "changed = True\n"
        document = parse(text)
        parse_time = best(lambda: parse(text), args.repeat)  # noqa: B023
        write_time = best(lambda: dumps_like(edited, document), args.repeat)  # noqa: B023
        plain = best(lambda: json.dumps(json.loads(text), **JUPYTER), args.repeat)  # noqa: B023
        megabytes = len(text.encode()) / 1e6
        print(
            f"{cells:>6} {megabytes:>6.2f}MB {parse_time * 1000:>7.1f}ms {write_time * 1000:>9.1f}ms"
            f" {plain * 1000:>15.1f}ms {parse_time / megabytes * 1000:>10.1f}ms"
            + ("  (minified)" if layout == "minified" else "")
        )
    deep = "[" * 999 + "1" + "]" * 999
    new: Any = 2
    for _ in range(999):
        new = [new]
    start = time.perf_counter()
    dumps_like(new, deep)
    print(f"999-deep nesting: parse and write {1000 * (time.perf_counter() - start):.1f} ms")


if __name__ == "__main__":
    main()
