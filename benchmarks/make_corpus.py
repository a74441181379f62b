#!/usr/bin/env python3
"""Generate a large, realistic notebook project to benchmark nb2pkg on.

    python benchmarks/make_corpus.py OUTDIR [--notebooks 200] [--lines 58000] [--seed 0]
                                            [--style nb2pkg|nbdev2] [--validate]

The project is a package ``benchpkg`` written in notebooks under ``OUTDIR/nbs`` (some in
``nbs/sub`` and ``nbs/sub/inner``), configured either by ``pyproject.toml`` with
``[tool.nb2pkg]`` or, with ``--style nbdev2``, by an nbdev 2 ``settings.ini``. The notebooks
look like saved work: titles and prose, ``#| default_exp``/``export``/``exporti``/``exports``/
``hide`` cells, imports of earlier modules of the package (named, aliased and star imports),
a few cells exported to another notebook's module, test cells with asserts, and outputs with
execution counts in about two notebooks out of three.

Every exported module imports only modules exported before it and no third-party package at
import time (numpy and pandas are imported inside functions, or optionally under
``try/except ImportError``), so the exported package imports with the standard library alone.
Asserts and outputs are computed by running the generated code while generating it, so the
notebooks also pass when run top to bottom. The same arguments give byte-identical files.
"""

from __future__ import annotations

import argparse
import ast
import random
import string
import sys
import time
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_notebook

PACKAGE = "benchpkg"
DESCRIPTION = "A generated notebook project for benchmarking nb2pkg."
EPOCH = 1_704_067_200  # 2024-01-01T00:00:00Z, start of the fake execution timestamps


def _vocab(words: str) -> tuple[str, ...]:
    return tuple(words.split())


VERBS = _vocab(
    "build parse load merge split scale filter collect render normalize resolve encode "
    "decode count group rank score clean format expand compact index match select convert "
    "validate measure summarize pack unpack align sample window chunk order tag trim "
    "weigh route label"
)
ADJECTIVES = _vocab(
    "raw clean nested sparse dense sorted unique cached partial default local remote "
    "daily recent valid stale primary shared simple weighted grouped flat short long "
    "active pending final initial extra common"
)
NOUNS = _vocab(
    "record token column table frame batch event metric window label path config setting "
    "item entry node edge graph score sample series value field header row cell block "
    "chunk query result report summary schedule task job queue cache bucket range span "
    "vector matrix point shape image pixel word sentence document page section user "
    "account order invoice payment price rate unit tag"
)
CLASS_SUFFIXES = _vocab(
    "Parser Registry Builder Store Index Counter Tracker Spec Plan Profile Summary Window "
    "Policy Loader Checker"
)
CONST_KINDS = _vocab(
    "LIMIT SIZE TIMEOUT RETRIES PREFIX SUFFIX SEPARATOR THRESHOLD DEFAULTS NAMES WIDTH STEP"
)
STATUSES = _vocab("done failed pending skipped retrying queued cancelled")
WORDS = _vocab(
    "alpha beta gamma delta omega north south red green blue apple pear plum river stone "
    "cloud spark orbit maple cedar"
)


# --------------------------------------------------------------------------------------
# Values passed between the stages
# --------------------------------------------------------------------------------------


@dataclass
class Snippet:
    """One exported definition: its code, what it needs, and how to try it."""

    code: str
    names: list[str]
    title: str
    blurb: str
    imports: list[tuple[str, ...]] = field(default_factory=list)
    probes: list[str] = field(default_factory=list)
    helper: str | None = None  # an `exporti` cell placed before the code
    typing_only: list[str] = field(default_factory=list)  # imports under `if TYPE_CHECKING:`
    call: tuple[str, str] | None = None  # (name, args): a call with a literal result


@dataclass
class Callee:
    """A callable of an earlier module, as the importing module spells it."""

    expr: str  # e.g. "count_tokens" or "m4.count_tokens"
    name: str
    args: str


@dataclass
class ModuleInfo:
    """What later notebooks may import from an exported module."""

    name: str  # dotted, relative to the package: "mod004" or "sub.mod005"
    namespace: dict[str, Any]
    calls: list[tuple[str, str]]


@dataclass
class Stats:
    """Figures about the written corpus."""

    notebooks: int = 0
    cells: int = 0
    code_cells: int = 0
    code_lines: int = 0
    exported_lines: int = 0
    bytes: int = 0


