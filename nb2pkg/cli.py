"""The command-line interface: a thin typer adapter over the library.

Each command parses its options, calls one library function and shows the result. Exit
codes (``exit_codes.ExitCode``) are decided in one place, ``_reported``: 0 ok; 1 problems
found / would change files / sync conflict; 2 bad input or usage; 123 an internal error (a
bug); 130 interrupted.

Each command imports its library module inside its function, so that start-up imports only
typer (``nb2pkg --help`` stays fast) while mypy still checks every call into the library.
"""

from __future__ import annotations

import gc
import sys
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup, TyperOption

from . import __version__
from .errors import Nb2pkgError
from .exit_codes import ExitCode
from .report import Severity

if TYPE_CHECKING:  # types only: the modules are imported when a command runs
    from .export_result import ExportResult
    from .gitsetup import HooksResult
    from .report import Diagnostic
    from .testing.protocol import Outcome


class _State:
    debug = False


def _debug_flag(ctx: Any, param: Any, value: bool) -> None:
    if value:
        _State.debug = True


class _Commands(TyperGroup):
    """A command group whose every command also takes ``--debug`` (``nb2pkg export --debug``).

    The option belongs to the whole program, so a user may write it before or after the
    command; adding it here gives every command, present or future, the same option.
    """

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None and not any(p.name == "debug" for p in command.params):
            command.params.append(
                TyperOption(
                    param_decls=["--debug"],
                    is_flag=True,
                    default=False,
                    expose_value=False,
                    callback=_debug_flag,
                    help="Show a traceback for every error.",
                )
            )
        return command


app = typer.Typer(
    name="nb2pkg",
    cls=_Commands,
    help="Turn Jupyter notebooks into an installable, tested Python package, and keep the "
    "two in step.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


PathOption = Annotated[
    Path | None,
    typer.Option(
        "--path",
        "-p",
        help="The project folder, or any folder or file inside it "
        "(default: found by walking up from the current folder).",
        show_default=False,
    ),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print errors only (they are never hidden).")
]
NoCheckOption = Annotated[
    bool,
    typer.Option(
        "--no-check",
        help="Write modules even if they would fail when imported (NB101, NB103) or a "
        "mis-typed export directive leaves a cell out (NB402).",
    ),
]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help="Also list every file written or removed.")
]

DiscardOption = Annotated[
    bool,
    typer.Option(
        "--discard-edits",
        help="Overwrite edits made in generated modules that are not synced into a notebook "
        "(without it, such a module stops the command: run `nb2pkg sync` first).",
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nb2pkg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show a traceback for every error.")
    ] = False,
) -> None:
    """Turn Jupyter notebooks into an installable, tested Python package."""
    _State.debug = debug


