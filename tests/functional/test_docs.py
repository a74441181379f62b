"""The docs tell the truth: their shell examples run, and every option they name exists.

Two checks keep README.md and docs/*.md true while the code changes:

1. Every shell block (```sh, bash, shell, console) of README.md and docs/*.md is listed
   below: in ``SCENARIOS`` (run, offline, in a fresh temporary folder, with ``nb2pkg`` and
   ``python`` on PATH being this checkout and this interpreter) or in ``SKIPPED`` (with the
   reason). A block is known by its file and its first command line (comment left out). A
   new block fails ``test_every_shell_block_is_run_or_skipped`` until it is listed. In a
   ``console`` block the ``$ `` lines are run, and every other line (``…`` aside) is output
   the commands must print.
2. Every ``nb2pkg <command> --option`` written in README.md, docs/*.md, the template's
   README, CI workflow and pre-commit configuration, and in nb2pkg's own messages and help
   texts names a command and options the CLI has. Commands and options are read from the
   typer app itself, so the check follows whatever commands exist when it runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.main import get_command

from nb2pkg.cli import app
from tests.projects import REPO

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SHELL = {"sh", "bash", "shell", "console"}
# A new project, entered; most examples run in one. `--no-git` where git plays no part.
NEW = "nb2pkg new acme --no-git > /dev/null && cd acme"
NEW_EXPORTED = NEW + " && nb2pkg export > /dev/null"
# Adds `import yaml` to the exported code, for the `deps --why yaml` example.
IMPORT_YAML = (
    "python - <<'PY'\n"
    "import nbformat\n"
    "nb = nbformat.read('nbs/00_core.ipynb', as_version=4)\n"
    "nb.cells.append(nbformat.v4.new_code_cell('#| export\\nimport yaml'))\n"
    "nbformat.write(nb, 'nbs/00_core.ipynb')\n"
    "PY"
)
NBDEV1_PROJECT = REPO / "tests" / "data" / "projects" / "nbdev1_lib"
# Files the `clean` examples name.
CLEAN_FILES = (
    "cp nbs/00_core.ipynb nbs/01_data.ipynb && mkdir docs && cp nbs/index.ipynb docs/ "
    "&& cp nbs/00_core.ipynb in.ipynb"
)


@dataclass(frozen=True)
class Scenario:
    """Shell blocks run in order in one shell, after *setup*, in an empty temporary folder."""

    blocks: tuple[tuple[str, str], ...]  # (file, first command line) of each block, in order
    setup: str = ""
    drop: str = ""  # a leading part of the first block that is not run (see the comment)
    output: tuple[str, str] | None = None  # (file, start) of the block showing the output
    git: bool = False  # needs git on PATH


SCENARIOS: dict[str, Scenario] = {
    # Without its `pip install .`: nb2pkg is installed where the tests run, and installing
    # would need the network.
    "README set-up": Scenario(
        (("README.md", "pip install . && nb2pkg new demo && nb2pkg export --path demo"),),
        drop="pip install . && ",
        git=True,
    ),
    # The tour, both blocks in one shell; the wheel named in it must be built.
    "README tour": Scenario(
        (("README.md", "nb2pkg new acme"), ("README.md", "nb2pkg sync")), git=True
    ),
    "getting started": Scenario(
        (
            ("docs/getting-started.md", 'nb2pkg new acme --description "Tools for Acme"'),
            ("docs/getting-started.md", "nb2pkg export"),
            (
                "docs/getting-started.md",
                "python -c \"from acme.core import greet; print(greet('world'))\"",
            ),
        ),
        output=("docs/getting-started.md", "exported 2 cells from 2 notebooks"),
        git=True,
    ),
    "build options": Scenario((("docs/build.md", "nb2pkg build"),), setup=NEW),
    "check options": Scenario((("docs/check.md", "nb2pkg check"),), setup=NEW_EXPORTED),
    "deps": Scenario((("docs/dependencies.md", "nb2pkg deps"),), setup=NEW + " && " + IMPORT_YAML),
    "sync options": Scenario((("docs/sync.md", "nb2pkg sync"),), setup=NEW_EXPORTED),
    "clean options": Scenario(
        (("docs/version-control.md", "nb2pkg clean"),), setup=NEW + " && " + CLEAN_FILES
    ),
    "hooks": Scenario(
        (("docs/version-control.md", "nb2pkg hooks install"),),
        setup="nb2pkg new acme > /dev/null && cd acme",
        git=True,
    ),
    # nbdev 1's project of the compatibility tests, whose notebooks the example's output names.
    "migrate": Scenario(
        (("docs/migrating-from-nbdev.md", "$ nb2pkg migrate --dry-run"),),
        setup=f'cp -R "{NBDEV1_PROJECT}" acme && cd acme',
    ),
}

SKIPPED: dict[tuple[str, str], str] = {
    ("docs/performance.md", "python -m venv /tmp/nbdev && /tmp/nbdev/bin/pip install nbdev"): (
        "installs nbdev from the network, for a benchmark"
    ),
    ("docs/performance.md", "python benchmarks/notebook_tests.py --repeat 3"): "a benchmark "
    "that runs for minutes",
    ("docs/test.md", "nb2pkg test"): "alternatives on an example project's notebooks; `nb2pkg "
    "test` itself runs in the README tour, the rest in tests/functional/test_test_command.py",
    ("docs/test.md", "pytest --nb2pkg"): "a pytest run; the plugin has its own tests "
    "(tests/functional/test_pytest_plugin.py)",
    ("README.md", "pip install '.[test]' && pytest"): "installs from the network and runs this "
    "very test suite",
    ("docs/getting-started.md", "pip install nb2pkg"): "installs nb2pkg from an index",
    ("docs/version-control.md", "nb2pkg new acme"): "two alternatives, not a sequence: `nb2pkg "
    "new acme` runs in the README tour, `nb2pkg hooks install` in the hooks scenario",
}

#: Commands the docs already describe that are not in this build yet: a mention of one is
#: checked once the command exists. Remove an entry when its command lands.
AWAITED: dict[str, str] = {}


# -- reading the docs ----------------------------------------------------------------------

_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
_SPAN = re.compile(r"`([^`\n]+(?:\n[^`\n]+)*)`")


@dataclass(frozen=True)
class Block:
    file: str
    language: str
    text: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.file, _command_part(self.text.strip().splitlines()[0]))

    @property
    def script(self) -> str:
        """Return the shell text to run: a console block's ``$ `` lines, else the whole block."""
        if self.language != "console":
            return self.text
        return "\n".join(line[2:] for line in self.text.splitlines() if line.startswith("$ "))

    @property
    def shown(self) -> list[str]:
        """Return the output lines a console block shows (``…`` stands for lines left out)."""
        if self.language != "console":
            return []
        return [
            line
            for line in self.text.splitlines()
            if line.strip() and not line.startswith("$ ") and line.strip() != "…"
        ]


