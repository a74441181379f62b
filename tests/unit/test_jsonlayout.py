"""The layout-keeping JSON writer: random documents in random layouts, edited at random."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg.jsonlayout import JsonLayoutError, dumps_like, parse, same

# -- random values ------------------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False),
    TEXT,
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(TEXT, children, max_size=5),
    max_leaves=25,
)
CONTAINERS = st.lists(VALUES, max_size=5) | st.dictionaries(TEXT, VALUES, max_size=5)
GAPS = st.sampled_from(["", "", " ", "  ", "\n", "\r\n", "\t", "\n ", "\n  ", "\r\n\t\t", "\n    "])
Path = tuple[Any, ...]


def canonical(value: Any) -> str:
    """Return a text equal for two values exactly when they are equal, types included."""
    return json.dumps(value, sort_keys=True)


# -- rendering a value in a random layout --------------------------------------------------


@dataclass
class Rendered:
    """A value written as JSON text, and where each scalar's token went."""

    pieces: list[str] = field(default_factory=list)
    size: int = 0
    leaves: dict[Path, int] = field(default_factory=dict)  # path -> offset of its token

    def add(self, piece: str) -> None:
        self.pieces.append(piece)
        self.size += len(piece)

    @property
    def text(self) -> str:
        return "".join(self.pieces)


def spell_string(value: str, data: st.DataObject) -> str:
    """Write a JSON string, escaping characters at random where JSON allows either."""
    out = ['"']
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif code < 0x20:
            short = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}.get(char)
            out.append(short if short and data.draw(st.booleans()) else f"\\u{code:04x}")
        elif char == "/" and data.draw(st.booleans()):
            out.append("\\/")
        elif code > 0xFFFF and data.draw(st.booleans()):
            high, low = divmod(code - 0x10000, 0x400)
            out.append(f"\\ud{0x800 + high:03x}\\u{0xDC00 + low:04X}")
        elif data.draw(st.booleans()) and code <= 0xFFFF:
            out.append(f"\\u{code:04{data.draw(st.sampled_from('xX'))}}")
        else:
            out.append(char)
    return "".join(out) + '"'


def spell_scalar(value: Any, data: st.DataObject) -> str:
    if isinstance(value, str):
        return spell_string(value, data)
    if isinstance(value, float):
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        spellings = [repr(value), repr(value).upper(), f"{value:.17e}", f"{value:.17E}"]
        valid = [s for s in spellings if float(s) == value and any(c in s for c in ".eE")]
        return data.draw(st.sampled_from(valid))
    if value == 0 and isinstance(value, int) and not isinstance(value, bool):
        return data.draw(st.sampled_from(["0", "-0"]))
    return json.dumps(value)


def render(value: Any, data: st.DataObject) -> Rendered:
    """Write *value* with random whitespace, escapes and number spellings."""
    out = Rendered()
    if data.draw(st.booleans()):
        out.add("\ufeff")
    out.add(data.draw(GAPS))

    def walk(node: Any, path: Path) -> None:
        if isinstance(node, dict):
            out.add("{")
            for number, (key, child) in enumerate(node.items()):
                out.add(data.draw(GAPS) + ("," + data.draw(GAPS) if number else ""))
                out.add(spell_string(key, data) + data.draw(GAPS) + ":" + data.draw(GAPS))
                walk(child, (*path, key))
            out.add(data.draw(GAPS) + "}")
        elif isinstance(node, list):
            out.add("[")
            for number, child in enumerate(node):
                out.add(data.draw(GAPS) + ("," + data.draw(GAPS) if number else ""))
                walk(child, (*path, number))
            out.add(data.draw(GAPS) + "]")
        else:
            out.leaves[path] = out.size
            out.add(spell_scalar(node, data))

    walk(value, ())
    out.add(data.draw(GAPS))
    return out


def loads(text: str) -> Any:
    return json.loads(text.removeprefix("\ufeff"))


def replace_at(value: Any, path: Path, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: replace_at(v, rest, new) if k == head else v for k, v in value.items()}
    return [replace_at(v, rest, new) if i == head else v for i, v in enumerate(value)]


# -- properties ----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES, data=st.data())
def test_an_unchanged_value_gives_back_the_text_exactly(value: Any, data: st.DataObject) -> None:
    text = render(value, data).text
    document = parse(text)
    assert canonical(document.value) == canonical(loads(text)) == canonical(value)
    assert dumps_like(document.value, text) == text
    assert dumps_like(value, document) == text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=CONTAINERS, data=st.data())