class Namer:
    """Hand out identifiers that are unique across the whole corpus."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def unique(self, make: Callable[[], str]) -> str:
        """Return the first unused name `make` gives, or one with a numeric suffix."""
        for _ in range(30):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        base, n = make(), 2
        while f"{base}_{n}" in self.used:
            n += 1
        self.used.add(f"{base}_{n}")
        return f"{base}_{n}"

    def func(self) -> str:
        r = self.rng
        if r.random() < 0.4:
            return self.unique(
                lambda: f"{r.choice(VERBS)}_{r.choice(ADJECTIVES)}_{r.choice(NOUNS)}"
            )
        return self.unique(lambda: f"{r.choice(VERBS)}_{r.choice(NOUNS)}")

    def cls(self) -> str:
        r = self.rng

        def make() -> str:
            return r.choice(ADJECTIVES).title() + r.choice(NOUNS).title() + r.choice(CLASS_SUFFIXES)

        return self.unique(make)

    def const(self) -> str:
        r = self.rng
        return self.unique(lambda: f"{r.choice(NOUNS).upper()}_{r.choice(CONST_KINDS)}")


def _fill(template: str, **values: object) -> str:
    """Fill a `$name` template: code is full of braces, so str.format is the wrong tool."""
    return string.Template(template).substitute({k: str(v) for k, v in values.items()})


def _plural(noun: str) -> str:
    if noun.endswith("s"):
        return noun
    if noun.endswith(("x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def _words(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(WORDS) for _ in range(n)]


# --------------------------------------------------------------------------------------
# Templates for exported definitions. Each returns a Snippet for fresh names.
# --------------------------------------------------------------------------------------


def t_scale(rng: random.Random, nm: Namer) -> Snippet:
    name, factor, floor = nm.func(), rng.choice((2, 3, 0.5, 1.5)), rng.randint(1, 5)
    code = _fill(
        '''def $name(values: list[float], factor: float = $factor) -> list[float]:
    """Multiply each of `values` by `factor` and keep the results of at least $floor."""
    result = []
    for value in values:
        scaled = value * factor
        if scaled >= $floor:
            result.append(round(scaled, 3))
    return result''',
        name=name,
        factor=factor,
        floor=floor,
    )
    args = repr([rng.randint(0, 9) for _ in range(rng.randint(3, 6))])
    return Snippet(
        code,
        [name],
        f"Scaling with `{name}`",
        "Values below the floor are dropped.",
        probes=[f"{name}({args})", f"{name}([])"],
        call=(name, args),
    )


def t_normalize(rng: random.Random, nm: Namer) -> Snippet:
    name, sep, case = (
        nm.func(),
        rng.choice(("-", "_", " ", ".")),
        rng.choice(("lower", "upper", "title")),
    )
    code = _fill(
        '''def $name(text: str) -> str:
    """Collapse runs of whitespace in `text`, join the words with "$sep" and $case-case them."""
    words = re.split(r"\\s+", text.strip())
    return "$sep".join(word for word in words if word).$case()''',
        name=name,
        sep=sep,
        case=case,
    )
    sample = "  ".join(_words(rng, 3))
    return Snippet(
        code,
        [name],
        "Normalising text",
        f"`{name}` gives names a canonical form.",
        imports=[("import", "re")],
        probes=[f"{name}({sample!r})", f'{name}("")'],
        call=(name, repr(sample)),
    )


def t_count(rng: random.Random, nm: Namer) -> Snippet:
    name, top = nm.func(), rng.randint(2, 4)
    code = _fill(
        '''def $name(words: Iterable[str], top: int = $top) -> list[tuple[str, int]]:
    """Return the `top` most frequent of `words` with their counts, most frequent first."""
    counts = Counter(word.lower() for word in words)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:top]''',
        name=name,
        top=top,
    )
    sample = " ".join(_words(rng, 8))
    return Snippet(
        code,
        [name],
        "Counting",
        "Ties are broken alphabetically so the result is stable.",
        imports=[("from", "collections", "Counter"), ("from", "collections.abc", "Iterable")],
        probes=[f"{name}({sample!r}.split())"],
        call=(name, f"{sample!r}.split()"),
    )


def t_json(rng: random.Random, nm: Namer) -> Snippet:
    name, key = nm.func(), rng.choice(WORDS)
    code = _fill(
        '''def $name(payload: str, default: dict[str, Any] | None = None) -> dict[str, Any]:
    """Parse `payload` as a JSON object; return a copy of `default` if it is not one.

    The key "$key" is always present in the result.
    """
    try:
        data = json.loads(payload)
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        data = dict(default or {})
    data.setdefault("$key", None)
    return data''',
        name=name,
        key=key,
    )
    good = '{"a": 1, "b": [1, 2]}'
    return Snippet(
        code,
        [name],
        "Reading JSON",
        "Malformed input falls back to the default.",
        imports=[("import", "json"), ("from", "typing", "Any")],
        probes=[f"{name}({good!r})", f'{name}("not json", {{"x": 1}})'],
        call=(name, repr(good)),
    )


def t_chunks(rng: random.Random, nm: Namer) -> Snippet:
    name, size = nm.func(), rng.randint(2, 5)
    code = _fill(
        '''def $name(items: Iterable[T], size: int = $size) -> Iterator[list[T]]:
    """Yield successive lists of `size` items; the last one may be shorter."""
    if size < 1:
        raise ValueError(f"size must be positive, not {size}")
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch''',
        name=name,
        size=size,
    )
    n = rng.randint(5, 11)
    return Snippet(
        code,
        [name],
        "Batches",
        f"`{name}` is lazy, so it works on endless streams too.",
        imports=[
            ("import", "itertools"),
            ("from", "collections.abc", "Iterable"),
            ("from", "collections.abc", "Iterator"),
            ("from", "typing", "TypeVar"),
        ],
        probes=[f"list({name}(range({n})))"],
    )


def t_memo(rng: random.Random, nm: Namer) -> Snippet:
    name, step = nm.func(), rng.randint(3, 5)
    code = _fill(
        '''@functools.lru_cache(maxsize=None)
def $name(n: int) -> int:
    """Count the ways to climb `n` stairs taking 1, 2 or $step steps at a time."""
    if n < 0:
        return 0
    if n == 0:
        return 1
    return $name(n - 1) + $name(n - 2) + $name(n - $step)''',
        name=name,
        step=step,
    )
    n = rng.randint(5, 25)
    return Snippet(
        code,
        [name],
        "Counting paths",
        "The cache turns an exponential recursion linear.",
        imports=[("import", "functools")],
        probes=[f"{name}({n})", f"{name}(0)"],
        call=(name, str(n)),
    )


def t_paths(rng: random.Random, nm: Namer) -> Snippet:
    name, folder, ext = (
        nm.func(),
        rng.choice(("processed", "cache", "out", "staging")),
        rng.choice(("parquet", "json", "txt")),
    )
    code = _fill(
        '''def $name(source: str, folder: str = "$folder", suffix: str = ".$ext") -> str:
    """Return where the processed form of `source` goes: a sibling `folder`, new `suffix`."""
    path = PurePosixPath(source)
    parent = path.parent.parent if path.parent.name == "raw" else path.parent
    return str(parent / folder / path.with_suffix(suffix).name)''',
        name=name,
        folder=folder,
        ext=ext,
    )
    sample = f"data/raw/{rng.choice(WORDS)}.csv"
    return Snippet(
        code,
        [name],
        "Output paths",
        "Paths are computed, never touched on disk.",
        imports=[("from", "pathlib", "PurePosixPath")],
        probes=[f"{name}({sample!r})"],
        call=(name, repr(sample)),
    )


def t_stats(rng: random.Random, nm: Namer) -> Snippet:
    name, digits = nm.func(), rng.randint(1, 3)
    code = _fill(
        '''def $name(values: Sequence[float]) -> dict[str, float]:
    """Return the mean, median and spread of `values`, rounded to $digits digits."""
    if not values:
        return {"mean": 0.0, "median": 0.0, "spread": 0.0}
    return {
        "mean": round(statistics.fmean(values), $digits),
        "median": round(float(statistics.median(values)), $digits),
        "spread": round(max(values) - min(values), $digits),
    }''',
        name=name,
        digits=digits,
    )
    args = repr([rng.randint(1, 50) for _ in range(rng.randint(3, 7))])
    return Snippet(
        code,
        [name],
        "Summary statistics",
        "Empty input gives zeros rather than an error.",
        imports=[("import", "statistics"), ("from", "collections.abc", "Sequence")],
        probes=[f"{name}({args})"],
        call=(name, args),
    )


def t_merge(rng: random.Random, nm: Namer) -> Snippet:
    name = nm.func()
    code = _fill(
        '''def $name(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge `override` into a copy of `base`, recursing into dictionaries found in both."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(merged.get(key), dict) and isinstance(value, dict):
            merged[key] = $name(merged[key], value)
        else:
            merged[key] = value
    return merged''',
        name=name,
    )
    a, b = rng.sample(WORDS, 2)
    args = f'{{"{a}": {{"x": 1, "y": 2}}, "{b}": 3}}, {{"{a}": {{"y": 5}}}}'
    return Snippet(
        code,
        [name],
        "Merging settings",
        "Nested tables merge key by key.",
        imports=[("from", "typing", "Any")],
        probes=[f"{name}({args})"],
        call=(name, args),
    )


def t_async(rng: random.Random, nm: Namer) -> Snippet:
    name, offset = nm.func(), rng.randint(0, 9)
    code = _fill(
        '''async def $name(count: int = 3, delay: float = 0.0) -> list[int]:
    """Produce `count` values, giving the event loop a turn between them."""
    results = []
    for i in range(count):
        await asyncio.sleep(delay)
        results.append(i * i + $offset)
    return results''',
        name=name,
        offset=offset,
    )
    return Snippet(
        code,
        [name],
        "Asynchronous producers",
        "Call it with `await`, or through `asyncio.run`.",
        imports=[("import", "asyncio")],
        probes=[f"asyncio.run({name}({rng.randint(2, 5)}))"],
    )


def t_table(rng: random.Random, nm: Namer) -> Snippet:
    name, width = nm.func(), rng.randint(6, 12)
    code = _fill(
        '''def $name(rows: Iterable[tuple[str, float]], width: int = $width) -> str:
    """Render `rows` as two aligned columns: labels left, values right with two decimals."""
    lines = []
    for label, value in rows:
        shown = textwrap.shorten(label, width=width, placeholder="…")
        lines.append(f"{shown:<{width}}{value:>10.2f}")
    return "\\n".join(lines)''',
        name=name,
        width=width,
    )
    rows = repr([(w, rng.randint(1, 999) / 10) for w in _words(rng, 3)])
    return Snippet(
        code,
        [name],
        "Plain-text tables",
        "Long labels are shortened, not wrapped.",
        imports=[("import", "textwrap"), ("from", "collections.abc", "Iterable")],
        probes=[f"{name}({rows})"],
        call=(name, rows),
    )


def t_choice(rng: random.Random, nm: Namer) -> Snippet:
    name = nm.func()
    allowed = tuple(rng.sample(WORDS, 3))
    code = _fill(
        '''def $name(value: str, allowed: tuple[str, ...] = $allowed) -> str:
    """Return `value` stripped and lower-cased; raise ValueError unless it is `allowed`."""
    candidate = value.strip().lower()
    if candidate not in allowed:
        raise ValueError(f"{value!r} is not one of: {', '.join(allowed)}")
    return candidate''',
        name=name,
        allowed=repr(allowed),
    )
    sample = f" {allowed[1].upper()} "
    return Snippet(
        code,
        [name],
        "Validating choices",
        "The error message lists what is allowed.",
        probes=[f"{name}({sample!r})"],
        call=(name, repr(sample)),
    )


def t_dates(rng: random.Random, nm: Namer) -> Snippet:
    name, days = nm.func(), rng.randint(1, 90)
    code = _fill(
        '''def $name(day: str, days: int = $days, skip_weekends: bool = True) -> str:
    """Return the ISO date `days` days after `day`, moved past a weekend if asked."""
    result = datetime.date.fromisoformat(day) + datetime.timedelta(days=days)
    while skip_weekends and result.weekday() >= 5:
        result += datetime.timedelta(days=1)
    return result.isoformat()''',
        name=name,
        days=days,
    )
    sample = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return Snippet(
        code,
        [name],
        "Due dates",
        "Dates travel as ISO strings.",
        imports=[("import", "datetime")],
        probes=[f"{name}({sample!r})"],
        call=(name, repr(sample)),
    )


def t_digest(rng: random.Random, nm: Namer) -> Snippet:
    name, size = nm.func(), rng.choice((8, 12, 16))
    code = _fill(
        '''def $name(*parts: str, size: int = $size) -> str:
    """Return a short, stable fingerprint of `parts` (hex, `size` characters)."""
    digest = hashlib.sha256("\\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:size]''',
        name=name,
        size=size,
    )
    args = ", ".join(repr(w) for w in _words(rng, 2))
    return Snippet(
        code,
        [name],
        "Fingerprints",
        "Equal inputs give equal fingerprints across runs.",
        imports=[("import", "hashlib")],
        probes=[f"{name}({args})"],
        call=(name, args),
    )


def t_buckets(rng: random.Random, nm: Namer) -> Snippet:
    name = nm.func()
    bounds = sorted(rng.sample(range(5, 100), 4))
    labels = rng.sample(WORDS, 5)
    code = _fill(
        '''def $name(value: float, bounds: Sequence[float] = $bounds, labels: Sequence[str] = $labels) -> str:
    """Return the label of the bucket `value` falls into; `bounds` are upper limits."""
    return labels[bisect.bisect_right(bounds, value)]''',
        name=name,
        bounds=tuple(bounds),
        labels=tuple(labels),
    )
    v = rng.randint(0, 110)
    return Snippet(
        code,
        [name],
        "Buckets",
        "A value on a bound goes into the higher bucket.",
        imports=[("import", "bisect"), ("from", "collections.abc", "Sequence")],
        probes=[f"{name}({v})", f"{name}({bounds[0]})"],
        call=(name, str(v)),
    )


def t_sort_records(rng: random.Random, nm: Namer) -> Snippet:
    name, key = nm.func(), rng.choice(("size", "score", "rank"))
    code = _fill(
        '''def $name(records: Iterable[dict[str, Any]], key: str = "$key", reverse: bool = False) -> list[dict[str, Any]]:
    """Return `records` sorted by `key`; records without it come last."""
    present = [r for r in records if key in r]
    missing = [r for r in records if key not in r]
    return sorted(present, key=operator.itemgetter(key), reverse=reverse) + missing''',
        name=name,
        key=key,
    )
    recs = [{"name": w, key: rng.randint(1, 9)} for w in rng.sample(WORDS, 3)] + [{"name": "none"}]
    return Snippet(
        code,
        [name],
        "Ordering records",
        "Sorting is stable, so equal keys keep their order.",
        imports=[
            ("import", "operator"),
            ("from", "collections.abc", "Iterable"),
            ("from", "typing", "Any"),
        ],
        probes=[f"{name}({recs!r})"],
        call=(name, repr(recs)),
    )


def t_dispatch(rng: random.Random, nm: Namer) -> Snippet:
    """A long if/elif chain: the kind of large cell that real projects also have."""
    name, n = nm.func(), rng.randint(5, 40)
    codes = [f"{rng.choice('abcdefgh')}{i:02d}" for i in range(n)]
    branches = []
    for i, code in enumerate(codes):
        word = "if" if i == 0 else "elif"
        msg = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(STATUSES)}"
        branches.append(f'    {word} code == "{code}":\n        return "{msg}"')
    body = "\n".join(branches)
    code = (
        f"def {name}(code: str) -> str:\n"
        f'    """Translate a status `code` into a message for people."""\n'
        f'    code = code.strip().lower()\n{body}\n    return f"unknown status {{code!r}}"'
    )
    pick = rng.choice(codes)
    return Snippet(
        code,
        [name],
        "Status messages",
        f"{n} codes are known so far.",
        probes=[f"{name}({pick.upper()!r})", f'{name}("zz")'],
        call=(name, repr(pick)),
    )


def t_table_const(rng: random.Random, nm: Namer) -> Snippet:
    """A big annotated constant, as generated lookup tables look."""
    name, n = nm.const(), rng.randint(8, 45)
    keys = rng.sample([f"{w}_{i}" for w in WORDS for i in range(4)], n)
    rows = "\n".join(f'    "{k}": ({rng.randint(0, 999)}, "{rng.choice(NOUNS)}"),' for k in keys)
    code = f"{name}: dict[str, tuple[int, str]] = {{\n{rows}\n}}"
    return Snippet(
        code,
        [name],
        "Lookup table",
        f"`{name}` maps a key to a code and a kind.",
        probes=[f"len({name})", f"{name}[{keys[0]!r}]"],
    )


def t_dataclass(rng: random.Random, nm: Namer) -> Snippet:
    cls, size, factor = nm.cls(), rng.randint(1, 9), rng.randint(2, 4)
    code = _fill(
        '''@dataclass
class $cls:
    """A named item with a size and free-form tags."""

    name: str
    size: int = $size
    tags: list[str] = field(default_factory=list)

    def add_tag(self, tag: str) -> $cls:
        """Add `tag` unless it is already there; return self for chaining."""
        if tag not in self.tags:
            self.tags.append(tag)
        return self

    @property
    def label(self) -> str:
        """A short label: `name:size`."""
        return f"{self.name}:{self.size}"

    def scaled(self, factor: int = $factor) -> $cls:
        """Return a copy whose size is multiplied by `factor`."""
        return $cls(self.name, self.size * factor, list(self.tags))''',
        cls=cls,
        size=size,
        factor=factor,
    )
    # The class refers to itself in annotations, which needs postponed evaluation.
    code = code.replace(f") -> {cls}:", f') -> "{cls}":')
    w = rng.choice(WORDS)
    return Snippet(
        code,
        [cls],
        f"The `{cls}` record",
        "A plain dataclass: equality and repr come free.",
        imports=[("from", "dataclasses", "dataclass"), ("from", "dataclasses", "field")],
        probes=[
            f"{cls}({w!r}, 3).label",
            f'{cls}({w!r}).add_tag("x").add_tag("x").tags',
            f"{cls}({w!r}, 2).scaled().size",
        ],
    )


def t_counter_class(rng: random.Random, nm: Namer) -> Snippet:
    cls, limit = nm.cls(), rng.randint(3, 20)
    code = _fill(
        '''class $cls:
    """Count occurrences by key, never beyond `limit`."""

    def __init__(self, limit: int = $limit) -> None:
        self.limit = limit
        self._counts: dict[str, int] = {}

    def add(self, key: str, amount: int = 1) -> int:
        """Add `amount` to `key`'s count, capped at the limit; return the new count."""
        value = min(self._counts.get(key, 0) + amount, self.limit)
        self._counts[key] = value
        return value

    def most_common(self, n: int = 3) -> list[tuple[str, int]]:
        """Return the `n` largest counts, ties broken by key."""
        return sorted(self._counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    @classmethod
    def from_words(cls, words: Iterable[str], limit: int = $limit) -> "$cls":
        """Build a counter with one count per word."""
        counter = cls(limit)
        for word in words:
            counter.add(word)
        return counter

    def __len__(self) -> int:
        return len(self._counts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(limit={self.limit}, keys={len(self)})"''',
        cls=cls,
        limit=limit,
    )
    sample = " ".join(_words(rng, 7))
    return Snippet(
        code,
        [cls],
        f"Counting with `{cls}`",
        "Counts saturate at the limit instead of growing.",
        imports=[("from", "collections.abc", "Iterable")],
        probes=[f"{cls}.from_words({sample!r}.split()).most_common(2)", f"repr({cls}(5))"],
    )


def t_enum(rng: random.Random, nm: Namer) -> Snippet:
    cls = nm.cls()
    members = rng.sample(WORDS, rng.randint(3, 6))
    lines = "\n".join(f'    {m.upper()} = "{m}"' for m in members)
    code = (
        f"class {cls}(Enum):\n"
        f'    """The kinds a value can have."""\n\n{lines}\n\n'
        "    @classmethod\n"
        f'    def parse(cls, text: str) -> "{cls}":\n'
        '        """Return the member whose value is `text`, ignoring case and spaces."""\n'
        "        for member in cls:\n"
        "            if member.value == text.strip().lower():\n"
        "                return member\n"
        '        raise ValueError(f"unknown kind: {text!r}")'
    )
    pick = rng.choice(members)
    return Snippet(
        code,
        [cls],
        "Kinds",
        f"`{cls}.parse` is forgiving about case.",
        imports=[("from", "enum", "Enum")],
        probes=[f"{cls}.parse({' ' + pick.upper()!r}).name", f"len({cls})"],
    )


def t_point(rng: random.Random, nm: Namer) -> Snippet:
    cls = nm.cls()
    code = _fill(
        '''class $cls(NamedTuple):
    """A position in the plane."""

    x: float
    y: float

    def distance(self, other: "$cls") -> float:
        """Return the straight-line distance to `other`."""
        return math.hypot(self.x - other.x, self.y - other.y)

    def moved(self, dx: float = 0.0, dy: float = 0.0) -> "$cls":
        """Return this point shifted by (`dx`, `dy`)."""
        return self._replace(x=self.x + dx, y=self.y + dy)''',
        cls=cls,
    )
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    return Snippet(
        code,
        [cls],
        "Points",
        "Named tuples keep points hashable and cheap.",
        imports=[("import", "math"), ("from", "typing", "NamedTuple")],
        probes=[f"{cls}(0, 0).distance({cls}({a}, {b}))", f"tuple({cls}(1, 2).moved(dx={a}))"],
    )


def t_helper_pair(rng: random.Random, nm: Namer) -> Snippet:
    """A public function with an `exporti` helper cell before it."""
    helper, name = "_" + nm.func(), nm.func()
    helper_code = _fill(
        '''def $helper(text: str) -> list[str]:
    """Split `text` on commas and semicolons, dropping blank parts."""
    return [part.strip() for part in re.split(r"[,;]", text) if part.strip()]''',
        helper=helper,
    )
    code = _fill(
        '''def $name(text: str) -> dict[str, int]:
    """Map each item listed in `text` to its length."""
    return {item: len(item) for item in $helper(text)}''',
        name=name,
        helper=helper,
    )
    sample = ", ".join(_words(rng, 2)) + "; " + rng.choice(WORDS)
    return Snippet(
        code,
        [name],
        "Item lists",
        f"The splitting lives in a private helper, `{helper}`.",
        imports=[("import", "re")],
        helper=helper_code,
        probes=[f"{name}({sample!r})"],
        call=(name, repr(sample)),
    )


def t_numpy(rng: random.Random, nm: Namer) -> Snippet:
    name = nm.func()
    code = _fill(
        '''def $name(values: Sequence[float]) -> tuple[float, float]:
    """Return the mean and standard deviation of `values` (needs numpy)."""
    import numpy as np

    array = np.asarray(values, dtype=float)
    return float(array.mean()), float(array.std())''',
        name=name,
    )
    return Snippet(
        code,
        [name],
        "With numpy",
        "numpy is imported only when the function runs.",
        imports=[("from", "collections.abc", "Sequence")],
    )


def t_pandas(rng: random.Random, nm: Namer) -> Snippet:
    name = nm.func()
    code = _fill(
        '''def $name(records: list[dict[str, Any]], by: str | None = None) -> "pandas.DataFrame":
    """Return `records` as a DataFrame sorted by `by` (default: the first column); needs pandas."""
    import pandas as pd

    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return frame
    return frame.sort_values(by=by or frame.columns[0]).reset_index(drop=True)''',
        name=name,
    )
    return Snippet(
        code,
        [name],
        "With pandas",
        "pandas is imported only when the function runs.",
        imports=[("from", "typing", "Any"), ("from", "typing", "TYPE_CHECKING")],
        typing_only=["import pandas"],
    )


def t_optional_numpy(rng: random.Random, nm: Namer) -> Snippet:
    """Uses the module's optional `np`, imported under try/except ImportError."""
    name = nm.func()
    code = _fill(
        '''def $name(values: Sequence[float]) -> list[float]:
    """Return `values` scaled to sum to one, with numpy when it is installed."""
    total = sum(values)
    if not total:
        return [0.0 for _ in values]
    if np is not None:
        return [float(v) for v in np.asarray(values, dtype=float) / total]
    return [v / total for v in values]''',
        name=name,
    )
    args = repr([rng.randint(1, 8) for _ in range(4)])
    return Snippet(
        code,
        [name],
        "Shares",
        "Works with or without numpy.",
        imports=[("from", "collections.abc", "Sequence")],
        probes=[f"{name}({args})"],
    )


def t_wrapper(rng: random.Random, nm: Namer, callee: Callee) -> Snippet:
    """A function built on a callable imported from an earlier module."""
    name = nm.func()
    if rng.random() < 0.5:
        code = _fill(
            '''def $name(times: int = 2) -> list[Any]:
    """Collect `times` results of `$callee` on its reference input."""
    return [$expr($args) for _ in range(times)]''',
            name=name,
            callee=callee.name,
            expr=callee.expr,
            args=callee.args,
        )
        probes = [f"len({name}(3))", f"{name}(1)"]
    else:
        code = _fill(
            '''def $name(label: str = "$callee") -> dict[str, Any]:
    """Describe what `$callee` returns for its reference input."""
    result = $expr($args)
    kind = type(result).__name__
    size = len(result) if hasattr(result, "__len__") else None
    return {"label": label, "kind": kind, "size": size}''',
            name=name,
            callee=callee.name,
            expr=callee.expr,
            args=callee.args,
        )
        probes = [f"{name}()"]
    return Snippet(
        code,
        [name],
        f"Building on `{callee.name}`",
        "This reuses an earlier module.",
        imports=[("from", "typing", "Any")],
        probes=probes,
        call=(name, ""),
    )


TEMPLATES: list[tuple[Callable[[random.Random, Namer], Snippet], int]] = [
    (t_scale, 6),
    (t_normalize, 6),
    (t_count, 5),
    (t_json, 4),
    (t_chunks, 4),
    (t_memo, 3),
    (t_paths, 4),
    (t_stats, 4),
    (t_merge, 3),
    (t_async, 2),
    (t_table, 3),
    (t_choice, 4),
    (t_dates, 3),
    (t_digest, 3),
    (t_buckets, 3),
    (t_sort_records, 3),
    (t_dispatch, 4),
    (t_table_const, 2),
    (t_dataclass, 4),
    (t_counter_class, 3),
    (t_enum, 3),
    (t_point, 2),
    (t_helper_pair, 4),
    (t_numpy, 1),
    (t_pandas, 1),
]
# Cells exported into another notebook's module carry their imports with them.
SELF_CONTAINED = [t_scale, t_choice, t_dispatch, t_merge, t_table_const]


# --------------------------------------------------------------------------------------
# Running the generated code, so that asserts and outputs are true
# --------------------------------------------------------------------------------------


def _result(value: object) -> nbformat.NotebookNode:
    """An execute_result output as IPython shows `value`; its count is set when stamped."""
    return nbformat.from_dict(
        {
            "output_type": "execute_result",
            "execution_count": None,
            "data": {"text/plain": repr(value)},
            "metadata": {},
        }
    )


def _stdout(text: str) -> nbformat.NotebookNode:
    return nbformat.from_dict({"output_type": "stream", "name": "stdout", "text": text})


def _is_literal(value: object) -> bool:
    try:
        return bool(ast.literal_eval(repr(value)) == value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False


def _run(source: str, ns: dict[str, Any]) -> None:
    """Execute generated code as a notebook would (this file's __future__ flags left out)."""
    exec(compile(source, "<generated>", "exec", dont_inherit=True), ns)


def _evaluate(expr: str, ns: dict[str, Any]) -> Any:
    return eval(compile(expr, "<probe>", "eval", dont_inherit=True), ns)


# --------------------------------------------------------------------------------------
# Notebook assembly
# --------------------------------------------------------------------------------------


class NotebookBuilder:
    """Collect the cells of one notebook, with outputs when it counts as executed."""

    def __init__(self, rng: random.Random, executed: bool) -> None:
        self.rng = rng
        self.executed = executed
        self.cells: list[nbformat.NotebookNode] = []
        self.count = 0
        self.ids: set[str] = set()
        self.clock = EPOCH + rng.randint(0, 300 * 86400)

    def _id(self) -> str:
        while (cell_id := f"{self.rng.getrandbits(32):08x}") in self.ids:
            pass
        self.ids.add(cell_id)
        return cell_id

    # Cells are built as nbformat.v4.new_*_cell builds them, minus two things: their ids
    # come from the seeded generator (nbformat's are random), and they are not validated
    # one by one (jsonschema per cell takes most of the run); whole notebooks are validated.

    def markdown(self, text: str) -> None:
        cell = {"cell_type": "markdown", "id": self._id(), "metadata": {}, "source": text}
        self.cells.append(nbformat.from_dict(cell))

    def code(self, source: str, outputs: list[nbformat.NotebookNode] | None = None) -> None:
        cell = nbformat.from_dict(
            {
                "cell_type": "code",
                "id": self._id(),
                "metadata": {},
                "source": source,
                "outputs": [],
                "execution_count": None,
            }
        )
        if self.executed:
            self.count += 1
            cell.execution_count = self.count
            cell.outputs = [self._stamp(o) for o in outputs or []]
            if self.rng.random() < 0.3:
                cell.metadata = self._timing()
        self.cells.append(cell)

    def _stamp(self, output: nbformat.NotebookNode) -> nbformat.NotebookNode:
        if output.output_type == "execute_result":
            output.execution_count = self.count
        return output

    def _timing(self) -> dict[str, Any]:
        """Volatile metadata as JupyterLab records it; `nb2pkg clean` strips it."""
        self.clock += self.rng.randint(1, 600)
        start = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.clock))
        ms = self.rng.randint(0, 999)
        stamp = f"{start}.{ms:03d}Z"
        return {
            "execution": {
                "iopub.execute_input": stamp,
                "iopub.status.busy": stamp,
                "iopub.status.idle": stamp,
                "shell.execute_reply": stamp,
            }
        }

    def notebook(self) -> nbformat.NotebookNode:
        metadata = {
            "kernelspec": {
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "name": "python3",
            },
            "language_info": {
                "codemirror_mode": {"name": "ipython", "version": 3},
                "file_extension": ".py",
                "mimetype": "text/x-python",
                "name": "python",
                "nbconvert_exporter": "python",
                "pygments_lexer": "ipython3",
                "version": "3.11.7",
            },
        }
        nb = new_notebook(cells=self.cells, metadata=metadata)
        nbformat.validate(nb)
        return nb