def _command_part(line: str) -> str:
    """Return a shell line without its trailing comment, spaces collapsed."""
    return " ".join(re.split(r"\s+#\s", line, maxsplit=1)[0].split())


def blocks() -> list[Block]:
    found = []
    for path in DOCS:
        for match in _FENCE.finditer(path.read_text(encoding="utf-8")):
            found.append(Block(path.relative_to(REPO).as_posix(), match[1], match[2]))
    return found


def shell_blocks() -> list[Block]:
    return [block for block in blocks() if block.language in SHELL and block.text.strip()]


def find_block(file: str, first: str) -> Block:
    for block in blocks():
        if block.key == (file, first):
            return block
    raise AssertionError(f"{file} has no block starting with {first!r} any more")


# -- the CLI, as the typer app defines it --------------------------------------------------


@dataclass(frozen=True)
class Cli:
    root_options: frozenset[str]
    commands: dict[str, frozenset[str]]  # "export", "hooks install", ... → its options
    groups: frozenset[str]

    @classmethod
    def of_app(cls) -> Cli:
        root = get_command(app)
        ctx = typer.Context(root)
        commands: dict[str, frozenset[str]] = {}
        groups = set()

        def walk(group: Any, prefix: str) -> None:
            for name in group.list_commands(ctx):
                command = group.get_command(ctx, name)
                full = f"{prefix}{name}"
                if hasattr(command, "list_commands"):
                    groups.add(full)
                    walk(command, full + " ")
                commands[full] = _options(command)

        walk(root, "")
        return cls(_options(root), commands, frozenset(groups))


