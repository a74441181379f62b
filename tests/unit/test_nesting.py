"""How deeply parsed JSON nests: the level-by-level count agrees with the definition."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from nb2pkg.nesting import deepest_nesting, depth_of

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=30,
)


def reference(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(reference, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(reference, value), default=0)
    return 0


@given(json_values)
def test_depth_is_the_count_of_nested_containers(value: Any) -> None:
    assert depth_of(value) == reference(value)
    assert deepest_nesting(json.dumps(value))[1] == reference(value)


def test_deep_values_are_measured_without_recursion() -> None:
    value: Any = []
    for _ in range(50_000):
        value = [value, "text"]
    assert depth_of(value) == 50_001
