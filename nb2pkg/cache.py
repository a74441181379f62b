"""Remember rendered blocks between runs, keyed by everything that decides them.

Rendering a block parses its code and may run libcst and black over it; a cell whose code,
place and options did not change renders the same, so its block is read back from the
module's file under ``.nb2pkg/cache/blocks/`` (inside the project, ignored by git through
its own ``.gitignore``). One file per module: a run keeps the blocks it looked up, not the
files' JSON, and rewrites only the modules where a block was rendered anew or went away.
Which modules NB101 found clean is kept in ``clean.json``. The cache is derived data: a
missing, stale or corrupt file only costs time, and errors are never cached.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from .cache_home import (
    CACHE_DIR,
    code_fingerprint,
    read_cache_file,
    write_cache_file,
    write_cache_files,
)
from .fsio import ensure_inside
from .plan import Chunk
from .render import ExportOptions, RenderedBlock
from .report import diagnostic_from_json, diagnostic_to_json

_FOLDER = "cache/blocks"
_CLEAN = "cache/clean.json"
_FORMAT = 3


class BlockCache:
    """A map from a chunk's full description to its rendered block, one file per module."""

    def __init__(self, root: Path, package: str, options: ExportOptions) -> None:
        self.root = root
        self.folder = root / CACHE_DIR / _FOLDER
        self.clean_path = root / CACHE_DIR / _CLEAN
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
        clean = read_cache_file(self.clean_path, self._salt).get("clean")
        self._old_clean = {str(k) for k in clean} if isinstance(clean, list) else set()
        self._clean: set[str] = set()
        self._old_keys: dict[str, set[str]] = {}  # module -> the keys its file holds
        # module -> key -> the block rendered anew, or None for one kept as its file has it
        self._used: dict[str, dict[str, RenderedBlock | None]] = {}
        self._memo: tuple[str, dict[str, Any]] | None = None  # lookup's last module file

    def file(self, module: str) -> Path:
        """Return the cache file of the blocks of *module*."""
        return self.folder / f"{hashlib.sha256(module.encode()).hexdigest()[:24]}.json"

    def _entries(self, module: str) -> dict[str, Any]:
        data = read_cache_file(self.file(module), self._salt)
        blocks = data.get("blocks") if data.get("module") == module else None
        return blocks if isinstance(blocks, dict) else {}

    def is_clean(self, key: str) -> bool:
        """Tell whether a module with this key was found free of undefined names before."""
        if key in self._old_clean:
            self._clean.add(key)
            return True
        return False

    def mark_clean(self, key: str) -> None:
        """Remember that a module with this key has no undefined names."""
        self._clean.add(key)

    def look_up_module(
        self, module: str, chunks: tuple[Chunk, ...]
    ) -> list[tuple[str, RenderedBlock | None]]:
        """Return the cache key of each chunk of *module*, and its cached block or None.

        The module's file is read once; only the decoded blocks are kept.
        """
        entries = self._entries(module)
        self._old_keys[module] = set(entries)
        used = self._used.setdefault(module, {})
        found: list[tuple[str, RenderedBlock | None]] = []
        for chunk in chunks:
            key = _key(chunk, module)
            block = None
            entry = entries.get(key)
            if entry is not None:
                try:
                    block = _decode(chunk, entry)
                except (TypeError, ValueError, KeyError):
                    block = None
            if block is not None:
                used.setdefault(key, None)  # kept as it is in the file
            found.append((key, block))
        return found

    def lookup(self, chunk: Chunk, module: str) -> tuple[str, RenderedBlock | None]:
        """Return the cache key of *chunk* in *module*, and its cached block or None (the
        module's file is read once for consecutive lookups in one module)."""
        if self._memo is None or self._memo[0] != module:
            self._memo = (module, self._entries(module))
        key = _key(chunk, module)
        entry = self._memo[1].get(key)
        try:
            return key, None if entry is None else _decode(chunk, entry)
        except (TypeError, ValueError, KeyError):
            return key, None

    def store(self, module: str, key: str, block: RenderedBlock) -> None:
        """Remember *block* under *key* in *module*'s file for this run's save (a block
        found in the file stays as it is written there)."""
        self._used.setdefault(module, {}).setdefault(key, block)

    def _record(self, module: str) -> dict[str, Any]:
        used = self._used[module]
        kept = self._entries(module) if None in used.values() else {}
        blocks = {
            key: _encode(block) if block is not None else kept[key]
            for key, block in used.items()
            if block is not None or key in kept
        }
        return {"module": module, "blocks": blocks}

    def save(self) -> None:
        """Write the modules whose blocks changed (a block new, or gone) and the clean set;
        remove the files of modules gone."""
        changed = [
            module
            for module, used in self._used.items()
            if any(block is not None for block in used.values())
            or used.keys() != self._old_keys.get(module, set())
        ]
        if changed:
            records = ((self.file(module).name, self._record(module)) for module in changed)
            write_cache_files(self.root, self.folder, self._salt, records)
        if self._clean != self._old_clean:
            record = {"clean": sorted(self._clean)}
            write_cache_file(self.root, self.clean_path, self._salt, record)
        if self.folder.is_dir():
            modules = {self.file(module).name for module in self._used}
            for file in self.folder.glob("*.json"):
                if file.name not in modules:
                    ensure_inside(self.root, file).unlink(missing_ok=True)


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