def _options(command: Any) -> frozenset[str]:
    names = {"-h", "--help"}  # the app's help option names (context_settings)
    for param in command.params:
        names.update(o for o in (*param.opts, *param.secondary_opts) if o.startswith("-"))
    return frozenset(names)


@dataclass(frozen=True)
class Mention:
    """``nb2pkg …`` as written somewhere, split into words."""

    where: str
    words: tuple[str, ...]
    strict: bool  # written as a command (a span, a shell line): an unknown command fails


_INVOCATION = re.compile(r"(?<![\w./-])nb2pkg[ \t]+([^\n`&|;<>]*)")
_STOP = re.compile(r"^(?:#.*|\||\|\||&&|;|<|>|>>|2>&1|\))$")


def _words(rest: str) -> tuple[str, ...]:
    words = []
    for word in rest.split():
        if _STOP.match(word) or word.startswith(("#", "<", ">", "$(")):
            break
        words.append(word.strip("\"'(),.:;"))
    return tuple(w for w in words if w)


def mentions_in_markdown(path: Path) -> Iterator[Mention]:
    text = path.read_text(encoding="utf-8")
    name = path.relative_to(REPO).as_posix()
    prose = text
    for match in _FENCE.finditer(text):
        prose = prose.replace(match[0], "")
        yield from mentions_in_code(match[2], name, shell=match[1] in SHELL | {"", "ini"})
    for span in _SPAN.finditer(prose):
        inner = " ".join(span[1].split())
        for found in _INVOCATION.finditer(inner):
            at_start = inner.startswith("nb2pkg ") and found.start() == 0
            yield Mention(name, _words(found[1]), strict=at_start)
        prose = prose.replace(span[0], " ")
    for found in _INVOCATION.finditer(prose):
        yield Mention(name, _words(found[1]), strict=False)


def mentions_in_code(text: str, where: str, *, shell: bool) -> Iterator[Mention]:
    for line in text.splitlines():
        command = re.sub(r"^\s*(?:\$\s+|-?\s*(?:run|entry):\s*)", "", line)
        for found in _INVOCATION.finditer(command):
            before = command[: found.start()]
            starts = not before.strip() or bool(re.search(r"(&&|\|\||;|\||=)\s*$", before))
            yield Mention(where, _words(found[1]), strict=shell and starts)


def all_mentions() -> list[Mention]:
    found: list[Mention] = []
    for path in [*DOCS, REPO / "template" / "README.md"]:
        found += mentions_in_markdown(path)
    for path in (
        REPO / "template" / ".github" / "workflows" / "ci.yml",
        REPO / "template" / ".pre-commit-config.yaml",
    ):
        found += mentions_in_code(
            path.read_text(encoding="utf-8"), path.relative_to(REPO).as_posix(), shell=True
        )
    return found


_QUOTED = re.compile(r"""([`"'])nb2pkg[ \t]+([^\n`"'&|;<>]*)""")


def source_mentions() -> list[Mention]:
    """``nb2pkg <command> …`` quoted in nb2pkg's code: messages, help texts, git settings.

    In backticks it is a command (``run `nb2pkg sync` first``); at the start of a string it
    may be prose ("nb2pkg cannot read ...") and is checked when it names a command.
    """
    found = []
    for path in sorted((REPO / "nb2pkg").rglob("*.py")):
        for found_at in _QUOTED.finditer(path.read_text(encoding="utf-8")):
            strict = found_at[1] == "`"
            words = _words(found_at[2])
            found.append(Mention(path.relative_to(REPO).as_posix(), words, strict=strict))
    return found