def test_changing_one_scalar_changes_only_its_line(value: Any, data: st.DataObject) -> None:
    rendered = render(value, data)
    if not rendered.leaves:
        return
    text = rendered.text
    path = data.draw(st.sampled_from(sorted(rendered.leaves, key=repr)))
    old = loads(text)
    for part in path:
        old = old[part]
    new_leaf = data.draw(SCALARS.filter(lambda leaf: not same(leaf, old)))
    new_value = replace_at(loads(text), path, new_leaf)

    out = dumps_like(new_value, text)

    assert canonical(loads(out)) == canonical(new_value)
    line = text.count("\n", 0, rendered.leaves[path])
    before, after = text.split("\n"), out.split("\n")
    assert len(before) == len(after)
    assert [n for n, (a, b) in enumerate(zip(before, after)) if a != b] == [line]


def edit(value: Any, data: st.DataObject) -> Any:
    """Make one random edit somewhere in *value*: insert, delete, set or replace."""
    if isinstance(value, (dict, list)) and value and data.draw(st.booleans()):
        if isinstance(value, dict):
            key = data.draw(st.sampled_from(list(value)))
            return {k: edit(v, data) if k == key else v for k, v in value.items()}
        index = data.draw(st.integers(0, len(value) - 1))
        return [edit(v, data) if i == index else v for i, v in enumerate(value)]
    action = data.draw(st.sampled_from(["insert", "delete", "replace"]))
    if isinstance(value, dict) and action != "replace":
        if action == "delete" and value:
            gone = data.draw(st.sampled_from(list(value)))
            return {k: v for k, v in value.items() if k != gone}
        return {**value, data.draw(TEXT): data.draw(VALUES)}
    if isinstance(value, list) and action != "replace":
        if action == "delete" and value:
            index = data.draw(st.integers(0, len(value) - 1))
            return value[:index] + value[index + 1 :]
        index = data.draw(st.integers(0, len(value)))
        return value[:index] + [data.draw(VALUES)] + value[index:]
    return data.draw(VALUES)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=CONTAINERS, data=st.data())
def test_any_edits_give_text_that_says_the_new_value(value: Any, data: st.DataObject) -> None:
    text = render(value, data).text
    new_value = loads(text)
    for _ in range(data.draw(st.integers(1, 4))):
        new_value = edit(new_value, data)

    out = dumps_like(new_value, text)

    assert canonical(loads(out)) == canonical(new_value)
    assert out.startswith("\ufeff") == text.startswith("\ufeff")
    assert dumps_like(new_value, out) == out  # stable: a second write changes nothing


@settings(max_examples=300, deadline=None)
@given(value=VALUES, data=st.data())
def test_mutated_text_is_accepted_exactly_when_json_accepts_it(
    value: Any, data: st.DataObject
) -> None:
    text = render(value, data).text.removeprefix("\ufeff")
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 3))
        noise = data.draw(
            st.text(st.sampled_from('{}[],:"\\ -.0123456789eEtrufalsn\n'), max_size=3)
        )
        text = text[:at] + noise + text[at + cut :]
    try:
        expected = json.loads(text)
    except ValueError:  # JSONDecodeError, or an integer too long to convert
        with pytest.raises(JsonLayoutError):
            parse(text)
        return
    document = parse(text)
    assert canonical(document.value) == canonical(expected)
    assert dumps_like(document.value, document) == text


# -- layouts and cases ---------------------------------------------------------------------

