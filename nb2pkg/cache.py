"""Remember rendered blocks between runs, keyed by everything that decides them.

Rendering a block parses its code and may run libcst and black over it; a cell whose code,
place and options did not change renders the same, so its block is read back from
``.nb2pkg/cache/blocks.json`` (inside the project, ignored by git through its own
``.gitignore``). The cache is derived data: a missing, stale or corrupt file only costs
time, and errors are never cached.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from .cache_home import CACHE_DIR, code_fingerprint, read_cache_file, write_cache_file
from .plan import Chunk
from .render import ExportOptions, RenderedBlock
from .report import diagnostic_from_json, diagnostic_to_json

_FILE = "cache/blocks.json"
_FORMAT = 2


class BlockCache:
    """A map from a chunk's full description to its rendered block."""

    def __init__(self, root: Path, package: str, options: ExportOptions) -> None:
        self.root = root
        self.path = root / CACHE_DIR / _FILE
        self._salt = json.dumps(
            [
                _FORMAT,
                code_fingerprint(),
                sys.version_info[:2],
                package,
                options.drop_magics,
                options.format,
                sorted(options.black.items()),
            ],
            default=str,
        )
        self._old, self._old_clean = self._load()
        self._used: dict[str, list[Any] | RenderedBlock] = {}
        self._clean: set[str] = set()

    def _load(self) -> tuple[dict[str, Any], set[str]]:
        data = read_cache_file(self.path, self._salt)
        blocks = data.get("blocks")
        clean = data.get("clean")
        return (
            blocks if isinstance(blocks, dict) else {},
            {str(k) for k in clean} if isinstance(clean, list) else set(),
        )

    def is_clean(self, key: str) -> bool:
        """Tell whether a module with this key was found free of undefined names before."""
        if key in self._old_clean:
            self._clean.add(key)
            return True
        return False

    def mark_clean(self, key: str) -> None:
        """Remember that a module with this key has no undefined names."""
        self._clean.add(key)

    def lookup(self, chunk: Chunk, module: str) -> tuple[str, RenderedBlock | None]:
        """Return the cache key of *chunk* in *module*, and its cached block or None."""
        key = _key(chunk, module)
        entry = self._old.get(key)
        if entry is None:
            return key, None
        try:
            block = _decode(chunk, entry)
        except (TypeError, ValueError, KeyError):
            return key, None
        self._used[key] = entry
        return key, block

    def store(self, key: str, block: RenderedBlock) -> None:
        """Remember *block* under *key* for this run's save."""
        if key not in self._used:
            self._used[key] = block  # encoded when saved, one at a time

    def save(self) -> None:
        """Write the entries used by this run (dropping the rest), if anything changed."""
        fresh = any(isinstance(entry, RenderedBlock) for entry in self._used.values())
        if not fresh and self._used.keys() == self._old.keys() and self._clean == self._old_clean:
            return
        record = {"blocks": self._used, "clean": sorted(self._clean)}
        write_cache_file(self.root, self.path, self._salt, record, _encode_entry)


def _key(chunk: Chunk, module: str) -> str:
    fields = (
        module,
        chunk.notebook,
        chunk.cell_id,
        str(chunk.cell_index),
        chunk.directive,
        str(chunk.body_line),
        repr(chunk.magic_lines),
        chunk.code,
    )
    return hashlib.sha1("\0".join(fields).encode("utf-8", "surrogatepass")).hexdigest()


def _encode_entry(entry: list[Any] | RenderedBlock) -> list[Any]:
    return _encode(entry) if isinstance(entry, RenderedBlock) else entry


def _encode(block: RenderedBlock) -> list[Any]:
    warnings = [diagnostic_to_json(w) for w in block.warnings]
    imports = [[level, module, list(names)] for level, module, names in block.imports]
    return [
        block.code,
        block.digest,
        list(block.names),
        list(block.futures),
        warnings,
        imports,
        list(block.defines),
    ]


def _decode(chunk: Chunk, entry: list[Any]) -> RenderedBlock:
    code, digest, names, futures, warnings, imports, defines = entry
    return RenderedBlock(
        chunk,
        str(code),
        str(digest),
        tuple(map(str, names)),
        tuple(map(str, futures)),
        tuple(diagnostic_from_json(w) for w in warnings),
        tuple(
            (int(level), str(module), tuple(map(str, found))) for level, module, found in imports
        ),
        tuple(map(str, defines)),
    )
