"""Render a notebook as plain text for ``git diff`` (the textconv of nb2pkg's diff driver).

Each cell starts with a header line that git's hunk headers show (``# %% cell 3 [code] id
…``, cells counted from 1 as in every message of nb2pkg), then its source; text outputs follow as text, binary ones as their size and a short
hash, so that a changed image is visible without a page of base64. What ``nb2pkg clean``
removes (execution counts, timings, view state) is left out: it is noise in a review.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any

from .clean import CleanOptions, clean_notebook

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_TEXT_MIMES = ("application/javascript", "image/svg+xml")


def notebook_text(raw: dict[str, Any], options: CleanOptions | None = None) -> str:
    """Return the review text of a notebook (outputs kept, volatile data left out)."""
    options = options or CleanOptions()
    notebook = clean_notebook(raw, options).notebook
    out: list[str] = []
    metadata = notebook.get("metadata")
    if metadata:
        out += ["# %% notebook metadata", _json(metadata)]
    cells = notebook.get("cells")
    for number, cell in enumerate(cells if isinstance(cells, list) else [], 1):
        if isinstance(cell, dict):
            out += _cell_lines(number, cell)
    return "\n".join(out) + "\n"


def _cell_lines(number: int, cell: dict[str, Any]) -> list[str]:
    metadata = dict(cell.get("metadata") or {})
    tags = metadata.pop("tags", None)
    header = f"# %% cell {number} [{cell.get('cell_type')}]"
    if cell.get("id"):
        header += f" id {cell['id']}"
    if isinstance(tags, list) and tags:
        header += f" tags: {', '.join(map(str, tags))}"
    out = [header]
    if metadata:
        out.append(f"# metadata: {json.dumps(metadata, sort_keys=True, ensure_ascii=False)}")
    out.append(_text(cell.get("source", "")).rstrip("\n"))
    for name, bundle in sorted((cell.get("attachments") or {}).items()):
        for mime, data in sorted((bundle or {}).items()):
            out.append(f"# attachment {name}: {_binary(mime, data)}")
    for number, output in enumerate(cell.get("outputs") or [], 1):
        if isinstance(output, dict):
            out += _output_lines(number, output)
    return out


def _output_lines(number: int, output: dict[str, Any]) -> list[str]:
    kind = output.get("output_type")
    if kind == "stream":
        return [f"# -- output {number}: {output.get('name', 'stream')}", _text(output.get("text"))]
    if kind == "error":
        trace = "\n".join(_ANSI.sub("", str(line)) for line in output.get("traceback") or [])
        head = f"# -- output {number}: error {output.get('ename')}: {output.get('evalue')}"
        return [head, trace] if trace else [head]
    out = [f"# -- output {number}: {kind}"]
    for mime, data in sorted((output.get("data") or {}).items()):
        if mime.startswith("text/") or mime in _TEXT_MIMES:
            out += [f"# [{mime}]", _text(data).rstrip("\n")]
        elif mime == "application/json" or mime.endswith("+json"):
            out += [f"# [{mime}]", _json(data)]
        else:
            out.append(f"# [{mime}] {_binary(mime, data)}")
    return out


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(line) for line in value)
    return "" if value is None else str(value)


def _json(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)


def _binary(mime: str, data: Any) -> str:
    """Describe base64 data by its decoded size and a short hash."""
    text = _text(data)
    try:
        raw = base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        raw = text.encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(raw).hexdigest()[:12]
    return f"{mime}, {len(raw):,} bytes, sha256 {digest}"