def _render_imports(imports: list[tuple[str, ...]]) -> list[str]:
    plain = sorted({imp[1] for imp in imports if imp[0] == "import"})
    froms: dict[str, set[str]] = {}
    for imp in imports:
        if imp[0] == "from":
            froms.setdefault(imp[1], set()).add(imp[2])
    lines = [f"import {m}" for m in plain]
    lines += [f"from {m} import {', '.join(sorted(names))}" for m, names in sorted(froms.items())]
    return lines


def _directive(rng: random.Random, name: str) -> str:
    """Mostly `#| name`, sometimes the other spellings nbdev also accepts."""
    roll = rng.random()
    if roll < 0.04:
        return f"#|{name}"
    if roll < 0.07:
        return f"# | {name}"
    return f"#| {name}"


def _module_of(k: int) -> tuple[str, str]:
    """Return (subfolder of nbs/, dotted module name) of the k-th notebook."""
    if k % 25 == 13:
        return "sub/inner", f"sub.inner.mod{k:03d}"
    if k % 8 == 5:
        return "sub", f"sub.mod{k:03d}"
    return "", f"mod{k:03d}"


class CorpusGenerator:
    """Generate the notebooks one by one, each knowing the modules before it."""

    def __init__(self, seed: int, notebooks: int, lines: int) -> None:
        self.rng = random.Random(seed)
        self.namer = Namer(self.rng)
        self.n_modules = notebooks - 1  # plus index.ipynb
        self.modules: list[ModuleInfo] = []
        weights = [self.rng.lognormvariate(0, 0.45) for _ in range(self.n_modules)]
        self.budgets = [lines * w / sum(weights) for w in weights]
        self.written = 0

    # -- one module notebook ------------------------------------------------------------

    def module_notebook(self, k: int) -> tuple[str, nbformat.NotebookNode]:
        """Return the path under nbs/ and the notebook of the k-th module."""
        rng = self.rng
        folder, module = _module_of(k)
        # Budgets feed back the running error, so the total lands near the target.
        budget = sum(self.budgets[: k + 1]) - self.written
        topic = _plural(rng.choice(NOUNS))
        nb = NotebookBuilder(rng, executed=rng.random() < 0.65)
        ns: dict[str, Any] = {"__name__": f"{PACKAGE}.{module}"}

        callees, first_party = self._pick_upstream()
        optional_np = rng.random() < 0.12
        snippets = self._snippets(budget, callees)
        if optional_np:
            snippets.append(t_optional_numpy(rng, self.namer))

        self._intro_cells(nb, module, topic)
        self._imports_cell(nb, ns, snippets, first_party, callees)
        if optional_np:
            nb.code(
                "#| exporti\ntry:\n    import numpy as np\nexcept ImportError:  # numpy is optional\n    np = None"
            )
            ns["np"] = None
        if rng.random() < 0.6:
            self._constants_cell(nb, ns)
        calls = [call for snippet in snippets if (call := self._section(nb, ns, snippet))]
        if k >= 2 and rng.random() < 0.08:
            self._export_elsewhere(nb)
        if rng.random() < 0.3:
            nb.code("#| hide\nimport sys\n\nassert sys.version_info >= (3, 10)")

        self.modules.append(ModuleInfo(module, ns, calls))
        notebook = nb.notebook()
        self.written += sum(
            len(c.source.splitlines()) for c in notebook.cells if c.cell_type == "code"
        )
        name = f"{k:03d}_{topic}.ipynb"
        return (f"{folder}/{name}" if folder else name), notebook

    def _intro_cells(self, nb: NotebookBuilder, module: str, topic: str) -> None:
        rng = self.rng
        summary = f"{rng.choice(VERBS).title()} and {rng.choice(VERBS)} {topic}."
        nb.markdown(f"# {topic.title()}\n\n> {summary}")
        nb.code(f"{_directive(rng, 'default_exp')} {module}")
        if rng.random() < 0.5:
            nb.code("#| hide\nfrom pprint import pprint")
        if rng.random() < 0.4:
            nb.markdown(
                f"This notebook defines `{PACKAGE}.{module}`. "
                "Each section below adds one piece and shows it at work."
            )

    def _imports_cell(
        self,
        nb: NotebookBuilder,
        ns: dict[str, Any],
        snippets: list[Snippet],
        first_party: list[str],
        callees: list[Callee],
    ) -> None:
        """Write the module's imports in the usual groups; run them in `ns`."""
        imports = [imp for s in snippets for imp in s.imports]
        stdlib = "\n".join(_render_imports(imports))
        typing_only = sorted({line for s in snippets for line in s.typing_only})
        guarded = (
            "\n".join(["if TYPE_CHECKING:"] + [f"    {line}" for line in typing_only])
            if typing_only
            else ""
        )
        type_var = 'T = TypeVar("T")' if ("from", "typing", "TypeVar") in imports else ""
        parts = (stdlib, "\n".join(first_party), guarded, type_var)
        if header := "\n\n".join(part for part in parts if part):
            nb.code(f"{_directive(self.rng, 'export')}\n{header}")
            _run(f"{stdlib}\n{guarded}\n{type_var}", ns)  # first-party names are bound by hand
            for callee in callees:
                self._bind(ns, callee)

    def _snippets(self, budget: float, callees: list[Callee]) -> list[Snippet]:
        rng, snippets, lines = self.rng, [], 12  # the fixed cells take about a dozen lines
        funcs, weights = zip(*TEMPLATES)
        while lines < budget:
            if callees and rng.random() < 0.12:
                snippet = t_wrapper(rng, self.namer, rng.choice(callees))
            else:
                snippet = rng.choices(funcs, weights)[0](rng, self.namer)
            snippets.append(snippet)
            lines += snippet.code.count("\n") + 1 + 3 * len(snippet.probes) // 2
            if snippet.helper:
                lines += snippet.helper.count("\n") + 2
        return snippets

    def _pick_upstream(self) -> tuple[list[Callee], list[str]]:
        """Choose earlier modules to import from, in the four spellings people use."""
        rng = self.rng
        usable = [m for m in self.modules if m.calls]
        if not usable:
            return [], []
        n = rng.choice((0, 1, 1, 2, 2, 3))
        chosen: list[ModuleInfo] = []
        for _ in range(n):
            pool = usable[-15:] + usable[:1]
            pick = rng.choice(pool)
            if pick not in chosen:
                chosen.append(pick)
        callees: list[Callee] = []
        lines: list[str] = []
        for info in chosen:
            full = f"{PACKAGE}.{info.name}"
            short = info.name.rsplit(".", 1)[-1]
            alias = f"m{int(short.removeprefix('mod'))}"
            style = rng.choices(("names", "alias", "star", "from_pkg"), (5, 2, 2, 1))[0]
            if style == "names":
                picked = rng.sample(info.calls, min(len(info.calls), rng.randint(1, 3)))
                lines.append(f"from {full} import {', '.join(sorted(c[0] for c in picked))}")
                callees += [Callee(c[0], c[0], c[1]) for c in picked]
            elif style == "alias":
                lines.append(f"import {full} as {alias}")
                callees += [Callee(f"{alias}.{c[0]}", c[0], c[1]) for c in info.calls]
            elif style == "star":
                lines.append(f"from {full} import *")
                callees += [Callee(c[0], c[0], c[1]) for c in info.calls]
            else:
                parent, _, leaf = full.rpartition(".")
                lines.append(f"from {parent} import {leaf}")
                callees += [Callee(f"{leaf}.{c[0]}", c[0], c[1]) for c in info.calls]
        return callees, lines

    def _bind(self, ns: dict[str, Any], callee: Callee) -> None:
        """Make `callee.expr` resolve in the evaluation namespace, as the import would."""
        for info in reversed(self.modules):
            if callee.name in info.namespace and any(c[0] == callee.name for c in info.calls):
                target = info.namespace[callee.name]
                break
        else:  # pragma: no cover - _pick_upstream only offers known callables
            raise AssertionError(callee)
        if "." in callee.expr:
            holder = callee.expr.split(".")[0]
            module = ns.setdefault(holder, types.SimpleNamespace())
            setattr(module, callee.name, target)
        else:
            ns[callee.name] = target

    def _constants_cell(self, nb: NotebookBuilder, ns: dict[str, Any]) -> None:
        rng, nm = self.rng, self.namer
        a, b, c = nm.const(), nm.const(), nm.const()
        lines = [
            f"{a}: int = {rng.randint(2, 500)}",
            f"{b}, {c} = {rng.randint(0, 10)}, {rng.randint(11, 99)}",
            f"_seen_{_plural(rng.choice(NOUNS))}: set[str] = set()",
        ]
        if rng.random() < 0.4:
            d = nm.unique(lambda: f"{rng.choice(NOUNS).upper()}_LINE_END")
            lines += [
                'if sys.platform == "win32":',
                f'    {d} = "\\r\\n"',
                "else:",
                f'    {d} = "\\n"',
            ]
            lines.insert(0, "import sys\n")
        if rng.random() < 0.3:
            e = nm.const()
            lines.append(f"{e} = {tuple(rng.sample(WORDS, 3))!r}")
        source = "\n".join(lines)
        _run(source, ns)
        nb.code(f"{_directive(rng, 'export')}\n{source}")

    def _section(
        self, nb: NotebookBuilder, ns: dict[str, Any], snippet: Snippet
    ) -> tuple[str, str] | None:
        """Add a snippet's cells, with a test, a shown result or a print after it.

        Return the call that later modules may make, if its result is a literal.
        """
        rng = self.rng
        nb.markdown(f"## {snippet.title}\n\n{snippet.blurb}")
        if snippet.helper:
            _run(snippet.helper, ns)
            nb.code(f"{_directive(rng, 'exporti')}\n{snippet.helper}")
        _run(snippet.code, ns)
        kind = "exports" if rng.random() < 0.05 else "export"
        nb.code(f"{_directive(rng, kind)}\n{snippet.code}")
        call = snippet.call
        if call and not _is_literal(_evaluate(f"{call[0]}({call[1]})", ns)):
            call = None

        results = [(p, _evaluate(p, ns)) for p in snippet.probes]
        checkable = [(p, v) for p, v in results if _is_literal(v) and len(repr(v)) < 160]
        if not checkable:
            return call
        roll = rng.random()
        if roll < 0.55:
            asserts = "\n".join(f"assert {p} == {v!r}" for p, v in checkable)
            nb.code(asserts)
        elif roll < 0.85:
            probe, value = checkable[0]
            nb.code(probe, [_result(value)])
        else:
            probe, value = checkable[0]
            nb.code(f"print({probe})", [_stdout(f"{value}\n")])
        return call

    def _export_elsewhere(self, nb: NotebookBuilder) -> None:
        """Add a cell exported to an earlier notebook's module (`#| export mod003`)."""
        rng = self.rng
        target = rng.choice(self.modules)
        snippet = rng.choice(SELF_CONTAINED)(rng, self.namer)
        header = "\n".join(_render_imports(snippet.imports))
        body = f"{header}\n\n{snippet.code}" if header else snippet.code
        nb.markdown(
            f"## Extra: {snippet.title}\n\nThis belongs with `{PACKAGE}.{target.name}`, "
            "so it is exported there."
        )
        nb.code(f"#| export {target.name}\n{body}")

    # -- the rest of the project --------------------------------------------------------

    def index_notebook(self) -> nbformat.NotebookNode:
        nb = NotebookBuilder(self.rng, executed=True)
        nb.markdown(f"# {PACKAGE}\n\n> {DESCRIPTION}")
        nb.markdown(
            "This notebook exports nothing; it is the project's front page.\n\n"
            f"## Install\n\n```sh\npip install {PACKAGE}\n```\n\n## How to use"
        )
        first = self.modules[0]
        if first.calls:
            name, args = first.calls[0]
            value = _evaluate(f"{name}({args})", first.namespace)
            nb.code(f"from {PACKAGE}.{first.name} import {name}")
            nb.code(f"{name}({args})", [_result(value)])
        return nb.notebook()


