"""Parse the directive block at the top of a cell (nbdev syntax).

A directive is a comment line ``#| name value`` (also ``# |``, any spacing, ``name: value``
or ``name:value``). Directives form the cell's leading block: blank lines and cell magics
may sit among them; the first other line ends the block, and the rest is the cell's body.

Problems are returned, never raised: an unknown, mis-cased or old-style directive (nbdev 1's
``# export``) is a ``DirectiveProblem`` with a suggestion, and the caller decides whether it
is a warning (export) or an error (check).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

#: Directives that decide what goes into the package.
EXPORT_DIRECTIVES = frozenset({"export", "exporti", "exports"})
MODULE_DIRECTIVES = frozenset({"default_exp"}) | EXPORT_DIRECTIVES
#: nbdev 3's ``exportd``: the cell goes into the module docstring (code fenced), not the code.
DOC_DIRECTIVES = frozenset({"exportd"})

#: Directives nbdev, Quarto or nb2pkg know, passed through untouched.
PASS_THROUGH = frozenset(
    {
        # nbdev
        "hide",
        "hide_input",
        "hide_output",
        "exec_doc",
        "exec",
        "eval",
        "filter_stream",
        "skip_showdoc",
        "skip_exec",
        "asis",
        "code-fold",
        "code-summary",
        "default_cls_lvl",
        "output",
        "echo",
        "include",
        "nbflags",
        "notest",
        "slow",
        "cuda",
        "python",
        "fold",
        "collapse_input",
        "collapse_output",
        "collapse_show",
        "collapse_hide",
        "export_and_show",
        "exportn",
        "exports_to",
        "doc",
        "autoreload",
        # quarto cell options
        "label",
        "fig-cap",
        "fig-alt",
        "fig-width",
        "fig-height",
        "tbl-cap",
        "warning",
        "error",
        "message",
        "code-overflow",
        "code-line-numbers",
        "output-location",
        "panel",
        "layout",
        "layout-ncol",
        "layout-nrow",
        "column",
        "lst-label",
        "lst-cap",
        "classes",
        "tags",
        "html-table-processing",
        # nb2pkg
        "nb2pkg",
    }
)
KNOWN = MODULE_DIRECTIVES | DOC_DIRECTIVES | PASS_THROUGH

_DIRECTIVE = re.compile(
    # The value ends at its last non-space character: `(?:.*\S)?` finds it in one pass
    # (a lazy `.*?\s*$` is quadratic on a value followed by many spaces).
    r"^\s*#\s*\|\s*(?P<name>[A-Za-z_][\w-]*)\s*(?::\s*|\s+|$)(?P<value>(?:.*\S)?)\s*$"
)
_OLD_STYLE = re.compile(
    r"^\s*#\s*(?P<name>export|exports|exporti|exportn|export_and_show|default_exp|hide|hide_input"
    r"|hide_output|collapse_input|collapse_output|nbdev_comment|exporti)\b(?P<value>[^|\n]*)$",
    re.IGNORECASE,
)
_CELL_MAGIC = re.compile(r"^\s*%%")
_FALSE_VALUES = frozenset({"false", "no", "0", "off"})
_TRUE_VALUES = frozenset({"true", "yes", "1", "on"})


@dataclass(frozen=True)
class Directive:
    """One directive line: its name, its value and where it stands in the cell (1-based)."""

    name: str
    value: str
    line: int


@dataclass(frozen=True)
class DirectiveProblem:
    """A directive-like line that nb2pkg will not act on, with a suggested fix."""

    line: int
    text: str
    message: str
    suggestion: str | None
    affects_export: bool  # True when the author most likely meant to export the cell
    old_style: bool = False  # nbdev 1's `# export` form: `nb2pkg migrate` rewrites it


@dataclass(frozen=True)
class ParsedCell:
    """A code cell split into its directive block and its body."""

    directives: tuple[Directive, ...]
    header: str  # the leading block exactly as written, kept on sync
    body: str  # the rest of the source
    body_line: int  # the line of the source where the body starts (1-based)
    magic_lines: tuple[int, ...]  # cell magics inside the leading block
    problems: tuple[DirectiveProblem, ...]


def parse_cell(source: str) -> ParsedCell:
    """Split *source* into directives, header and body, and note suspicious lines."""
    if not source.lstrip().startswith(("#", "%")):
        return ParsedCell((), "", source, 1, (), ())  # most cells: no block at all
    lines = source.splitlines(keepends=True)
    directives: list[Directive] = []
    problems: list[DirectiveProblem] = []
    magics: list[int] = []
    end = 0
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        match = _DIRECTIVE.match(line)
        if match:
            directives.append(Directive(match["name"], match["value"], number))
            problem = _check_name(match["name"], number, stripped)
            if problem:
                problems.append(problem)
        elif not stripped:
            pass
        elif _CELL_MAGIC.match(line):
            magics.append(number)
        else:
            old = _OLD_STYLE.match(line)
            if old and _old_style_applies(old):
                problems.append(_old_style_problem(old, number, stripped))
                end = number
                continue
            break
        end = number
    header = "".join(lines[:end])
    body = "".join(lines[end:])
    # Blank lines closing the block belong to the header, so the body starts with code.
    if not directives and not magics:
        header, body, end = "", source, 0
    return ParsedCell(tuple(directives), header, body, end + 1, tuple(magics), tuple(problems))


def parse_markdown(source: str) -> tuple[tuple[Directive, ...], str]:
    """Split a markdown cell into its leading ``#|`` directives and its text, as nbdev does.

    nbdev 3 reads ``#| export`` and ``#| exportd`` on markdown cells (their text goes into
    the module docstring). The leading block is made of directive lines and blank lines;
    the text is what follows it (so, as in nbdev, without leading blank lines). Nothing else
    is a directive in markdown: ``# Title`` is a heading, and old-style or misspelt forms
    are not reported there.
    """
    if not source[:1].isspace() and not source.startswith("#"):
        return (), source
    lines = source.splitlines(keepends=True)
    directives: list[Directive] = []
    end = 0
    for number, line in enumerate(lines, 1):
        match = _DIRECTIVE.match(line)
        if match:
            directives.append(Directive(match["name"], match["value"], number))
        elif line.strip():
            break
        end = number
    return tuple(directives), "".join(lines[end:])


def _old_style_applies(match: re.Match[str]) -> bool:
    value = match["value"].strip()
    # "# export the data" is prose; nbdev 1's directives take at most one word.
    return len(value.split()) <= 1


def _check_name(name: str, line: int, text: str) -> DirectiveProblem | None:
    if name in KNOWN:
        return None
    lowered = name.lower().replace("-", "_")
    if lowered in KNOWN or lowered.replace("_", "-") in KNOWN:
        fixed = lowered if lowered in KNOWN else lowered.replace("_", "-")
        return DirectiveProblem(
            line,
            text,
            f'directive "{name}" is mis-cased',
            f"#| {fixed}",
            fixed in MODULE_DIRECTIVES,
        )
    close = difflib.get_close_matches(name, sorted(KNOWN), n=1, cutoff=0.7)
    suggestion = f"#| {close[0]}" if close else None
    hint = f'did you mean "{close[0]}"?' if close else "nb2pkg passes it through unchanged"
    return DirectiveProblem(
        line,
        text,
        f'unknown directive "{name}"; {hint}',
        suggestion,
        bool(close) and close[0] in MODULE_DIRECTIVES,
    )


def _old_style_problem(match: re.Match[str], line: int, text: str) -> DirectiveProblem:
    name = match["name"].lower()
    value = match["value"].strip()
    fixed = f"#| {name}" + (f" {value}" if value else "")
    return DirectiveProblem(
        line,
        text,
        f'old-style directive "{text}" is not read (nbdev 2 and nb2pkg need "#|")',
        fixed,
        name in MODULE_DIRECTIVES,
        old_style=True,
    )


def export_kind(directives: tuple[Directive, ...]) -> tuple[str, str | None] | None:
    """Return (directive name, target module or None) if the cell is exported, else None.

    ``export: false`` (or no/0/off) means "not exported", not a module named "false";
    ``export: true`` means the notebook's default module. The last export directive wins.
    """
    found: tuple[str, str | None] | None = None
    for directive in directives:
        if directive.name not in EXPORT_DIRECTIVES:
            continue
        value = directive.value.strip()
        if value.lower() in _FALSE_VALUES:
            found = None
        elif not value or value.lower() in _TRUE_VALUES:
            found = (directive.name, None)
        else:
            found = (directive.name, value)
    return found


def default_module(directives: tuple[Directive, ...]) -> Directive | None:
    """Return the cell's ``default_exp`` directive, if any."""
    for directive in directives:
        if directive.name == "default_exp":
            return directive
    return None