@contextmanager
def _reported() -> Iterator[None]:
    """Run the block; turn nb2pkg's errors into messages and exit codes, and bugs into 123."""
    try:
        yield
    except typer.Exit:
        raise
    except Nb2pkgError as exc:
        if _State.debug:
            traceback.print_exc()
        typer.echo(_error_text(exc), err=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("interrupted; every file written so far was written whole", err=True)
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except Exception as exc:  # noqa: BLE001 - anything else is a bug: report it as one (exit 123)
        if _State.debug:
            traceback.print_exc()
        typer.echo(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in nb2pkg, not in your project. Please report it with the command "
            "you ran and the output of the same command with --debug.",
            err=True,
        )
        raise typer.Exit(ExitCode.INTERNAL) from None


def _error_text(exc: Nb2pkgError) -> str:
    from .errors import ProblemsFound

    if isinstance(exc, ProblemsFound):
        lines = [f"error: {problem}" for problem in exc.problems]
        return "\n".join(lines) + f"\n{len(exc.problems)} problems found; nothing was written."
    return f"error: {exc}"


def _show_warnings(diagnostics: Iterable[Diagnostic], quiet: bool) -> None:
    """Print the diagnostics; with --quiet, the errors only."""
    for diagnostic in diagnostics:
        if not quiet or diagnostic.severity is Severity.ERROR:
            typer.echo(str(diagnostic), err=True)


@app.command()
def export(
    path: PathOption = None,
    drop_magics: Annotated[
        bool | None,
        typer.Option(
            "--drop-magics/--keep-magics",
            help="Leave IPython lines (%magic, !cmd) out of exported cells with a warning, "
            "instead of failing (default: the drop-magics setting).",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    no_check: NoCheckOption = False,
    discard_edits: DiscardOption = False,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Export notebook cells marked #| export into the package's modules.

    Reads every notebook under the notebooks folder, plans all modules first, and writes
    only the files whose text changed. Modules generated earlier whose cells are gone are
    removed; hand-written files are never touched. A module holding edits not yet synced
    into its notebooks stops the export (exit 1): run `nb2pkg sync` first. Nothing is
    written if anything is wrong.
    """
    with _reported():
        from .commands import export as export_command

        result = export_command.export_project(
            path,
            drop_magics=drop_magics,
            dry_run=dry_run,
            check=not no_check,
            discard_edits=discard_edits,
        )
    _show_warnings(result.warnings, quiet)
    if verbose and not quiet:
        _show_changes(result)
    if not quiet:
        typer.echo(result.summary())


def _show_changes(result: ExportResult) -> None:
    """List every file an export wrote or removed (or would)."""
    for change in result.changes:
        if change.action != "keep":
            shown = change.path.relative_to(result.root).as_posix()
            typer.echo(f"  {change.action.value:7} {shown}")


@app.command()
def sync(
    path: PathOption = None,
    prefer: Annotated[
        str | None,
        typer.Option(
            "--prefer",
            help="Resolve conflicts: 'module' (the module's version wins) or 'notebook' "
            "(the notebook's version wins).",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the per-cell diffs; write nothing.")
    ] = False,
    no_check: NoCheckOption = False,
    quiet: QuietOption = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also list every cell changed.")
    ] = False,
) -> None:
    """Carry edits made in the generated modules back into their notebook cells.

    A three-way merge per block, with the hash in each marker as the base: an edit made only
    in the module goes into the cell (directives, id, outputs kept); a new block marked with a
    bare `# %%` becomes a new cell; a block moved to another module moves its cell; a copied
    block becomes a new cell; code added above the first block goes into the module's first
    cell; a deleted block deletes its cell. A cell changed on both sides is a conflict:
    nothing is written, exit 1, until --prefer says who wins. The modules are re-exported
    from the merged notebooks, so their markers are up to date afterwards.
    """
    with _reported():
        from .commands import sync as sync_command

        result = sync_command.sync_project(path, prefer=prefer, dry_run=dry_run, check=not no_check)
    _show_warnings(result.notes, quiet)
    if (dry_run or verbose) and not quiet:
        for change in result.changes:
            typer.echo(f"{change.kind.value} {change.where()}")
            if dry_run:
                typer.echo(change.diff(), nl=False)
    if not quiet:
        typer.echo(result.summary())


@app.command()
def check(
    path: PathOption = None,
    ci: Annotated[
        bool,
        typer.Option(
            "--ci",
            help="Also fail if `export` would change a file, a module holds edits not yet "
            "synced, or `build` would change the pyproject's dependencies.",
        ),
    ] = False,
    strict: Annotated[
        bool | None,
        typer.Option("--strict/--no-strict", help="Fail on warnings too.", show_default=False),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option("--format", help="Output: text, json, or github (Actions annotations)."),
    ] = "text",
    quiet: QuietOption = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Also list the findings that [tool.nb2pkg.check] ignore or a cell's "
            "`#| nb2pkg: ignore` silence (text format).",
        ),
    ] = False,
) -> None:
    """Find hidden state and broken exports, statically, before they ship.

    Names exported code uses but never defines (NB101), star imports nb2pkg cannot see into
    (NB102), imports of the own package that do not exist (NB103), exported names redefined
    by later unexported cells (NB201), out-of-order execution counts (NB301), mis-typed directives
    (NB4xx), IPython syntax in exported cells (NB5xx), import cycles and duplicate names
    (NB6xx), merge conflicts and notebooks not clean (NB7xx). Exit 1 if an error (or, with
    --strict, a warning) is found. Never runs code.
    """
    if fmt not in ("text", "json", "github"):
        raise typer.BadParameter("choose one of text, json, github", param_hint="--format")
    with _reported():
        from .commands import check as check_command

        result = check_command.check_project(path, ci=ci, strict=strict)
        output = check_command.render(result, fmt)
    if output and not (quiet and fmt == "text" and not result.exit_code):
        typer.echo(output)
    if verbose and fmt == "text" and not quiet:
        for diagnostic in result.ignored:
            typer.echo(f"{diagnostic} (ignored)")
    if fmt == "text" and not quiet:
        typer.echo(result.summary())
    raise typer.Exit(result.exit_code)


@app.command()
def build(
    path: PathOption = None,
    outdir: Annotated[
        Path | None,
        typer.Option(
            "--outdir", "-o", help="Folder for the wheel, inside the project (default: dist/)."
        ),
    ] = None,
    sdist: Annotated[bool, typer.Option("--sdist", help="Also build an sdist.")] = False,
    check_only: Annotated[
        bool,
        typer.Option(
            "--check", help="Exit 1 if the pyproject's dependencies would change; write nothing."
        ),
    ] = False,
    allow_unresolved: Annotated[
        bool,
        typer.Option(
            "--allow-unresolved",
            help="Warn about imports no distribution is known for, instead of failing.",
        ),
    ] = False,
    no_check: Annotated[
        bool,
        typer.Option(
            "--no-check",
            help="Build even if the code would fail when imported or run (NB101, NB103) or a "
            "mis-typed export directive leaves a cell out (NB402).",
        ),
    ] = False,
    discard_edits: DiscardOption = False,
    quiet: QuietOption = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Also list every module written or removed by the export."
        ),
    ] = False,
) -> None:
    """Export, put the detected dependencies into pyproject.toml, and build a wheel in dist/.

    Every import of the exported code is classified (own package, standard library on every
    supported Python, third-party) and third-party imports are resolved to distributions:
    [tool.nb2pkg.dependency-map], installed metadata, a curated table; never a guess. Missing
    ones are inserted into [project].dependencies (optional imports into an extra); nothing
    you wrote is changed or removed. The wheel is built offline and reproducibly. Every check
    runs before the first write, so a refused build changes nothing; no project code runs.
    """
    with _reported():
        from .commands import build as build_command

        result = build_command.build_project(
            path,
            outdir=outdir,
            sdist=sdist,
            check_only=check_only,
            allow_unresolved=allow_unresolved,
            check=not no_check,
            discard_edits=discard_edits,
        )
    _show_warnings(result.export.warnings + result.notes, quiet)
    if verbose and not quiet:
        _show_changes(result.export)
    if not quiet:
        for line in result.report():
            typer.echo(line)
    if check_only and result.changes is not None and result.changes.changed:
        raise typer.Exit(ExitCode.FOUND)


@app.command()
def deps(
    path: PathOption = None,
    why: Annotated[
        str | None,
        typer.Option(
            "--why", help="Explain one import (or distribution): kind, reason, where used."
        ),
    ] = None,
    allow_unresolved: Annotated[
        bool,
        typer.Option(
            "--allow-unresolved",
            help="Exit 0 even if some imports are unresolved (they are listed as warnings).",
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Print only the imports nothing resolves, with the fix."
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="List every place each import is used, not only the first."
        ),
    ] = False,
) -> None:
    """Show every import of the exported code: kind, distribution, reason and where it is used.

    Imports that nothing resolves are listed too, marked UNRESOLVED with the fix below the
    table, and make the exit code 1.
    """
    with _reported():
        from .commands import deps as deps_command

        result = deps_command.dependency_table(
            path, why=why, allow_unresolved=allow_unresolved, quiet=quiet, verbose=verbose
        )
    if result.text:
        typer.echo(result.text)
    raise typer.Exit(result.exit_code)


@app.command()
def new(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="The folder to create; its name is the project's name."
        ),
    ],
    description: Annotated[
        str | None, typer.Option("--description", "-d", help="One line describing the project.")
    ] = None,
    git: Annotated[
        bool,
        typer.Option(
            "--git/--no-git",
            help="Run `git init` and `nb2pkg hooks install` in the new project (when git is "
            "on PATH).",
        ),
    ] = True,
    path: Annotated[
        Path | None,
        typer.Option(
            "--path",
            "-p",
            help="The folder to create the project in (default: the current folder).",
            show_default=False,
        ),
    ] = None,
    quiet: QuietOption = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also list every file created.")
    ] = False,
) -> None:
    """Create a new project from the bundled template (refuses a non-empty folder).

    The project has a pyproject.toml with [project] and [tool.nb2pkg], a first notebook
    nbs/00_core.ipynb, a README, .gitignore, .gitattributes, a pre-commit configuration and
    a CI workflow. With git on PATH it becomes a git repository with nb2pkg's clean filter,
    notebook diff and merge driver. Next: `nb2pkg export --path NAME`.
    """
    target = (path or Path()) / name
    with _reported():
        from .commands import new as new_command

        made = new_command.create_project(target, description=description, git=git)
    if verbose and not quiet:
        for file in made.files:
            typer.echo(f"  create  {file.relative_to(made.root).as_posix()}")
    if not quiet:
        typer.echo(
            f"created {target} with {len(made.files)} files; {made.git}; "
            f"next: nb2pkg export --path {target}"
        )


@app.command()
def clean(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Notebooks or folders to clean (default: the project's notebooks).",
            show_default=False,
        ),
    ] = None,
    path: PathOption = None,
    check_only: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit 1 naming the notebooks not clean."),
    ] = False,
    outputs: Annotated[
        bool | None,
        typer.Option(
            "--outputs/--keep-outputs",
            help="Also remove outputs, or keep them (default: [tool.nb2pkg.clean] outputs, "
            "else keep).",
            show_default=False,
        ),
    ] = None,
    stdin: Annotated[
        bool,
        typer.Option(
            "--stdin",
            help="Clean the notebook read from stdin and write it to stdout (a git filter); "
            "--path names the file, for its project's settings. With --check: write nothing, "
            "exit 1 if it is not clean.",
        ),
    ] = False,
    skip_filtered: Annotated[
        bool,
        typer.Option(
            "--skip-filtered",
            help="Leave alone notebooks that git's nb2pkg filter cleans on commit "
            "(for pre-commit).",
        ),
    ] = False,
    quiet: QuietOption = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also say what was removed from each notebook.")
    ] = False,
) -> None:
    """Remove what changes without a code change: execution counts, timings, view state.

    Removes execution counts, timings (execution, ExecuteTime, papermill), collapsed/scrolled
    view state, widget state, the signature, the Python version and memory addresses in
    reprs; keeps cell ids, tags, directives, attachments and outputs (unless --outputs).
    Writes JSON exactly as Jupyter does. [tool.nb2pkg.clean] tunes what is kept.
    """
    if stdin:
        if paths:
            raise typer.BadParameter(
                "--stdin reads one notebook; name no files", param_hint="PATHS"
            )
        data = sys.stdin.buffer.read()
        with _reported():
            from .commands import clean as clean_command

            streamed = clean_command.clean_stream(data, path, outputs)
        if not check_only:
            sys.stdout.buffer.write(streamed.output)
            sys.stdout.buffer.flush()
        if streamed.error is not None:
            passed = "" if check_only else " (passed through unchanged)"
            typer.echo(f"{_error_text(streamed.error)}{passed}", err=True)
            raise typer.Exit(streamed.error.exit_code)
        raise typer.Exit(ExitCode.found_if(check_only and streamed.output != data))
    with _reported():
        from .commands import clean as clean_command

        result = clean_command.clean_files(
            path, paths or (), check=check_only, outputs=outputs, skip_filtered=skip_filtered
        )
    if not quiet or result.exit_code:
        for notebook in result.changed:
            verb = "cleaned" if result.written else "not clean:"
            detail = f" ({', '.join(notebook.result.removed)})" if verbose else ""
            typer.echo(f"{verb} {notebook.shown}{detail}")
    if not quiet:
        typer.echo(result.summary())
    raise typer.Exit(result.exit_code)


hooks_app = typer.Typer(
    name="hooks",
    cls=_Commands,
    help="Set up git for notebooks: a clean filter, a notebook diff and a cell-by-cell merge.",
    no_args_is_help=True,
)
app.add_typer(hooks_app)


HooksVerbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="Also list the settings that were already so.")
]


def _show_hooks(result: HooksResult, verb: str, quiet: bool, verbose: bool) -> None:
    if not quiet:
        for change in result.changes:
            typer.echo(f"  {change}")
        for kept in result.unchanged if verbose else ():
            typer.echo(f"  already: {kept}")
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    if not quiet:
        typer.echo(result.summary(verb))


@hooks_app.command("install")
def hooks_install(
    path: PathOption = None, quiet: QuietOption = False, verbose: HooksVerbose = False
) -> None:
    """Register nb2pkg with git in this repository, and add the .gitattributes line.

    Sets filter.nb2pkg (`nb2pkg clean --stdin`: notebooks are stored clean), diff.nb2pkg
    (`nb2pkg hooks textconv`: git diff shows cells and text outputs) and merge.nb2pkg
    (`nb2pkg hooks merge`: three-way merge by cell id) in .git/config, and
    `*.ipynb filter=nb2pkg diff=nb2pkg merge=nb2pkg` in the project's .gitattributes. Git
    runs `nb2pkg` from PATH, so the settings work in every clone. Run once per clone.
    """
    with _reported():
        from . import gitsetup

        result = gitsetup.install(path)
    _show_hooks(result, "install", quiet, verbose)


@hooks_app.command("uninstall")
def hooks_uninstall(
    path: PathOption = None, quiet: QuietOption = False, verbose: HooksVerbose = False
) -> None:
    """Remove nb2pkg's git settings and the .gitattributes line `hooks install` added."""
    with _reported():
        from . import gitsetup

        result = gitsetup.uninstall(path)
    _show_hooks(result, "uninstall", quiet, verbose)


@hooks_app.command("status")
def hooks_status(
    path: PathOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the verdict: installed or not.")
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Also say how git stores each of the project's notebooks."
        ),
    ] = False,
) -> None:
    """Show which of nb2pkg's git settings this repository has; exit 1 if any is missing."""
    with _reported():
        from . import gitsetup

        state = gitsetup.status(path)
    if not quiet:
        for name, value in state.config:
            typer.echo(f"{name} = {value}" if value is not None else f"{name} is not set")
        where = state.attributes
        typer.echo(
            f"{where}: names nb2pkg's filter, diff and merge driver"
            if state.declared
            else f"{where}: does not name nb2pkg's filter, diff and merge driver"
        )
    if verbose and not quiet:
        with _reported():
            storage = gitsetup.notebook_storage(path)
        for shown, use in storage:
            typer.echo(f"  {shown}: {use}")
    typer.echo("installed" if state.installed else "not installed: run `nb2pkg hooks install`")
    raise typer.Exit(ExitCode.found_if(not state.installed))


@hooks_app.command("filter")
def hooks_filter() -> None:
    """Clean notebooks for git, one process per git command (git's filter.nb2pkg.process).

    Speaks git's long-running filter protocol on stdin and stdout: git starts it once and
    sends every notebook it adds or compares, instead of starting `nb2pkg clean --stdin`
    per file. A notebook that cannot be cleaned is stored as it is, with the reason on stderr.
    """
    with _reported():
        from . import gitfilter

        gitfilter.serve(sys.stdin.buffer, sys.stdout.buffer, sys.stderr.buffer)


@hooks_app.command("merge")
def hooks_merge(
    base: Annotated[Path, typer.Argument(help="The common ancestor (git's %O).")],
    current: Annotated[Path, typer.Argument(help="Ours, overwritten with the result (%A).")],
    other: Annotated[Path, typer.Argument(help="Theirs (%B).")],
    marker_size: Annotated[
        int, typer.Option("--marker-size", help="Length of conflict markers (%L).")
    ] = 7,
    path: Annotated[
        str | None, typer.Option("--path", help="The notebook's path in the repository (%P).")
    ] = None,
    base_label: Annotated[str | None, typer.Option("--base-label", hidden=True)] = None,
    ours_label: Annotated[str | None, typer.Option("--ours-label", hidden=True)] = None,
    theirs_label: Annotated[str | None, typer.Option("--theirs-label", hidden=True)] = None,
) -> None:
    """Merge three versions of a notebook by cell id (git's merge driver; see `hooks install`).

    Edits to different cells merge; re-runs (outputs, counts, timings) never conflict;
    the same cell edited on both sides gets git-style markers in its source and the tag
    nb2pkg-conflict, the file stays a valid notebook, and the exit code is 1.
    """
    with _reported():
        from . import gitdrivers

        outcome = gitdrivers.merge_files(
            base,
            current,
            other,
            name=path,
            marker_size=marker_size,
            labels=(base_label, ours_label, theirs_label),
        )
    for line in outcome.report():
        typer.echo(line, err=True)
    raise typer.Exit(outcome.exit_code)


@hooks_app.command("textconv")
def hooks_textconv(
    notebook: Annotated[Path, typer.Argument(help="The notebook file git asks about.")],
) -> None:
    """Print a notebook as text for `git diff`: cells, sources, text outputs (git's textconv)."""
    with _reported():
        from . import gitdrivers

        text = gitdrivers.textconv(notebook)
    sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))


