"""Every regular expression nb2pkg runs over user text takes time linear in its input.

``SITES`` lists each regular expression in ``nb2pkg/`` with the way nb2pkg applies it (the
same method, or the function that applies it). ``regex_sites`` finds them by reading the
source, so ``test_every_regex_is_listed`` fails when a new one appears until it is listed
here too.

``test_regexes_finish_on_1mb_lines`` feeds every site lines of 1 MB built to make a
backtracking engine try every way of splitting a long run between its quantifiers (``#
Title`` and 6,000 spaces and ``x`` made the heading pattern cubic): a prefix that leads the
pattern into its repeating part, one unit repeated, and a tail that makes the match fail at
the very end. All run in one child process under a timeout that only a hang exceeds: on
1 MB a quadratic pattern needs hours, a linear one milliseconds. No time is asserted.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nb2pkg import (
    cellcode,
    checks,
    clean,
    config,
    config_keys,
    directives,
    export_facts,
    fsio,
    hidden_state,
    imports,
    jsonparse,
    markers,
    moduledoc,
    nbjson,
    nbtext,
    notebook,
    notebook_form,
    own_imports,
    project,
    scope,
    toml_text,
    tomlread,
    vcs_checks,
)
from nb2pkg.commands import migrate, new
from nb2pkg.deps import classify, collect, distributions, pyproject_update, scan
from nb2pkg.errors import ConfigError
from nb2pkg.jsonlayout import dumps_like

REPO = Path(__file__).resolve().parents[2]
SIZE = 1_000_000
# Repeated units: white space of each kind, quotes with and without backslashes, comment and
# directive starts, names, dots, brackets, line breaks of each kind.
UNITS = (" ", "\t", "#", " #", "\\'", "'", '"', "\\", "'''", ".", "a ", "a.", "(", "%", "=")
UNITS_WITH_BREAKS = ("\n", "\r", "\r\n", "\n ", "\n#", "\\\n", "a\n")
TAIL = "x!"  # fails most patterns at the very end, after the run


@dataclass(frozen=True)
class Site:
    """How nb2pkg applies one regular expression, and where its repeating parts begin."""

    feed: Callable[[str], Any]
    prefixes: tuple[str, ...] = ()
    lines: bool = True  # fed one line at a time by nb2pkg: no line breaks in its input
    skip: str = ""  # leave out units holding these characters (see the site)


def _compiled(text: str) -> Any:
    # A user's pattern (nbdev's skip_file_re, a sanitizer) is only compiled while reading.
    try:
        return re.compile(text)
    except (re.error, RecursionError) as exc:
        return exc


def _ini_line(text: str) -> Any:
    return config._IniLines("[DEFAULT]\n" + text + "\n", "settings.ini").line("tst_flags")


def _laid_out(text: str) -> Any:
    return dumps_like({"a": text, "b": 1}, '{\n "a": "x"\n}\n')


def _scanned_toml(text: str) -> Any:
    # The scanner reads only TOML that tomllib accepted: the line's bare-key characters as
    # a key, and as a value that runs to a delimiter (like a number or a date).
    key = "".join(c for c in text if c.isascii() and (c.isalnum() or c in "-_")) or "k"
    return toml_text.Scanner(f"{key} = 1\nk = 1{key.replace('-', '_')}\n").scan()


def _parse_toml(text: str) -> Any:
    try:
        return tomlread.loads(text, "pyproject.toml")
    except ConfigError as exc:
        return exc


_NODE = ast.parse("import x").body[0]
_PACKAGE_PATTERNS = imports._patterns("acme")
_STATEMENTS = Site(
    lambda s: list(scan._top_level_statements(s)),
    ("x = ", "'''", "else"),
    lines=False,
)

SITES: dict[str, Site] = {
    "config._FLAG_NAME": Site(config._FLAG_NAME.match, ("a",)),
    "config._IniLines.line: <dynamic>": Site(_ini_line, ("tst_flags", "tst_flags =")),
    "config._nbdev_test_settings: '[\\\\s|,]+'": Site(lambda s: re.split(r"[\s|,]+", s)),
    "config._nbdev_test_settings: pattern": Site(_compiled, ("(", "a|")),
    "config._sanitizers: pattern": Site(_compiled, ("(", "a|")),
    "config_keys._EXTRA_NAME": Site(config_keys._EXTRA_NAME.match, ("a", "a.")),
    "fsio._TEMP_NAME": Site(fsio.is_temp_name, (".", ".a.")),
    "jsonlayout._Writer.__init__: '\\n'": Site(_laid_out, lines=False),
    "jsonparse._ESCAPED_NON_ASCII": Site(jsonparse._ESCAPED_NON_ASCII.search, ("\\u",)),
    "jsonparse._NUMBER": Site(jsonparse._NUMBER.match, ("-", "1", "1.", "1e")),
    "jsonparse._RAW_NON_ASCII": Site(jsonparse._RAW_NON_ASCII.search),
    "jsonparse._SPACE": Site(jsonparse._SPACE.match, lines=False),
    "commands.migrate._MAGIC": Site(migrate._MAGIC.match, ("%%",)),
    "commands.migrate._PIPE": Site(migrate._PIPE.match, ("#",)),
    "commands.migrate._directive_line: <dynamic>": Site(
        lambda s: migrate._directive_line(("export", "default_exp")).match(s),
        ("#", "# export", "# default_exp a"),
    ),
    "commands.migrate.directive_names: '[A-Za-z_][\\\\w-]*'": Site(
        lambda s: re.fullmatch(r"[A-Za-z_][\w-]*", s), ("a",)
    ),
    "commands.migrate.directive_names: '[\\\\s|,]+'": Site(lambda s: re.split(r"[\s|,]+", s)),
    "moduledoc._NUMBER_PREFIX": Site(moduledoc._NUMBER_PREFIX.match, ("0", "0a", "00")),
    "moduledoc.fenced: '`+'": Site(moduledoc.fenced, ("`",)),
    "project._directive_name: '#\\\\s*\\\\|\\\\s*([A-Za-z_][\\\\w-]*)'": Site(
        project._directive_name, ("#", "#|", "#| a")
    ),
    "toml_text.Editor.indent_unit: '^[ \\\\t]+[^ \\\\t\\\\r\\\\n]'": Site(
        lambda s: re.search(r"^[ \t]+[^ \t\r\n]", s, re.MULTILINE), lines=False
    ),
    "cellcode.comment_lines: STRINGS_AND_COMMENTS": Site(
        cellcode.comment_lines, ("x = ", "# "), lines=False
    ),
    "cellcode._IPYTHON_LINE": Site(cellcode._IPYTHON_LINE.match, ("a", "a =", "a?", "?", "%")),
    "checks._mentions: <dynamic>": Site(
        checks._mentions(["name", "other_name"]).search, ("name",), lines=False
    ),
    "checks._LATE_DIRECTIVE": Site(checks._LATE_DIRECTIVE.match, ("#|", "# |")),
    "clean._ADDRESS": Site(lambda s: clean._ADDRESS.sub("", s), (" at 0x", "<x at 0x0")),
    "config._nbdev_clean: '[\\\\s,]+'": Site(
        lambda s: config._nbdev_clean({"allowed_metadata_keys": s}), ("a,",)
    ),
    "config.normalise_package_name: '[-_.]+'": Site(config.normalise_package_name, ("a",)),
    "deps.distributions.canonical_name: '[-_.]+'": Site(distributions.canonical_name, ("a",)),
    "deps.collect._canonical: '[-_.]+'": Site(collect._canonical, ("a",)),
    "deps.collect._name: '\\\\s*([A-Za-z0-9][A-Za-z0-9._-]*)'": Site(collect._name, ("a",)),
    "deps.classify.Declared.of: '\\\\s*([A-Za-z0-9][A-Za-z0-9._-]*)'": Site(
        lambda s: classify.Declared.of([s]), ("a",)
    ),
    "deps.classify.Declared.name_of: '\\\\s*([A-Za-z0-9][A-Za-z0-9._-]*)'": Site(
        lambda s: classify.Declared({"a": s}).name_of("a"), ("a",)
    ),
    "deps.classify._toml_key: '[A-Za-z0-9_-]+'": Site(classify._toml_key, ("a",)),
    "directives._DIRECTIVE": Site(
        directives._DIRECTIVE.match, ("#|", "#| export", "#| export x", "#| a:", "#| a: x")
    ),
    "directives._OLD_STYLE": Site(directives._OLD_STYLE.match, ("#", "# export", "# hide x")),
    "directives._CELL_MAGIC": Site(directives._CELL_MAGIC.match),
    "export_facts._FROM_IMPORT": Site(
        lambda s: list(export_facts._FROM_IMPORT.finditer(s)),
        ("from", "from .", "from a", "from a import", "from ..a.b import"),
        lines=False,
    ),
    "export_facts._absolute: <dynamic>": Site(
        lambda s: export_facts.own_references(s, "acme.sub.x", False, "acme"),
        ("acme", "acme.", "from acme", "from . import", "x = 1; from .a import ("),
        lines=False,
    ),
    "hidden_state._STAR_IMPORT": Site(
        hidden_state._STAR_IMPORT.findall, ("from", "from .", "from a", "from a import"), False
    ),
    "config_keys.CODE_PATTERN": Site(config_keys.CODE_PATTERN.match, ("NB",)),
    "imports._RELATIVE": Site(imports._RELATIVE.search, ("from",), lines=False),
    "imports._NEWLINE": Site(lambda s: list(imports._NEWLINE.finditer(s)), lines=False),
    "imports._TOKENS": Site(imports._scan_imports, ("from", "import", "x = "), lines=False),
    "imports._EXTENT": Site(
        imports._EXTENT.match, ("from a import", "from a import (", "import a"), lines=False
    ),
    "imports._PLAIN_RELATIVE": Site(
        imports._PLAIN_RELATIVE.fullmatch, ("from .", "from .a import", "from .a import b")
    ),
    "imports._patterns: <dynamic>": Site(
        lambda s: (
            _PACKAGE_PATTERNS[0].search(s),
            _PACKAGE_PATTERNS[1].fullmatch(s),
            _PACKAGE_PATTERNS[2].fullmatch(s),
        ),
        ("from", "from acme", "acme.", "import acme.a", "from acme import a as"),
        lines=False,
    ),
    "deps.scan._Finder.column: '\\\\r\\\\n|\\\\r|\\\\n'": Site(
        lambda s: scan._Finder("é = 1\n" + s).column(_NODE), lines=False
    ),
    "deps.scan._blank: _NOT_NEWLINE": _STATEMENTS,
    "deps.scan._top_level_statements: _LINES": _STATEMENTS,
    "deps.scan._top_level_statements: _STRINGS_AND_COMMENTS": _STATEMENTS,
    "deps.scan._top_level_statements: _CLAUSE": _STATEMENTS,
    "markers._MARKER": Site(
        lambda s: markers.parse_marker(s, 1), ("# %%", "# %% nbs/a.ipynb", "# %% a #b")
    ),
    "markers._DIGEST": Site(markers._DIGEST.match, ("0",)),
    "markers._ESCAPE": Site(markers.unquote_path, ("\\", "\\x", "\\u00", "\\U0000")),
    "markers._MANIFEST_ENTRY": Site(
        lambda s: markers.parse_manifest(markers.MANIFEST_PREFIX + s),
        ("nbs/a.ipynb ", "a a:", "a:0"),
    ),
    "nbjson._SURROGATE": Site(nbjson.escape_surrogates, lines=False),
    "nbtext._ANSI": Site(lambda s: nbtext._ANSI.sub("", s), ("\x1b[", "\x1b[0;")),
    "notebook._VALID_ID": Site(notebook._VALID_ID.match, ("a",)),
    "notebook._SURROGATE": Site(notebook._SURROGATE.search, lines=False),
    "notebook._CONFLICT_MARKER": Site(
        notebook._CONFLICT_MARKER.search, ("<<<<<<<", "<<<<<<"), lines=False
    ),
    "notebook_form._EXPORT_LINE": Site(
        lambda s: notebook_form.retarget_header(s + "\n", "core"), ("#|", "#| export")
    ),
    "own_imports._mentions: <dynamic>": Site(
        own_imports._mentions("acme").search, ("from", "acme"), lines=False
    ),
    "deps.pyproject_update._NAME": Site(pyproject_update._NAME.match, ("a",)),
    # tomllib itself takes time quadratic in the parts of a dotted key (a.a.a...): not fed.
    "tomlread._LINE": Site(_parse_toml, ("a = ", "[a", "a = ["), skip="."),
    "deps.pyproject_update.canonical_name: '[-_.]+'": Site(pyproject_update.canonical_name, ("a",)),
    "commands.new._DISTRIBUTION_NAME": Site(new._DISTRIBUTION_NAME.match, ("a",)),
    "scope._GLOBAL_STATEMENT": Site(scope._GLOBAL_STATEMENT.search, ("global",), lines=False),
    "toml_text._BARE_KEY": Site(lambda s: (toml_text._BARE_KEY.fullmatch(s), _scanned_toml(s))),
    "toml_text.Editor.__init__: '\\n'": Site(
        lambda s: toml_text.Editor(s, toml_text.Scanner("").scan()), lines=False
    ),
    "toml_text.Scanner.value: '[^,\\\\]}#\\\\r\\\\n]*'": Site(_scanned_toml),
    "vcs_checks._OPEN": Site(vcs_checks.conflict_line, ("<<<<<<<", "<<<<<<< a\n"), False),
    "vcs_checks._CLOSE": Site(vcs_checks.conflict_line, ("<<<<<<<\n>>>>>>>",), False),
}


def regex_sites(folder: Path = REPO / "nb2pkg") -> set[str]:
    """Return a key for every ``re.compile`` / ``re.<function>`` call in the package source.

    A pattern compiled at module level is ``module.NAME``; a call inside a function is
    ``module.function: pattern`` (the pattern as written, or ``<dynamic>`` if it is built).
    """
    found: set[str] = set()
    for path in sorted(folder.rglob("*.py")):
        if path.relative_to(folder).parts[0] == "testing":
            continue  # the test runner's patterns (user sanitizers, skips) are not listed here
        module = ".".join(path.relative_to(folder).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call, where, target in _regex_calls(tree, []):
            if not where and target is not None:
                found.add(f"{module}.{target}")
                continue
            pattern = call.args[0] if call.args else None
            if isinstance(pattern, ast.Constant):
                shown = repr(pattern.value)
            elif isinstance(pattern, ast.Name):
                shown = pattern.id
            else:
                shown = "<dynamic>"
            found.add(f"{module}.{'.'.join(where)}: {shown}")
    return found


_RE_FUNCTIONS = {"compile", "match", "search", "fullmatch", "sub", "subn", "findall", "finditer"}
_RE_FUNCTIONS |= {"split"}


def _regex_calls(
    node: ast.AST, scope: list[str], target: str | None = None
) -> Iterator[tuple[ast.Call, list[str], str | None]]:
    for child in ast.iter_child_nodes(node):
        inner = scope
        name = target
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            inner = [*scope, child.name]
            name = None
        elif isinstance(child, ast.Assign) and not scope:
            first = child.targets[0]
            name = first.id if isinstance(first, ast.Name) else None
        if (
            isinstance(child, ast.Call)
            and isinstance(child.func, ast.Attribute)
            and isinstance(child.func.value, ast.Name)
            and child.func.value.id == "re"
            and child.func.attr in _RE_FUNCTIONS
        ):
            yield child, inner, name
        yield from _regex_calls(child, inner, name)


def adversarial_lines(site: Site) -> Iterator[str]:
    """Yield the 1 MB inputs for *site*: prefix + one unit repeated + a failing tail."""
    units = UNITS if site.lines else UNITS + UNITS_WITH_BREAKS
    units = tuple(unit for unit in units if not set(unit) & set(site.skip))
    for prefix in ("", *site.prefixes):
        for unit in units:
            yield prefix + unit * (SIZE // len(unit)) + TAIL


def feed_all(keys: list[str]) -> None:
    """Feed every listed site its adversarial lines, saying which one runs (child process)."""
    fed: set[int] = set()
    for key in keys:
        print(key, flush=True)
        site = SITES[key]
        if id(site) in fed:
            continue  # several patterns applied by one function
        fed.add(id(site))
        for line in adversarial_lines(site):
            site.feed(line)
    print("done", flush=True)


def test_every_regex_is_listed() -> None:
    found = regex_sites()
    assert found - set(SITES) == set(), "list each new regular expression in SITES"
    assert set(SITES) - found == set(), "a listed regular expression is no longer in nb2pkg"


def test_adversarial_lines_are_1mb_and_end_in_the_tail() -> None:
    lines = list(adversarial_lines(SITES["moduledoc._NUMBER_PREFIX"]))
    assert len(lines) == 4 * len(UNITS)
    assert all(SIZE <= len(line) <= SIZE + 20 and line.endswith(TAIL) for line in lines)


def test_regexes_finish_on_1mb_lines() -> None:
    keys = sorted(SITES)
    code = f"from tests.unit.test_regex_linear import feed_all; feed_all({keys!r})"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    try:
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=1200,  # a linear run takes seconds; a super-linear pattern, hours
        )
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        started = output.split()
        hung = started[-1] if started else keys[0]
        raise AssertionError(f"hangs on 1 MB lines: {hung}") from None
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == "done"