def _pyproject(style: str) -> tuple[str, str]:
    if style == "nbdev2":
        return (
            "settings.ini",
            f"""[DEFAULT]
repo = {PACKAGE}
lib_name = {PACKAGE}
version = 0.1.0
min_python = 3.10
license = apache2
black_formatting = False
doc_path = _docs
lib_path = {PACKAGE}
nbs_path = nbs
recursive = True
tst_flags = notest
put_version_in_init = True
branch = main
custom_sidebar = False
doc_host = https://example.github.io
doc_baseurl = /{PACKAGE}
git_url = https://github.com/example/{PACKAGE}
title = {PACKAGE}
audience = Developers
author = Bench Author
author_email = bench@example.com
copyright = 2024 onwards, Bench Author
description = {DESCRIPTION}
keywords = nbdev jupyter notebook python
language = English
status = 3
user = example
requirements = numpy pandas
""",
        )
    return (
        "pyproject.toml",
        f"""[build-system]
requires = ["flit_core>=3.9,<5"]
build-backend = "flit_core.buildapi"

[project]
name = "{PACKAGE}"
version = "0.1.0"
description = "{DESCRIPTION}"
requires-python = ">=3.10"
dependencies = []

[tool.nb2pkg]
notebooks = "nbs"

# The exported code imports these inside functions (or under try/except ImportError).
[tool.nb2pkg.dependency-map]
numpy = "numpy"
pandas = "pandas"
""",
    )


