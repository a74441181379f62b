"""Text outputs of cells: read stored ones, sanitise, compare (``--check-outputs``).

Only text is compared: ``text/plain`` of results and displays, the stdout and stderr streams,
and errors as ``Name: message``. Streams are coalesced by name (a kernel splits them
arbitrarily), carriage returns are applied as a terminal would (progress bars), ANSI colour
codes are dropped, and volatile text — memory addresses, timestamps, temporary paths,
durations — is replaced by placeholders on both sides before comparing.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from .protocol import TextOutput

#: (regex, replacement) applied to every output after the project's own sanitizers.
DEFAULT_SANITIZERS: tuple[tuple[str, str], ...] = (
    (r"\b0x[0-9a-fA-F]{4,16}\b", "0xADDRESS"),
    (
        r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?",
        "TIMESTAMP",
    ),
    (r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b", "TIME"),
    (r"(?<![\w./-])(?:/private)?/(?:tmp|var/folders)/[^\s'\"]*", "TMPPATH"),
    (r"[A-Za-z]:\\Users\\[^\\\s]+\\AppData\\Local\\Temp\\[^\s'\"]*", "TMPPATH"),
    (
        r"\b\d+(?:[.,]\d+)?\s?(?:ns|µs|μs|us|ms|s|secs?|seconds?|min|minutes?|h|hours?)\b",
        "DURATION",
    ),
    (r"\b\d[\d,]* loops?\b", "N loops"),
)

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_STREAMS = ("stdout", "stderr")


def stored_outputs(outputs: Any) -> tuple[TextOutput, ...]:
    """Return the text outputs of a notebook cell's ``outputs`` list (nbformat 4)."""
    found: list[TextOutput] = []
    for output in outputs if isinstance(outputs, list) else ():
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind == "stream" and output.get("name") in _STREAMS:
            found.append(TextOutput(output["name"], _text(output.get("text", ""))))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data")
            if isinstance(data, dict) and "text/plain" in data:
                label = "result" if kind == "execute_result" else "display"
                found.append(TextOutput(label, _text(data["text/plain"])))
        elif kind == "error":
            found.append(
                TextOutput("error", f"{output.get('ename', '')}: {output.get('evalue', '')}")
            )
    return tuple(found)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return str(value)


def coalesce(outputs: Iterable[TextOutput]) -> list[TextOutput]:
    """Merge each stream into one output, at the place it first appeared."""
    merged: list[TextOutput] = []
    position: dict[str, int] = {}
    for output in outputs:
        if output.kind in _STREAMS and output.kind in position:
            at = position[output.kind]
            merged[at] = TextOutput(output.kind, merged[at].text + output.text)
            continue
        if output.kind in _STREAMS:
            position[output.kind] = len(merged)
        merged.append(output)
    return merged


def compile_sanitizers(own: Sequence[tuple[str, str]]) -> list[tuple[re.Pattern[str], str]]:
    """Compile the project's sanitizers, then the defaults (with this machine's temp folder)."""
    temp = [
        (r"(?<![\w./-])" + re.escape(folder) + r"(?=[/\\])[^\s'\"]*", "TMPPATH")
        for folder in _temp_folders()
    ]
    pairs = [*own, *temp, *DEFAULT_SANITIZERS]
    return [(re.compile(pattern), replacement) for pattern, replacement in pairs]


def _temp_folders() -> list[str]:
    """The temporary folders configured here (read, not probed: nothing is written)."""
    found = [tempfile.tempdir] if tempfile.tempdir else []
    found += [os.environ[name] for name in ("TMPDIR", "TEMP", "TMP") if os.environ.get(name)]
    return sorted(
        {folder.rstrip("/\\") for folder in found if len(folder) > 1}, key=len, reverse=True
    )


def render(outputs: Iterable[TextOutput], sanitizers: Sequence[tuple[re.Pattern[str], str]]) -> str:
    """Return the outputs as one text for comparison: a [kind] header, then the text."""
    parts = []
    for output in coalesce(outputs):
        text = _terminal(_ANSI.sub("", output.text))
        for pattern, replacement in sanitizers:
            text = pattern.sub(replacement, text)
        lines = [line.rstrip() for line in text.strip("\n").split("\n")]
        if output.kind in _STREAMS and not any(lines):
            continue
        parts.append(f"[{output.kind}]\n" + "\n".join(lines))
    return "\n".join(parts)


def _terminal(text: str) -> str:
    """Apply carriage returns: a line shows what was written after its last ``\\r``."""
    text = text.replace("\r\n", "\n")
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


def difference(
    stored: Iterable[TextOutput],
    fresh: Iterable[TextOutput],
    sanitizers: Sequence[tuple[re.Pattern[str], str]],
) -> str | None:
    """Return a unified diff (stored → fresh) of two cells' outputs, or None if they agree."""
    before = render(stored, sanitizers)
    after = render(fresh, sanitizers)
    if before == after:
        return None
    diff = difflib.unified_diff(
        before.splitlines(), after.splitlines(), "stored", "fresh", lineterm="", n=2
    )
    return "\n".join(diff)
