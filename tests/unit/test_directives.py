"""Directive parsing: nbdev syntax, the leading block only, problems with suggestions."""

from __future__ import annotations

import pytest

from nb2pkg.directives import export_kind, parse_cell, parse_markdown

# source, expected (name, value) pairs, expected body
PARSE_CASES = [
    ("#| export\ndef f(): pass\n", [("export", "")], "def f(): pass\n"),
    ("#|export\nx = 1", [("export", "")], "x = 1"),
    ("# | export\nx = 1", [("export", "")], "x = 1"),
    ("#|  export   core\nx = 1", [("export", "core")], "x = 1"),
    ("#| default_exp core", [("default_exp", "core")], ""),
    ("#| default_exp: data.loaders\n", [("default_exp", "data.loaders")], ""),
    ("#|default_exp:core\n", [("default_exp", "core")], ""),
    ("#| hide\n#| export\n\nx = 1\n", [("hide", ""), ("export", "")], "x = 1\n"),
    ("%%time\n#| export\nx = 1\n", [("export", "")], "x = 1\n"),
    ("#| eval: false\nimport os\n", [("eval", "false")], "import os\n"),
    ("x = 1\n#| export\n", [], "x = 1\n#| export\n"),
    ("# a comment\n#| export\nx = 1\n", [], "# a comment\n#| export\nx = 1\n"),
    ("", [], ""),
    ("#| code-fold: true\ny = 2\n", [("code-fold", "true")], "y = 2\n"),
]


@pytest.mark.parametrize(("source", "expected", "body"), PARSE_CASES)
def test_parse_cell(source: str, expected: list[tuple[str, str]], body: str) -> None:
    parsed = parse_cell(source)
    assert [(d.name, d.value) for d in parsed.directives] == expected
    assert parsed.body == body
    # The header and the body together are the source, byte for byte (sync relies on it).
    assert parsed.header + parsed.body == source


def test_body_line_counts_the_header() -> None:
    parsed = parse_cell("#| export\n\n#| hide\ndef f():\n    return 1\n")
    assert parsed.body_line == 4
    assert parsed.body.startswith("def f()")


def test_cell_magic_in_block_is_noted() -> None:
    parsed = parse_cell("#| export\n%%time\nx = 1\n")
    assert parsed.magic_lines == (2,)


EXPORT_CASES = [
    ("#| export", ("export", None)),
    ("#| export core", ("export", "core")),
    ("#| exporti", ("exporti", None)),
    ("#| exports sub.mod", ("exports", "sub.mod")),
    ("#| export: false", None),
    ("#| export false", None),
    ("#| export: False", None),
    ("#| export: true", ("export", None)),
    ("#| hide", None),
    ("#| default_exp core", None),
]


@pytest.mark.parametrize(("line", "expected"), EXPORT_CASES)
def test_export_kind(line: str, expected: tuple[str, str | None] | None) -> None:
    assert export_kind(parse_cell(line + "\nx = 1\n").directives) == expected


PROBLEM_CASES = [
    ("#| exprot\nx = 1", "unknown directive", "#| export", True),
    ("#| Export\nx = 1", "mis-cased", "#| export", True),
    ("#| DEFAULT_EXP core\n", "mis-cased", "#| default_exp", True),
    ("# export\nx = 1", "old-style", "#| export", True),
    ("#export\nx = 1", "old-style", "#| export", True),
    ("# exports\nx = 1", "old-style", "#| exports", True),
    ("# default_exp core\n", "old-style", "#| default_exp core", True),
    ("#hide\nx = 1", "old-style", "#| hide", False),
    ("#| hid\nx = 1", "unknown directive", "#| hide", False),
    ("#| frobnicate\nx = 1", "unknown directive", None, False),
]


@pytest.mark.parametrize(("source", "fragment", "suggestion", "affects"), PROBLEM_CASES)
def test_problems_are_reported_with_a_suggestion(
    source: str, fragment: str, suggestion: str | None, affects: bool
) -> None:
    (problem,) = parse_cell(source).problems
    assert fragment in problem.message
    assert problem.suggestion == suggestion
    assert problem.affects_export is affects
    assert problem.line == 1


def test_prose_comments_are_not_old_style_directives() -> None:
    assert parse_cell("# export the data to csv\nx = 1\n").problems == ()


def test_old_style_directive_does_not_export() -> None:
    parsed = parse_cell("# export\ndef f(): pass\n")
    assert export_kind(parsed.directives) is None


def test_exportd_is_a_known_directive_not_an_export() -> None:
    parsed = parse_cell("#| exportd\nf()\n")
    assert parsed.problems == ()
    assert [d.name for d in parsed.directives] == ["exportd"]
    assert export_kind(parsed.directives) is None


def test_nbdev1_problems_are_marked_old_style() -> None:
    old = parse_cell("# export\nx = 1").problems
    new = parse_cell("#| exprot\nx = 1").problems
    assert [p.old_style for p in old + new] == [True, False]


# markdown source → (directive names, text)
MARKDOWN_CASES = [
    ("# Title\n> summary", [], "# Title\n> summary"),
    ("#| export\nSome docs.", ["export"], "Some docs."),
    ("#|exportd\n\n## Usage", ["exportd"], "## Usage"),
    ("\n\n# Title", [], "# Title"),  # nbdev drops leading blank lines
    ("# export\nWords.", [], "# export\nWords."),  # a heading, not nbdev 1's directive
    ("Text\n#| export", [], "Text\n#| export"),
    ("", [], ""),
]


@pytest.mark.parametrize(("source", "names", "text"), MARKDOWN_CASES)
def test_parse_markdown(source: str, names: list[str], text: str) -> None:
    directives, body = parse_markdown(source)
    assert [d.name for d in directives] == names
    assert body == text