def generate(outdir: Path, notebooks: int, lines: int, seed: int, style: str) -> Stats:
    """Write the project to `outdir` and return figures about it."""
    if notebooks < 2:
        raise SystemExit("--notebooks must be at least 2 (index.ipynb and one module)")
    if outdir.exists() and any(outdir.iterdir()):
        raise SystemExit(f"{outdir} exists and is not empty; pick a new directory")
    gen = CorpusGenerator(seed, notebooks, lines)
    files: list[tuple[str, nbformat.NotebookNode]] = []
    for k in range(gen.n_modules):
        files.append(gen.module_notebook(k))
    files.append(("index.ipynb", gen.index_notebook()))

    config_name, config_text = _pyproject(style)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / config_name).write_text(config_text, encoding="utf-8")
    (outdir / "README.md").write_text(f"# {PACKAGE}\n\n{DESCRIPTION}\n", encoding="utf-8")
    stats = Stats()
    for rel, nb in files:
        path = outdir / "nbs" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        text = (
            nbformat.v4.writes(nb) + "\n"
        )  # nbformat.write's format, without validating each time
        path.write_text(text, encoding="utf-8")
        _count(stats, nb, len(text.encode("utf-8")))
    return stats


def _count(stats: Stats, nb: nbformat.NotebookNode, size: int) -> None:
    stats.notebooks += 1
    stats.bytes += size
    for cell in nb.cells:
        stats.cells += 1
        if cell.cell_type == "code":
            stats.code_cells += 1
            n = len(cell.source.splitlines())
            stats.code_lines += n
            first = cell.source.split("\n", 1)[0].replace(" ", "")
            if first.startswith(("#|export", "#|exporti", "#|exports")):
                stats.exported_lines += n - 1


