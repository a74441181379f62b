"""Where nb2pkg keeps derived data in a project, and what invalidates all of it.

Every cache under ``.nb2pkg/`` is salted with ``code_fingerprint``: a changed nb2pkg may
read or render differently, whatever its version says.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from . import __version__

CACHE_DIR = ".nb2pkg"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash nb2pkg's own source: a changed nb2pkg renders differently, whatever its version."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(Path(__file__).resolve().parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
