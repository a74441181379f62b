"""Directives kept in notebook metadata, read the way nbdev reads them.

nbdev takes a cell's directives from its leading ``#|`` comment lines and from the
``nbdev`` mapping of the cell's metadata::

    "metadata": {"nbdev": {"export": "true"}}          # same as `#| export`
    "metadata": {"nbdev": {"export": "core"}}          # same as `#| export core`

A directive written both ways takes the comment's value. The ``nbdev`` mapping of the
notebook's own metadata (``{"nbdev": {"default_exp": "util"}}``) gives its directives to
the first code cell, unless a cell already has that directive. ``"true"`` stands for a bare
directive; any other string is the directive's value.

nbdev accepts only strings there. nb2pkg also reads JSON ``true`` / ``false`` (a bare
directive, or ``false``: ``export: false`` means "not exported"); a value of another type is
an error for the directives that decide what is exported, and is passed over for any
other key (notebook metadata may hold front matter for the docs). A directive read from
metadata has line number ``METADATA_LINE`` (0): it stands on no line of the source.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .directives import DOC_DIRECTIVES, MODULE_DIRECTIVES, Directive
from .errors import Location, NotebookError

METADATA_KEY = "nbdev"
METADATA_LINE = 0
_STRICT = MODULE_DIRECTIVES | DOC_DIRECTIVES


def metadata_directives(metadata: Any, where: Location) -> tuple[Directive, ...]:
    """Return the directives in the ``nbdev`` mapping of a cell's or notebook's *metadata*."""
    if not isinstance(metadata, dict) or METADATA_KEY not in metadata:
        return ()
    table = metadata[METADATA_KEY]
    if not isinstance(table, dict):
        raise NotebookError(
            f'metadata "{METADATA_KEY}" must map directive names to strings, such as '
            f'{{"export": "true"}}, not a {type(table).__name__}',
            where,
        )
    found: list[Directive] = []
    for name, value in table.items():
        text = _value_text(value)
        if text is None:
            if name in _STRICT:
                raise NotebookError(
                    f'metadata "{METADATA_KEY}": the value of "{name}" must be a string, '
                    f'such as "true" or a module name, not {json_type(value)}',
                    where,
                )
            continue
        found.append(Directive(str(name), text, METADATA_LINE))
    return tuple(found)


def json_type(value: Any) -> str:
    """Name the JSON type of *value*, for messages."""
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return {"list": "a list", "dict": "an object"}.get(type(value).__name__, repr(value))


def _value_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "" if value else "false"
    if isinstance(value, str):
        return "" if value == "true" else value
    return None


def with_metadata(
    comments: tuple[Directive, ...], metadata: tuple[Directive, ...]
) -> tuple[Directive, ...]:
    """Add to a cell's comment directives those of its metadata that the comments lack."""
    if not metadata:
        return comments
    written = {d.name for d in comments}
    return comments + tuple(d for d in metadata if d.name not in written)


def notebook_directives(
    cells: Sequence[tuple[str, tuple[Directive, ...]]], metadata: tuple[Directive, ...]
) -> tuple[int, tuple[Directive, ...]] | None:
    """Place the notebook's metadata directives: (index of the first code cell, the ones to add).

    *cells* are (kind, directives) pairs. A directive that some cell already has is not
    added; None when nothing is to be added (or the notebook has no code cell).
    """
    present = {d.name for _, directives in cells for d in directives}
    missing = tuple(d for d in metadata if d.name not in present)
    first = next((index for index, (kind, _) in enumerate(cells) if kind == "code"), None)
    if not missing or first is None:
        return None
    return first, missing