def validate_all(outdir: Path) -> int:
    """Validate every notebook under `outdir/nbs` with nbformat; return how many."""
    paths = sorted((outdir / "nbs").rglob("*.ipynb"))
    for path in paths:
        nbformat.validate(nbformat.read(path, as_version=nbformat.NO_CONVERT))
    return len(paths)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "outdir", type=Path, help="directory to create (must not exist or be empty)"
    )
    parser.add_argument(
        "--notebooks", type=int, default=200, help="notebooks, index.ipynb included"
    )
    parser.add_argument(
        "--lines", type=int, default=58_000, help="about this many lines in code cells"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--style",
        choices=("nb2pkg", "nbdev2"),
        default="nb2pkg",
        help="configure with [tool.nb2pkg] in pyproject.toml, or an nbdev 2 settings.ini",
    )
    parser.add_argument(
        "--validate", action="store_true", help="validate every notebook afterwards"
    )
    args = parser.parse_args(argv)

    start = time.perf_counter()
    stats = generate(args.outdir, args.notebooks, args.lines, args.seed, args.style)
    seconds = time.perf_counter() - start
    print(
        f"wrote {stats.notebooks} notebooks to {args.outdir}: {stats.cells} cells "
        f"({stats.code_cells} code), {stats.code_lines} code lines "
        f"({stats.exported_lines} exported), {stats.bytes / 1e6:.1f} MB in {seconds:.1f} s"
    )
    if args.validate:
        start = time.perf_counter()
        n = validate_all(args.outdir)
        print(f"validated {n} notebooks in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
