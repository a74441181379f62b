"""Build a module's docstring from its notebook, the way nbdev builds it.

nbdev 3 makes the docstring of a notebook's ``default_exp`` module from:

1. the *title cell*: the first markdown cell whose text starts with ``# `` (leading
   directive and blank lines aside). Without one there is no docstring at all;
2. its *summary*: the first run of lines starting with ``> ``, each without the leading
   ``>`` and spaces, joined by line breaks (the title itself is not part of it);
3. the text of every markdown cell marked ``#| export`` or ``#| exportd``, in order;
4. the code of every code cell marked ``#| exportd``, fenced as a ```` ```python ```` block;
5. ``Docs: <url>`` of the notebook's page, when ``[project.urls] Documentation`` is set
   (nbdev 3 projects configured by ``[tool.nbdev]`` only: nb2pkg builds no docs).

The parts are joined by blank lines; a raw string literal is written when the text holds a
backslash. nbdev 2 (a ``settings.ini`` project) keeps only the first summary line.

Where nbdev drops something, nb2pkg keeps it: a code cell marked ``#| exportd NAME`` adds
its fenced code to module ``NAME``'s docstring (nbdev files it under ``NAME`` and never
writes it). A text that no string literal can hold as nbdev writes it (``\"\"\"`` inside, a
trailing quote or backslash) is escaped, so the module always parses.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from .config import Config
from .directives import Directive
from .notebook import Cell, Notebook

_FALSE_VALUES = frozenset({"false", "no", "0", "off"})
_TRUE_VALUES = frozenset({"true", "yes", "1", "on"})
_NUMBER_PREFIX = re.compile(r"^\d+[a-zA-Z0-9]*_")


class DocStyle(str, Enum):
    """Which nbdev's rule builds the docstring."""

    NBDEV2 = "nbdev2"  # the first `> ` line of the title cell
    NBDEV3 = "nbdev3"  # every summary line, exported markdown, `exportd` cells, docs url


@dataclass(frozen=True)
class DocRules:
    """How the project's module docstrings are built."""

    style: DocStyle = DocStyle.NBDEV3
    docs_base: str | None = None  # nbdev 3's doc_host + doc_baseurl, without a final "/"
    notebooks_dir: Path | None = None  # pages are named by the path under this folder


def doc_rules(config: Config) -> DocRules:
    """Return the docstring rules of the project *config* describes."""
    if config.source == "nbdev2":
        return DocRules(DocStyle.NBDEV2)
    if config.source != "nbdev3":
        return DocRules()
    project = config.raw.get("project")
    urls = project.get("urls") if isinstance(project, dict) else None
    documentation = urls.get("Documentation") if isinstance(urls, dict) else None
    return DocRules(DocStyle.NBDEV3, _docs_base(documentation), config.notebooks_dir)


def _docs_base(documentation: Any) -> str | None:
    """Split nbdev's way: the scheme and host, then the path without a final slash."""
    if not isinstance(documentation, str):
        return None
    parts = urlparse(documentation)
    if not parts.scheme:
        return None
    return f"{parts.scheme}://{parts.netloc}" + (parts.path or "/").rstrip("/")


def docs_url(rules: DocRules, notebook: Path) -> str | None:
    """Return the ``.md`` page of *notebook* in the project's docs, as nbdev 3 names it."""
    if rules.docs_base is None or rules.notebooks_dir is None:
        return None
    try:
        relative = PurePosixPath(notebook.resolve().relative_to(rules.notebooks_dir).as_posix())
    except ValueError:
        return None
    name = _NUMBER_PREFIX.sub("", relative.name.lower())
    page = relative.with_name(name).with_suffix(".html")
    return f"{rules.docs_base}/{page.as_posix()}.md"


def doc_target(directives: tuple[Directive, ...]) -> tuple[bool, str | None]:
    """Return (marked ``exportd``, the module it names or None) for a cell's directives."""
    found: tuple[bool, str | None] = (False, None)
    for directive in directives:
        if directive.name != "exportd":
            continue
        value = directive.value.strip()
        if value.lower() in _FALSE_VALUES:
            found = (False, None)
        else:
            found = (True, None if not value or value.lower() in _TRUE_VALUES else value)
    return found


def module_docstring(
    notebook: Notebook, rules: DocRules, extra: tuple[str, ...] = ()
) -> str | None:
    """Return the docstring (its text) of *notebook*'s default module, or None.

    *extra* are parts sent to the module from elsewhere (``#| exportd NAME`` cells).
    """
    title = next((c for c in notebook.cells if _is_title(c)), None)
    parts: list[str] = []
    if title is not None:
        summary = _summary(title.body, rules.style)
        if rules.style is DocStyle.NBDEV2:
            parts = [summary] if summary else []
        else:
            parts = [summary, *(p for p in map(_doc_part, notebook.cells) if p is not None)]
    text = "\n\n".join([*parts, *extra]).strip()
    url = docs_url(rules, notebook.path) if title is not None else None
    if url:
        text = f"{text}\n\nDocs: {url}".strip()
    return text or None


def exportd_part(cell: Cell) -> str:
    """Return an ``exportd`` code cell as it stands in a docstring: fenced Python."""
    return fenced(cell.body.rstrip(), "python")


def _is_title(cell: Cell) -> bool:
    return cell.kind == "markdown" and cell.body.startswith("# ")


def _summary(text: str, style: DocStyle) -> str:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("> ")), len(lines))
    quoted: list[str] = []
    for line in lines[start:]:
        if not line.startswith("> "):
            break
        quoted.append(line.lstrip("> ").strip())
        if style is DocStyle.NBDEV2:
            break
    return "\n".join(quoted)


def _doc_part(cell: Cell) -> str | None:
    names = {d.name: d.value.strip().lower() for d in cell.directives}
    if cell.kind == "markdown":
        marked = any(
            name in names and names[name] not in _FALSE_VALUES for name in ("export", "exportd")
        )
        return cell.body.rstrip() if marked else None
    if cell.kind == "code" and doc_target(cell.directives) == (True, None):
        return exportd_part(cell)
    return None


def fenced(text: str, info: str = "") -> str:
    """Wrap *text* in a code fence one backtick longer than any run of backticks in it."""
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * max(3, 1 + max(runs, default=0))
    return f"{fence}{info}\n{text.rstrip(chr(10))}\n{fence}"


def docstring_literal(text: str) -> str:
    """Return the string literal that holds *text*: nbdev's form, or escaped where it fails.

    nbdev writes ``\"\"\"text\"\"\"`` (``r\"\"\"…\"\"\"`` when the text holds a backslash);
    the literal is read back, and a text it does not hold exactly (or that holds control
    characters, which a source file should not) is escaped instead.
    """
    literal = f'{"r" if chr(92) in text else ""}"""{text}"""'
    if all(ch.isprintable() or ch in "\n\t" for ch in text) and _holds(literal, text):
        return literal
    escaped = "".join(_escape(ch) for ch in text.replace("\\", "\\\\"))
    escaped = escaped.replace('"""', '\\"\\"\\"')
    if escaped.endswith('"'):
        escaped = escaped[:-1] + '\\"'
    literal = f'"""{escaped}"""'
    return literal if _holds(literal, text) else repr(text)


def _escape(ch: str) -> str:
    if ch.isprintable() or ch in "\n\t":
        return ch
    return ch.encode("unicode_escape").decode("ascii")


def _holds(literal: str, text: str) -> bool:
    try:
        return bool(ast.literal_eval(literal) == text)
    except (SyntaxError, ValueError):
        return False