def check_mention(cli: Cli, mention: Mention) -> str | None:
    """Return what is wrong with a mention (an unknown command or option), or None."""
    words = list(mention.words)
    root = []
    while words and words[0].startswith("-"):
        root.append(words.pop(0))
    if not words or not re.match(r"^[a-z][a-z0-9-]*$", words[0]):
        bad = [option for option in root if _option(option) not in cli.root_options]
        return f"nb2pkg has no option {bad[0]}" if bad else None
    command = words.pop(0)
    if command in cli.groups and words and not words[0].startswith("-"):
        command = f"{command} {words.pop(0)}"
    if command not in cli.commands:
        if command.split()[0] in AWAITED or not mention.strict:
            return None
        return f"nb2pkg has no command {command!r}"
    allowed = cli.commands[command] | cli.root_options
    for option in root:
        if _option(option) not in cli.root_options:
            return f"nb2pkg has no option {option} (before the command)"
    for word in words:
        if word.startswith("-") and len(word) > 1 and _option(word) not in allowed:
            return f"`nb2pkg {command}` has no option {_option(word)}"
    return None


def _option(word: str) -> str:
    return word.split("=", 1)[0]


# -- the tests -----------------------------------------------------------------------------


def test_every_shell_block_is_run_or_skipped() -> None:
    listed = {key for scenario in SCENARIOS.values() for key in scenario.blocks} | set(SKIPPED)
    unlisted = [block.key for block in shell_blocks() if block.key not in listed]
    assert not unlisted, (
        "shell blocks neither run nor skipped in tests/functional/test_docs.py: add each to "
        f"SCENARIOS (with the set-up it needs) or to SKIPPED (with the reason): {unlisted}"
    )
    gone = [key for key in listed if key not in {block.key for block in shell_blocks()}]
    assert not gone, f"listed in tests/functional/test_docs.py, gone from the docs: {gone}"


