"""Worker processes for the CPU-heavy stages of large projects: rendering and NB101.

On a machine with several cores, rendering blocks (``ast``, libcst) and the scope analysis
of modules run in forked workers. Forking is cheap (the workers inherit what nb2pkg has
imported) and keeps the results identical to a run in one process; below a size where
starting workers costs more than it saves, and where ``fork`` is not available, everything
runs in the calling process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

#: Below this much exported code, worker processes cost more than they save.
PARALLEL_THRESHOLD = 400_000


@contextmanager
def worker_pool(size: int) -> Iterator[ProcessPoolExecutor | None]:
    """Yield a pool of forked workers for *size* bytes of work, or None to work in-process."""
    cores = os.cpu_count() or 1
    if size < PARALLEL_THRESHOLD or cores < 2:
        yield None
        return
    import multiprocessing  # only when workers may pay: it is slow to import
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=min(cores, 4), mp_context=context)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