NOTEBOOKISH = {
    "cells": [
        {"cell_type": "code", "id": "a1", "metadata": {}, "source": ["x = 1\n", "y = 2"]},
        {"cell_type": "markdown", "id": "b2", "metadata": {}, "source": ["# Café"]},
    ],
    "metadata": {"kernelspec": {"name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.mark.parametrize(
    ("layout", "text"),
    [
        ("jupyter", json.dumps(NOTEBOOKISH, indent=1, sort_keys=True, ensure_ascii=False) + "\n"),
        ("crlf", json.dumps(NOTEBOOKISH, indent=1, ensure_ascii=False).replace("\n", "\r\n")),
        ("tabs", json.dumps(NOTEBOOKISH, indent="\t", ensure_ascii=False) + "\n"),
        ("minified", json.dumps(NOTEBOOKISH, separators=(",", ":"), ensure_ascii=False)),
        ("escapes", json.dumps(NOTEBOOKISH, indent=2) + "\n"),
        ("bom", "\ufeff" + json.dumps(NOTEBOOKISH, indent=1, ensure_ascii=False) + "\n"),
    ],
)
def test_a_new_member_is_written_in_the_documents_style(layout: str, text: str) -> None:
    value = json.loads(text.removeprefix("\ufeff"))
    value["cells"][1]["metadata"]["tags"] = ["é"]
    out = dumps_like(value, text)
    expected = {
        "jupyter": ' "metadata": {\n    "tags": [\n     "é"\n    ]\n   },',
        "crlf": '"metadata": {\r\n    "tags": [\r\n     "é"\r\n    ]\r\n   },',
        "tabs": '"metadata": {\n\t\t\t\t"tags": [\n\t\t\t\t\t"é"\n\t\t\t\t]\n\t\t\t},',
        "minified": '"metadata":{"tags":["é"]},',
        "escapes": '"metadata": {\n        "tags": [\n          "\\u00e9"\n        ]\n      },',
        "bom": '"metadata": {\n    "tags": [\n     "é"\n    ]\n   },',
    }[layout]
    assert expected in out
    assert canonical(loads(out)) == canonical(value)


def test_a_new_key_goes_where_sorting_puts_it_only_in_a_sorted_object() -> None:
    sorted_text = '{\n "a": 1,\n "c": 3\n}'
    assert dumps_like({"a": 1, "c": 3, "b": 2}, sorted_text) == '{\n "a": 1,\n "b": 2,\n "c": 3\n}'
    unsorted_text = '{\n "c": 3,\n "a": 1\n}'
    assert (
        dumps_like({"c": 3, "a": 1, "b": 2}, unsorted_text) == '{\n "c": 3,\n "a": 1,\n "b": 2\n}'
    )


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("[1E5, 2]", [100000.0, 3], "[1E5, 3]"),  # an unchanged number keeps its spelling
        ('["\\u00e9", 1]', ["é", 2], '["\\u00e9", 2]'),
        ("[1, 2]", [1.0, 2], "[1.0, 2]"),  # 1 and 1.0 are different values
        ("[1, 2]", [True, 2], "[true, 2]"),
        ('{"a": [], "b": {}}', {"a": [1], "b": {"x": None}}, '{"a": [1], "b": {"x": null}}'),
        ('{"a": [1], "b": {"x": 1}}', {"a": [], "b": {}}, '{"a": [], "b": {}}'),
        ('{"a": 1, "a": 2}', {"a": 2}, '{"a": 1, "a": 2}'),  # duplicate keys: as json reads them
        ('{"a": 1, "a": 2}', {"a": 3}, '{"a": 3}'),
        ("[1, 2, 3, 4, 5]", [1, 9, 3, 4, 7, 5], "[1, 9, 3, 4, 7, 5]"),
        ("[\n  1,\n  2\n]", [0, 1, 2], "[\n  0,\n  1,\n  2\n]"),
        ("[\n  1,\n  2\n]", [2], "[\n  2\n]"),
        ("  7  ", 8, "  8  "),
    ],
)
def test_cases(text: str, value: Any, expected: str) -> None:
    assert dumps_like(value, text) == expected


def test_an_inserted_item_in_a_long_array_is_a_local_change() -> None:
    items = [{"id": n, "source": [f"line {n}"]} for n in range(20)]
    text = json.dumps(items, indent=1)
    new = items[:5] + [{"id": 99, "source": []}] + items[5:12] + items[13:]
    new[15] = {**new[15], "source": ["changed"]}
    out = dumps_like(new, text)
    assert json.loads(out) == new
    removed = [line for line in text.splitlines() if line not in out.splitlines()]
    assert all("12" in line or "line 15" in line for line in removed)


def test_deep_nesting_is_a_clean_error_not_a_recursion_error() -> None:
    with pytest.raises(JsonLayoutError, match="nested deeper than"):
        parse("[" * 100_000 + "]" * 100_000)
    deep = "[" * 999 + "1" + "]" * 999
    document = parse(deep)
    new: Any = 2
    for _ in range(999):
        new = [new]
    assert dumps_like(new, document) == deep.replace("1", "2")
    very_deep: Any = 1
    for _ in range(100_000):
        very_deep = [very_deep]
    with pytest.raises(JsonLayoutError, match="too deeply"):
        dumps_like(very_deep, "[0]")


@pytest.mark.parametrize(
    "text", ["", "{", '{"a" 1}', "[1,]", "01", "[1 2]", '"\\x"', "nul", '{"a":1}}', "\ufeff\ufeff1"]
)
def test_bad_json_is_a_located_error(text: str) -> None:
    with pytest.raises(JsonLayoutError, match=r"not valid JSON: .* \(line 1, column \d+\)"):
        parse(text)