@pytest.fixture
def shims(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment where `nb2pkg` and `python` are this checkout and this interpreter."""
    folder = tmp_path_factory.mktemp("bin")
    for name, command in (
        ("nb2pkg", f'"{sys.executable}" -m nb2pkg'),
        ("python", f'"{sys.executable}"'),
    ):
        shim = folder / name
        shim.write_text(f'#!/bin/sh\nexec {command} "$@"\n')
        shim.chmod(0o755)
    return dict(
        os.environ,
        PATH=f"{folder}{os.pathsep}{os.environ['PATH']}",
        PYTHONPATH=str(REPO),
        NO_COLOR="1",
    )


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_shell_examples_run(tmp_path: Path, shims: dict[str, str], name: str) -> None:
    scenario = SCENARIOS[name]
    if scenario.git and shutil.which("git") is None:
        pytest.skip("the example runs git, which is not on PATH")
    found = [find_block(*key) for key in scenario.blocks]
    texts = [block.script for block in found]
    assert texts[0].startswith(scenario.drop)
    texts[0] = texts[0][len(scenario.drop) :]
    final = tmp_path / ".final-folder"
    script = "\n".join(["set -euo pipefail", scenario.setup, *texts, f'pwd > "{final}"'])
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=work,
        env=shims,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert (
        done.returncode == 0
    ), f"{name}:\n{script}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    assert "Traceback" not in done.stderr
    if scenario.output is not None:
        file, start = scenario.output
        shown = next(
            b.text.strip() for b in blocks() if b.file == file and b.text.startswith(start)
        )
        assert shown in done.stdout, f"the docs show {shown!r}; the command printed {done.stdout!r}"
    for block in found:
        for line in block.shown:
            assert line in done.stdout.splitlines(), (
                f"{block.file} shows {line!r}; the commands printed {done.stdout!r}"
            )
    here = Path(final.read_text().strip())
    for text in texts:  # a file the example says it makes must be there
        for made in re.findall(r"\b(dist/\S+\.whl)", text):
            assert (here / made).is_file(), f"{made} (named in the docs) was not built"


def test_every_option_the_docs_name_exists() -> None:
    cli = Cli.of_app()
    mentions = all_mentions()
    problems = [
        f"{m.where}: `nb2pkg {' '.join(m.words)}`: {problem}"
        for m in mentions
        if (problem := check_mention(cli, m))
    ]
    assert not problems, "\n".join(problems)
    # The scan does see the docs' commands and options (a check that sees nothing passes).
    checked = [m for m in mentions if m.words and m.words[0] in cli.commands]
    assert len(checked) > 50
    assert ("export", "--path", "demo") in {m.words for m in checked}
    assert ("build", "--sdist") in {m.words for m in checked}


def test_every_option_nb2pkg_suggests_exists() -> None:
    cli = Cli.of_app()
    problems = [
        f"{m.where}: `nb2pkg {' '.join(m.words)}`: {problem}"
        for m in source_mentions()
        if (problem := check_mention(cli, m))
    ]
    assert not problems, "\n".join(problems)


# A wrong word must be caught: the checker itself, on made-up mentions.
CHECKER_CASES = [
    (("export", "--path", "demo"), True, None),
    (("--debug", "export"), True, None),
    (("export", "--debug"), True, None),
    (("new", "demo", "--path", "work", "-v"), True, None),
    (("hooks", "merge", "%O", "--marker-size", "%L"), True, None),
    (("export", "--frobnicate"), True, "`nb2pkg export` has no option --frobnicate"),
    (("sync", "--drop-magics"), True, "`nb2pkg sync` has no option --drop-magics"),
    (("hooks", "install", "--outputs"), True, "has no option --outputs"),
    (("--frob", "export"), True, "no option --frob"),
    (("exprt",), True, "nb2pkg has no command 'exprt'"),
    (("reads", "nbdev's", "settings"), False, None),  # prose: "nb2pkg reads nbdev's settings"
    (("…",), True, None),
]


@pytest.mark.parametrize(("words", "strict", "problem"), CHECKER_CASES)
def test_the_checker(words: tuple[str, ...], strict: bool, problem: str | None) -> None:
    found = check_mention(Cli.of_app(), Mention("x.md", words, strict))
    assert found == problem or (problem is not None and found is not None and problem in found)


def test_mentions_are_read_from_spans_blocks_and_yaml() -> None:
    text = (
        "Run `nb2pkg check\n--ci` or `check --ci`; see\n```sh\n"
        "pip install . && nb2pkg new demo   # comment --nope\n```\n"
    )
    path = REPO / ".docs-scan-probe.md"
    try:
        path.write_text(text, encoding="utf-8")
        found = {(m.words, m.strict) for m in mentions_in_markdown(path)}
    finally:
        path.unlink()
    assert found == {(("check", "--ci"), True), (("new", "demo"), True)}
    yaml = list(
        mentions_in_code("  run: nb2pkg clean --check\n  entry: nb2pkg x", "ci.yml", shell=True)
    )
    assert [(m.words, m.strict) for m in yaml] == [(("clean", "--check"), True), (("x",), True)]


def test_the_getting_started_page_describes_the_templates_ci() -> None:
    """Every nb2pkg command the template's CI and pre-commit run is named where they are described."""
    page = (REPO / "docs" / "getting-started.md").read_text(encoding="utf-8")
    page = " ".join(page.split())
    for path in (
        REPO / "template" / ".github" / "workflows" / "ci.yml",
        REPO / "template" / ".pre-commit-config.yaml",
    ):
        runs = mentions_in_code(path.read_text(encoding="utf-8"), path.name, shell=True)
        for mention in (m for m in runs if m.strict):
            command = "nb2pkg " + " ".join(mention.words)
            assert (
                f"`{command}`" in page
            ), f"{path.name} runs `{command}`; getting-started.md does not say so"


def test_sync_help_does_not_send_the_user_to_export() -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["sync", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "run `nb2pkg export`" not in text and "re-exported" in text
