"""Tell whether a name can be part of a Python import name, and if not, why.

One rule for every name nb2pkg turns into a package or module: a project's import name
(``nb2pkg new``), ``[tool.nb2pkg] package`` and nbdev's ``lib_path``, and each part of a
``#| default_exp`` or ``#| export`` module. Besides the identifier syntax and the keywords,
Python reads every identifier in NFKC form (PEP 3131): ``import acme.ﬁle`` (with the "ﬁ"
ligature) looks for ``acme/file.py``, so a module written as ``acme/ﬁle.py`` could never be
imported. Such names are refused with the name Python would use.
"""

from __future__ import annotations

import keyword
import unicodedata


def identifier_problem(name: str) -> str | None:
    """Return why *name* cannot be one part of an import name (a clause), or None.

    The clause follows the quoted name: ``f'"{name}" {problem}'``, e.g. ``"class" is a
    Python keyword``.
    """
    if not name:
        return "is empty"
    if not name.isidentifier():
        if name[0].isdigit():
            return "starts with a digit, which a Python name cannot"
        bad = next(
            (c for i, c in enumerate(name) if not ("a" + name[: i + 1]).isidentifier()), name[0]
        )
        return f"holds {_shown(bad)}, which cannot be part of a Python name"
    normal = unicodedata.normalize("NFKC", name)
    if normal != name:
        fix = (
            f'; write "{normal}"' if normal.isidentifier() and not keyword.iskeyword(normal) else ""
        )
        return (
            f'is read by Python as "{normal}" (Python normalises names to NFKC), so '
            f"`import` would look for another file than the one written{fix}"
        )
    if keyword.iskeyword(name):
        return f"is a Python keyword (`import {name}` is a syntax error)"
    return None


def import_name_problem(name: str) -> str | None:
    """Return why the dotted *name* (``acme`` or ``acme.sub``) is not an import name, or None."""
    for part in name.split("."):
        problem = identifier_problem(part)
        if problem:
            return f'"{part}" {problem}'
    return None


def _shown(char: str) -> str:
    """Quote a character so that it is visible: "-" or U+00B2 (SUPERSCRIPT TWO)."""
    if char.isprintable() and not char.isspace() and char.isascii():
        return f'"{char}"'
    return f"U+{ord(char):04X} ({unicodedata.name(char, 'unnamed character')})"
