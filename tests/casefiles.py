"""Read the data-driven test cases: header lines (`key: value`), then `=== name` sections."""

from __future__ import annotations

from pathlib import Path


def read_case_file(path: Path) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Return a case file's header pairs, in order, and its sections' texts by name."""
    header: list[tuple[str, str]] = []
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").split("\n")[:-1]:
        if line.startswith("=== "):
            current = sections.setdefault(line[4:].strip(), [])
        elif current is not None:
            current.append(line + "\n")
        elif line.strip():
            key, _, value = line.partition(":")
            header.append((key.strip(), value.strip()))
    return header, {name: "".join(lines) for name, lines in sections.items()}
