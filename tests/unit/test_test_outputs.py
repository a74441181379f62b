"""--check-outputs: stored outputs read as text, sanitised, coalesced and compared."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nbformat.v4 import new_output

from nb2pkg.testing.outputs import compile_sanitizers, difference, stored_outputs
from nb2pkg.testing.protocol import TextOutput

DEFAULTS = compile_sanitizers(())


def out(kind: str, text: str) -> TextOutput:
    return TextOutput(kind, text)


# stored text, fresh text: equal once the default sanitizers have run
VOLATILE = [
    ("<__main__.A at 0x7f3a2b1c4d90>", "<__main__.A at 0x55d0c0ffee00>"),
    ("<function f at 0x10ab>", "<function f at 0x7fffcafe1234>"),
    ("2021-03-04 10:11:12.123456", "2025-12-02 09:41:00.000001"),
    ("2021-03-04T10:11:12Z", "2024-01-01T00:00:00+01:00"),
    ("started at 10:11:12", "started at 23:59:59"),
    ("/tmp/tmpab12cd/data.csv", "/tmp/tmpzz99yy/data.csv"),
    ("/var/folders/x1/abc/T/tmpq/file", "/tmp/other"),
    ("/private/var/folders/x1/T/tmp", "/tmp/x"),
    (r"C:\Users\ada\AppData\Local\Temp\tmp1\f.txt", "/tmp/tmp2/f.txt"),
    ("took 0.53 s", "took 1.20 s"),
    ("Wall time: 4.05 μs", "Wall time: 12 ms"),
    ("CPU times: user 2 µs, sys: 0 ns, total: 2 µs", "CPU times: user 1 ms, sys: 3 ns, total: 4 ms"),
    ("1.2 ms ± 3 µs per loop (mean ± std. dev. of 7 runs, 1,000 loops each)", "9.9 ms ± 1 µs per loop (mean ± std. dev. of 7 runs, 100 loops each)"),
    ("done in 3 seconds", "done in 12 seconds"),
    ("\x1b[31mred\x1b[0m", "red"),
    ("progress 10%\rprogress 100%\n", "progress 100%\n"),
    ("line   \n", "line\n"),
    ("a\r\nb\r\n", "a\nb\n"),
]


@pytest.mark.parametrize(("stored", "fresh"), VOLATILE)
def test_volatile_text_compares_equal(stored: str, fresh: str) -> None:
    assert difference([out("stdout", stored)], [out("stdout", fresh)], DEFAULTS) is None


# stored text, fresh text: a real change, which must show in the diff
REAL_CHANGES = [
    ("total: 42", "total: 43"),
    ("Hello, world!", "Hello, world?"),
    ("2021-03-04", "2021-03-05"),  # a date alone is data, not a timestamp
    ("3 apples", "4 apples"),
    ("0x1", "0x2"),  # too short for an address
    ("/home/ada/tmp/a.txt", "/home/ada/tmp/b.txt"),  # a folder named tmp is not the temp folder
]


@pytest.mark.parametrize(("stored", "fresh"), REAL_CHANGES)
def test_real_changes_fail_with_a_diff(stored: str, fresh: str) -> None:
    diff = difference([out("result", stored)], [out("result", fresh)], DEFAULTS)
    assert diff is not None
    assert f"-{stored}" in diff.splitlines() and f"+{fresh}" in diff.splitlines()


def test_this_machines_temp_folder_is_sanitised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", "/scratch/me/work/")
    sanitizers = compile_sanitizers(())
    stored, fresh = [out("stdout", "/scratch/me/work/a1")], [out("stdout", "/scratch/me/work/b2")]
    assert difference(stored, fresh, sanitizers) is None
    assert difference(stored, fresh, DEFAULTS) is not None


def test_streams_coalesce_whatever_the_split() -> None:
    stored = [out("stdout", "a\n"), out("stderr", "warn\n"), out("stdout", "b\n")]
    fresh = [out("stdout", "a\nb\n"), out("stderr", "warn\n")]
    assert difference(stored, fresh, DEFAULTS) is None


def test_order_of_results_and_displays_matters() -> None:
    stored = [out("display", "1"), out("result", "2")]
    fresh = [out("result", "2"), out("display", "1")]
    assert difference(stored, fresh, DEFAULTS) is not None


def test_kinds_matter() -> None:
    assert difference([out("stdout", "2")], [out("result", "2")], DEFAULTS) is not None


def test_project_sanitizers_run_first() -> None:
    own = compile_sanitizers([(r"\d+ rows", "N rows")])
    assert difference([out("stdout", "12 rows")], [out("stdout", "99 rows")], own) is None
    assert difference([out("stdout", "12 rows")], [out("stdout", "99 rows")], DEFAULTS) is not None


def test_empty_streams_are_not_outputs() -> None:
    assert difference([], [out("stdout", "\n")], DEFAULTS) is None


def test_stored_outputs_read_nbformat() -> None:
    outputs = [
        new_output("stream", name="stdout", text="hi\n"),
        new_output("stream", name="stderr", text=["w", "arn\n"]),
        new_output("execute_result", data={"text/plain": ["4", "2"]}, execution_count=1),
        new_output("display_data", data={"text/plain": "<Figure>", "image/png": "iVBOR"}),
        new_output("display_data", data={"image/png": "iVBOR"}),  # no text: not compared
        new_output("error", ename="KeyError", evalue="'x'", traceback=["\x1b[31m..."]),
    ]
    assert stored_outputs(outputs) == (
        out("stdout", "hi\n"),
        out("stderr", "warn\n"),
        out("result", "42"),
        out("display", "<Figure>"),
        out("error", "KeyError: 'x'"),
    )


@pytest.mark.parametrize("junk", [None, "text", [1, "x", None], [{"output_type": "stream"}]])
def test_stored_outputs_tolerate_junk(junk: object) -> None:
    assert stored_outputs(junk) == ()


kinds = st.sampled_from(["stdout", "stderr", "result", "display", "error"])
outputs_lists = st.lists(st.builds(TextOutput, kinds, st.text(max_size=40)), max_size=6)


@given(outputs_lists)
def test_outputs_always_agree_with_themselves(outputs: list[TextOutput]) -> None:
    assert difference(outputs, list(outputs), DEFAULTS) is None


@given(outputs_lists, outputs_lists)
def test_difference_is_none_exactly_when_renderings_agree(
    left: list[TextOutput], right: list[TextOutput]
) -> None:
    from nb2pkg.testing.outputs import render

    same = render(left, DEFAULTS) == render(right, DEFAULTS)
    assert (difference(left, right, DEFAULTS) is None) is same