@app.command()
def migrate(
    path: PathOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List the lines that would change; write nothing.")
    ] = False,
    quiet: QuietOption = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also list every line rewritten.")
    ] = False,
) -> None:
    """Rewrite nbdev 1 comment directives (# export, # default_exp core) as #| directives.

    nbdev 1 projects mark cells with plain comments, which nb2pkg (like nbdev 2 and 3) does
    not read. migrate rewrites them in place in every notebook: `# export core` becomes
    `#| export core`, `#exporti` becomes `#| exporti`, `# hide` becomes `#| hide` (also the
    test flags of settings.ini). Only those lines change; the notebooks keep their layout.
    Then run `nb2pkg export`.
    """
    with _reported():
        from .commands import migrate as migrate_command

        result = migrate_command.migrate_project(path, dry_run=dry_run)
    if (dry_run or verbose) and not quiet:
        for line in result.lines:
            typer.echo(str(line))
    if not quiet:
        typer.echo(result.summary())


@app.command(name="test")
def test_(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[PATHS]...",
            help="Notebooks or folders to test (default: every notebook of the project). "
            "A notebook named here runs even if its name or a skip pattern would skip it.",
            show_default=False,
        ),
    ] = None,
    path: PathOption = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-n",
            min=1,
            help="Notebooks run at once, each in its own process (default: the number of CPUs).",
            show_default=False,
        ),
    ] = None,
    flags: Annotated[
        list[str] | None,
        typer.Option(
            "--flags",
            help="Also run cells carrying this test flag, e.g. `#| slow` "
            "(repeat the option, or separate flags with spaces).",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            min=0,
            help="Seconds a cell may run before its notebook is stopped; 0 for no limit "
            "(default: [tool.nb2pkg.test] timeout, else 600).",
            show_default=False,
        ),
    ] = None,
    exitfirst: Annotated[
        bool, typer.Option("--exitfirst", "-x", help="Stop at the first failing notebook.")
    ] = False,
    against_package: Annotated[
        bool,
        typer.Option(
            "--against-package",
            help="Do not run exported cells: import their names from the package's modules, "
            "so the notebooks test the code that ships.",
        ),
    ] = False,
    check_outputs: Annotated[
        bool,
        typer.Option(
            "--check-outputs",
            help="Also fail when a cell's text output differs from the one stored in the "
            "notebook (after sanitizing addresses, timestamps, temporary paths, durations).",
        ),
    ] = False,
    fmt: Annotated[
        str,
        typer.Option("--format", help="Output: text, or github (adds Actions annotations)."),
    ] = "text",
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print failures and the summary only.")
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Also say, per notebook, how many cells ran and which skipped."
        ),
    ] = False,
) -> None:
    """Run notebooks top to bottom as tests, each in a fresh process, several at once.

    Every notebook runs in its own process, in an IPython shell (magics, !cmd, top-level
    await), with its folder as the working folder, the project importable and NB2PKG_TEST=1
    set. Cells with `#| eval: false` or a test flag are skipped; so are notebooks named `_*`
    or matching [tool.nb2pkg.test] skip. Exit 1 if any notebook fails.
    """
    if fmt not in ("text", "github"):
        raise typer.BadParameter("choose one of text, github", param_hint="--format")
    from .testing import jobs, report

    options = jobs.TestOptions(
        flags=jobs.split_flags(flags or ()),
        timeout=timeout,
        against_package=against_package,
        check_outputs=check_outputs,
    )

    def show(outcome: Outcome) -> None:
        if not quiet or outcome.status.value == "failed":
            typer.echo(report.outcome_line(outcome))
        if verbose and not quiet:
            skipped = ", ".join(f"{n} {why}" for why, n in outcome.skipped_cells)
            typer.echo(
                f"    {outcome.cells_run} cells ran" + (f"; skipped: {skipped}" if skipped else "")
            )

    with _reported():
        from .testing import runner

        run = runner.test_project(
            path,
            paths=paths or (),
            workers=workers,
            options=options,
            exitfirst=exitfirst,
            on_outcome=show,
        )
    failed = [o for o in run.outcomes if o.status.value == "failed"]
    for outcome in sorted(failed, key=lambda o: o.notebook):
        typer.echo("")
        typer.echo(report.failure_text(outcome, run.jobs.get(outcome.notebook)))
    if fmt == "github":
        for outcome in failed:
            for line in report.github_annotations(outcome):
                typer.echo(line)
    for note in run.notes:
        typer.echo(note, err=True)
    typer.echo(("\n" if failed else "") + run.summary())
    raise typer.Exit(run.exit_code)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI (the ``nb2pkg`` console script)."""
    # A command is one short run that builds large, acyclic structures (notebook JSON, syntax
    # trees): the cycle collector would only walk them over and over (10% of a cold export).
    gc.disable()
    app(args=argv if argv is not None else sys.argv[1:], prog_name="nb2pkg")
