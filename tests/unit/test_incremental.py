"""Incremental work: the cache of notebooks read before, and the digests of modules export left.

A notebook whose bytes are as when it was last read comes back from
``.nb2pkg/cache/notebooks.json`` with exactly the cells a parse gives; anything else — a
changed notebook, a cache written by another nb2pkg, a damaged or hostile cache file —
costs a fresh read, never a wrong notebook or a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg.cache_home import CACHE_DIR, code_fingerprint
from nb2pkg.commands.export import export_project
from nb2pkg.errors import ConcurrentEdit
from nb2pkg.notebook import parse_notebook
from nb2pkg.notebook_cache import NotebookCache
from nb2pkg.project import load_project
from tests.projects import make_notebook, make_project, write_notebook

CELLS = [
    ("markdown", "# Core\n\n> The core module."),
    "#| default_exp core",
    "#| export\n#|  hide\ndef f():\n    return 1",
    "%%time\n#| export\ndef g():\n    return f()",
    ("markdown", "#| export\nExported prose."),
    "# export\ndef old_style(): ...",
    "f()",
]


def cache_file(root: Path) -> Path:
    return root / CACHE_DIR / "cache" / "notebooks.json"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = make_project(
        tmp_path / "p",
        {"00_core.ipynb": CELLS, "01_more.ipynb": ["1 + 1"]},
        tool="drop-magics = true",
    )
    export_project(root, check=False)
    return root


def test_export_leaves_every_notebook_in_the_cache(project: Path) -> None:
    entries = json.loads(cache_file(project).read_text(encoding="utf-8"))["notebooks"]
    assert sorted(entries) == ["nbs/00_core.ipynb", "nbs/01_more.ipynb"]


def test_a_cached_notebook_has_the_cells_of_a_fresh_read(project: Path) -> None:
    cached = load_project(project)
    fresh = load_project(project, cached=False)
    assert cached.notebooks == fresh.notebooks  # cells, directives, problems, digests
    assert cached.read_cache is not None and cached.read_cache.hits == 2
    assert fresh.read_cache is None


def test_raw_is_read_on_first_use(project: Path) -> None:
    notebook = load_project(project).notebooks[0]
    assert notebook.loaded is None  # not held: a project's JSON is most of its memory
    path = notebook.path
    assert notebook.raw == parse_notebook(path.read_bytes(), path, notebook.relpath).raw
    assert notebook.loaded is not None


def test_raw_refuses_a_notebook_saved_since_it_was_read(project: Path) -> None:
    notebook = load_project(project).notebooks[0]
    write_notebook(notebook.path, make_notebook(["#| default_exp core", "#| export\nx = 2"]))
    with pytest.raises(ConcurrentEdit, match="changed on disk"):
        _ = notebook.raw


def test_a_changed_notebook_is_read_again(project: Path) -> None:
    path = project / "nbs" / "00_core.ipynb"
    write_notebook(path, make_notebook(["#| default_exp core", "#| export\nx = 2"]))
    loaded = load_project(project)
    notebook = loaded.notebooks[0]
    assert loaded.read_cache is not None and loaded.read_cache.hits == 1  # 01_more only
    assert [c.body for c in notebook.cells] == ["", "x = 2"]


@pytest.mark.parametrize(
    "damage",
    [
        "",
        "not json",
        "[]",
        '{"salt": null}',
        "[" * 100_000,
        json.dumps({"salt": "x", "notebooks": {}}),
    ],
)
def test_a_damaged_cache_file_costs_a_fresh_read(project: Path, damage: str) -> None:
    cache_file(project).write_text(damage, encoding="utf-8")
    loaded = load_project(project)
    assert loaded.notebooks == load_project(project, cached=False).notebooks
    assert loaded.read_cache is not None and loaded.read_cache.hits == 0


def _entries(root: Path) -> tuple[dict[str, object], dict[str, list[object]]]:
    data = json.loads(cache_file(root).read_text(encoding="utf-8"))
    return data, data["notebooks"]


@pytest.mark.parametrize(
    "entry",
    [
        None,
        "text",
        [],
        ["digest"],
        ["?", False, False, []],  # another digest: the notebook changed
        [None, False, False, [[0]]],
        [0, 0, 0, 0],
    ],
)
def test_a_wrong_entry_is_not_used(project: Path, entry: object) -> None:
    data, entries = _entries(project)
    digest = entries["nbs/01_more.ipynb"][0]
    if isinstance(entry, list) and len(entry) == 4 and entry[0] is None:
        entry = [digest, *entry[1:]]
    entries["nbs/01_more.ipynb"] = entry  # type: ignore[assignment]
    cache_file(project).write_text(json.dumps(data), encoding="utf-8")
    loaded = load_project(project)
    assert loaded.read_cache is not None and loaded.read_cache.hits == 1  # 00_core only
    assert loaded.notebooks[1] == load_project(project, cached=False).notebooks[1]


@pytest.mark.parametrize(
    "cell",
    [
        None,
        [],
        ["0", "id", "code", 5, 0, [], 1, [], [], None, "\n"],  # source not text
        [0, "id", "code", "x", "0", [], 1, [], [], None, "\n"],  # header length not a number
        [0, "id", "code", "x", 0, [["export"]], 1, [], [], None, "\n"],  # short directive
        [0, "id", "code", "x", 0, [], 1, ["a"], [], None, "\n"],  # magic line not a number
        [0, "id", "code", "x", 0, [], 1, [], [[1]], None, "\n"],  # short problem
    ],
)
def test_a_wrong_cell_entry_is_not_used(project: Path, cell: object) -> None:
    data, entries = _entries(project)
    entries["nbs/01_more.ipynb"][3] = [cell]
    cache_file(project).write_text(json.dumps(data), encoding="utf-8")
    loaded = load_project(project)
    assert loaded.read_cache is not None and loaded.read_cache.hits == 1  # 00_core only
    assert loaded.notebooks[1] == load_project(project, cached=False).notebooks[1]


def test_a_cache_of_another_nb2pkg_is_not_used(project: Path) -> None:
    data, _ = _entries(project)
    data["salt"] = [1, "another build", [3, 11]]
    cache_file(project).write_text(json.dumps(data), encoding="utf-8")
    loaded = load_project(project)
    assert loaded.read_cache is not None and loaded.read_cache.hits == 0


def test_a_refused_export_does_not_write_the_cache(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p", {"00_core.ipynb": ["#| default_exp core", "#| export\n%ls"]}
    )
    with pytest.raises(Exception, match="IPython"):
        export_project(root)
    assert not cache_file(root).exists()


def test_sync_leaves_the_merged_notebook_in_the_cache(project: Path) -> None:
    from nb2pkg.commands.sync import sync_project

    module = project / "acme" / "core.py"
    module.write_text(
        module.read_text(encoding="utf-8").replace("return 1", "return 41"), encoding="utf-8"
    )
    sync_project(project, check=False)
    loaded = load_project(project)
    notebook = loaded.notebooks[0]
    assert loaded.read_cache is not None and loaded.read_cache.hits == 2  # as sync wrote it
    assert "return 41" in notebook.cells[2].body
    assert notebook == load_project(project, cached=False).notebooks[0]


sources = st.text(
    alphabet=st.sampled_from(
        ["#", "|", " ", "e", "x", "p", "o", "r", "t", "\n", "%", "\u2028", "é"]
    ),
    max_size=60,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cells=st.lists(st.tuples(st.sampled_from(["code", "markdown"]), sources), max_size=6))
def test_any_notebook_comes_back_from_the_cache_as_read(
    tmp_path: Path, cells: list[tuple[str, str]]
) -> None:
    nb = make_notebook(cells)
    path = tmp_path / "nb.ipynb"
    write_notebook(path, nb)
    data = path.read_bytes()
    read = parse_notebook(data, path, "nbs/nb.ipynb")
    writer = NotebookCache(tmp_path, CACHE_DIR, code_fingerprint())
    writer.store(read)
    writer.save()
    again = NotebookCache(tmp_path, CACHE_DIR, code_fingerprint()).lookup(
        path, "nbs/nb.ipynb", read.digest
    )
    assert again == read


def test_export_records_the_digest_of_every_module_it_left(project: Path) -> None:
    from nb2pkg.config import load_config
    from nb2pkg.export_stamp import exported_digests
    from nb2pkg.fsio import digest_bytes

    config = load_config(project)
    recorded = exported_digests(config)
    core = project / "acme" / "core.py"  # the one generated module (__init__ is the user's)
    assert recorded == {"acme/core.py": digest_bytes(core.read_bytes())}
    (project / CACHE_DIR / "cache" / "export-stamp.json").write_text("[", encoding="utf-8")
    assert exported_digests(config) == {}  # no record: sync reads every module


def test_caches_from_another_folder_are_not_trusted(project: Path, tmp_path: Path) -> None:
    """A cache committed, copied or checked out with the project was not made in this cache
    folder: it is not read, so no derived data can put code in a module that no notebook
    holds."""
    import shutil

    blocks = project / CACHE_DIR / "cache" / "blocks.json"
    data = json.loads(blocks.read_text(encoding="utf-8"))
    for entry in data["blocks"].values():
        entry[0] = "import os\nos.system('planted')\n"  # the cached code of every block
    blocks.write_text(json.dumps(data), encoding="utf-8")
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    shutil.rmtree(copy / "acme")
    loaded = load_project(copy)
    assert loaded.read_cache is not None and loaded.read_cache.hits == 0
    export_project(copy, check=False)
    assert "planted" not in (copy / "acme" / "core.py").read_text(encoding="utf-8")
    # In its own folder the cache is read (the planted code shows the block cache is used).
    shutil.rmtree(project / "acme")
    export_project(project, check=False)
    assert "planted" in (project / "acme" / "core.py").read_text(encoding="utf-8")


@given(
    record=st.dictionaries(
        st.text(max_size=5),
        st.one_of(
            st.integers(),
            st.text(max_size=5),
            st.dictionaries(st.text(max_size=5), st.lists(st.text(max_size=3), max_size=3)),
        ),
        max_size=4,
    )
)
def test_cache_files_are_written_in_pieces_that_make_the_same_json(
    record: dict[str, object],
) -> None:
    from nb2pkg.cache_home import _json_chunks

    assert json.loads(b"".join(_json_chunks(record))) == record
