"""Diagnostics print and serialise their severity as the plain word, whatever the enum."""

from __future__ import annotations

import json

import pytest

from nb2pkg.errors import Location
from nb2pkg.exit_codes import ExitCode
from nb2pkg.report import Breaks, Diagnostic, Severity, diagnostic_from_json, diagnostic_to_json


@pytest.mark.parametrize("severity", list(Severity))
def test_severity_shows_as_its_word(severity: Severity) -> None:
    diagnostic = Diagnostic("NB101", severity, "name x is not defined", Location("m.py", line=3))
    word = severity.value
    assert str(diagnostic) == f"m.py: line 3: {word} NB101: name x is not defined"
    assert f"{severity}" == str(severity) == word
    assert f"{severity:>8}" == f"{word:>8}"
    assert json.dumps({"severity": severity}) == json.dumps({"severity": word})


def test_diagnostic_json_round_trip_gives_the_enum_back() -> None:
    diagnostic = Diagnostic(
        "NB103", Severity.ERROR, "no module", Location("a.ipynb", 2), Breaks.AT_IMPORT
    )
    data = json.loads(json.dumps(diagnostic_to_json(diagnostic)))
    assert data[1] == "error"
    back = diagnostic_from_json(data)
    assert back == diagnostic
    assert back.severity is Severity.ERROR


def test_exit_codes_are_the_documented_numbers() -> None:
    assert [int(code) for code in ExitCode] == [0, 1, 2, 123, 130]
    assert ExitCode.found_if(["a problem"]) is ExitCode.FOUND
    assert ExitCode.found_if(0) is ExitCode.OK
