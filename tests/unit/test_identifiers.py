"""Import names: the syntax, the keywords, and NFKC (what Python imports is not the file)."""

from __future__ import annotations

import unicodedata

import pytest

from nb2pkg.identifiers import identifier_problem, import_name_problem
from nb2pkg.plan import check_module_name

# name → words the problem must hold (None: a fine name)
CASES: list[tuple[str, list[str] | None]] = [
    ("core", None),
    ("_private", None),
    ("data2", None),
    ("match", None),  # a soft keyword is a fine module name
    ("type", None),
    ("café", None),  # NFC, as typed: Python reads it as it is
    ("Ωmega", None),
    ("class", ["Python keyword", "`import class` is a syntax error"]),
    ("None", ["Python keyword"]),
    ("async", ["Python keyword"]),
    ("\ufb01le", ['read by Python as "file"', "NFKC", 'write "file"']),  # the "fi" ligature
    ("\uff43lass", ['read by Python as "class"', "NFKC"]),  # fullwidth c: no fix offered
    ("cafe\u0301", ['read by Python as "café"', 'write "café"']),  # decomposed, as macOS saves
    ("\u210cilbert", ['read by Python as "Hilbert"']),  # a letterlike symbol
    ("1core", ["starts with a digit"]),
    ("my-module", ['holds "-"']),
    ("x\u00b2", ["U+00B2 (SUPERSCRIPT TWO)"]),
    ("a b", ["U+0020 (SPACE)"]),
    ("", ["is empty"]),
]


@pytest.mark.parametrize(("name", "words"), CASES)
def test_identifier_problem(name: str, words: list[str] | None) -> None:
    problem = identifier_problem(name)
    if words is None:
        assert problem is None
        return
    assert problem is not None
    for word in words:
        assert word in problem


@pytest.mark.parametrize(("name", "words"), CASES)
def test_module_names_follow_the_same_rule(name: str, words: list[str] | None) -> None:
    reason = check_module_name(f"sub.{name}")
    if words is None:
        assert reason is None
    else:
        assert reason is not None and f'"{name}"' in reason and words[0] in reason


def test_a_refused_name_is_never_what_python_imports() -> None:
    # The reason for the NFKC rule, shown: the parser turns the ligature into "fi".
    namespace: dict[str, int] = {}
    exec("\ufb01le = 1", namespace)  # a literal: shows what the parser does
    assert "file" in namespace and "\ufb01le" not in namespace
    assert unicodedata.normalize("NFKC", "\ufb01le") == "file"


def test_dotted_names() -> None:
    assert import_name_problem("acme.sub") is None
    assert (
        import_name_problem("acme.class")
        == '"class" is a Python keyword (`import class` is a syntax error)'
    )
    assert import_name_problem("acme..x") == '"" is empty'
