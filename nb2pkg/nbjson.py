"""Write notebook JSON exactly as Jupyter does, without importing nbformat.

Jupyter saves through ``nbformat.write``: multi-line strings are rejoined and split again
into lists of lines (sources, stream text, text-like MIME data, attachments), transient keys
are dropped, and the JSON is dumped with a one-space indent, sorted keys, non-ASCII text as
it is, and a final newline. ``dumps_jupyter`` reproduces that byte for byte, so a notebook
nb2pkg writes and Jupyter saves again shows no diff. The few things Jupyter would not
preserve on a given platform but a repository may rely on (CRLF line ends, a BOM) are kept
as the file had them (``Layout``).

Only the standard library is imported here: ``nb2pkg clean --stdin`` runs as a git filter
on every ``git add`` and must start fast.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

# MIME types that are stored as text split into lines besides text/* (nbformat's list).
_SPLIT_MIMES = frozenset({"application/javascript", "image/svg+xml"})
_BOM = "\ufeff"


@dataclass(frozen=True)
class Layout:
    """What of a file's layout survives a rewrite: its line ends and byte-order mark."""

    newline: str = "\n"
    bom: bool = False

    @classmethod
    def of(cls, text: str) -> Layout:
        """Return the layout of *text*: CRLF only when every line ends so."""
        bom = text.startswith(_BOM)
        lines = text.count("\n")
        crlf = lines > 0 and text.count("\r\n") == lines
        return cls("\r\n" if crlf else "\n", bom)


def _is_json_mime(mime: str) -> bool:
    return mime == "application/json" or (
        mime.startswith("application/") and mime.endswith("+json")
    )


def _rejoin(text: Any) -> Any:
    if isinstance(text, list) and all(isinstance(line, str) for line in text):
        return "".join(text)
    return text


def _normalise_bundle(bundle: Any) -> None:
    """Rejoin and re-split a MIME bundle in place, as nbformat's read and write do."""
    if not isinstance(bundle, dict):
        return
    for mime, value in list(bundle.items()):
        if not isinstance(mime, str) or _is_json_mime(mime):
            continue
        value = _rejoin(value)
        if isinstance(value, str) and (mime.startswith("text/") or mime in _SPLIT_MIMES):
            value = value.splitlines(True)
        bundle[mime] = value


def _normalise_cell(cell: Any) -> None:
    if not isinstance(cell, dict):
        return
    source = _rejoin(cell.get("source"))
    if isinstance(source, str):
        cell["source"] = source.splitlines(True)
    attachments = cell.get("attachments")
    if isinstance(attachments, dict):
        for bundle in attachments.values():
            _normalise_bundle(bundle)
    metadata = cell.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("trusted", None)
    if cell.get("cell_type") != "code" or not isinstance(cell.get("outputs"), list):
        return
    for output in cell["outputs"]:
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind in ("execute_result", "display_data"):
            _normalise_bundle(output.get("data"))
        elif kind and "text" in output:
            text = _rejoin(output["text"])
            if kind == "stream" and isinstance(text, str):
                text = text.splitlines(True)
            output["text"] = text


def jupyter_form(raw: dict[str, Any], *, copy_first: bool = True) -> dict[str, Any]:
    """Return *raw* with lines split and transient keys dropped, as Jupyter saves it.

    With *copy_first* false, *raw* itself is changed (for a dict nobody else holds).
    """
    notebook = copy.deepcopy(raw) if copy_first else raw
    metadata = notebook.get("metadata")
    if isinstance(metadata, dict):
        for key in ("orig_nbformat", "orig_nbformat_minor", "signature"):
            metadata.pop(key, None)
    cells = notebook.get("cells")
    if isinstance(cells, list):
        for cell in cells:
            _normalise_cell(cell)
    return notebook


def dumps_jupyter(
    raw: dict[str, Any], layout: Layout | None = None, *, copy_first: bool = True
) -> str:
    """Serialise *raw* as ``nbformat.write`` would, keeping *layout*'s line ends and BOM."""
    text = json.dumps(
        jupyter_form(raw, copy_first=copy_first),
        indent=1,
        sort_keys=True,
        separators=(",", ": "),
        ensure_ascii=False,
    )
    text += "\n"
    layout = layout or Layout()
    if layout.newline != "\n":
        text = text.replace("\n", layout.newline)
    return _BOM + text if layout.bom else text
