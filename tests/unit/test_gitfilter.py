"""git's long-running filter protocol, spoken by ``nb2pkg hooks filter``."""

from __future__ import annotations

import io
import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nb2pkg.gitfilter import MAX_PAYLOAD, ProtocolError, read_list, serve, write_packets


def _packets(*lists: list[bytes]) -> bytes:
    stream = io.BytesIO()
    for payloads in lists:
        write_packets(stream, payloads)
    return stream.getvalue()


def _notebook(size: int = 0) -> bytes:
    cell = new_code_cell("x = 1" + "\n#" * size, execution_count=4)
    nb = new_notebook(cells=[cell])
    nbformat.validate(nb)
    return (nbformat.writes(nb) + "\n").encode()


HANDSHAKE = [
    [b"git-filter-client\n", b"version=2\n"],
    [b"capability=clean\n", b"capability=smudge\n"],
]


def _serve(*requests: list[list[bytes]]) -> tuple[io.BytesIO, bytes]:
    stdin = io.BytesIO(_packets(*HANDSHAKE, *(part for request in requests for part in request)))
    stdout, stderr = io.BytesIO(), io.BytesIO()
    serve(stdin, stdout, stderr)
    stdout.seek(0)
    return stdout, stderr.getvalue()


def _request(command: str, path: str, content: bytes) -> list[list[bytes]]:
    return [[f"command={command}\n".encode(), f"pathname={path}\n".encode()], [content]]


def test_cleans_each_notebook_and_passes_bad_ones_through() -> None:
    big = _notebook(size=40_000)  # more than one packet each way
    assert len(big) > MAX_PAYLOAD
    stdout, stderr = _serve(
        _request("clean", "a.ipynb", _notebook()),
        _request("clean", "bad.ipynb", b"{not json"),
        _request("clean", "big.ipynb", big),
    )
    assert read_list(stdout) == [b"git-filter-server\n", b"version=2\n"]
    assert read_list(stdout) == [b"capability=clean\n"]
    for data in (_notebook(), None, big):
        if data is None:
            assert read_list(stdout) == [b"status=error\n"]
            continue
        assert read_list(stdout) == [b"status=success\n"]
        cleaned = b"".join(read_list(stdout))
        assert json.loads(cleaned)["cells"][0]["execution_count"] is None
        assert read_list(stdout) == []
    assert stdout.read() == b""
    assert b"bad.ipynb: is not valid JSON" in stderr and b"stored unchanged" in stderr


def test_refuses_what_it_did_not_offer() -> None:
    stdout, _ = _serve(_request("smudge", "a.ipynb", _notebook()))
    read_list(stdout), read_list(stdout)
    assert read_list(stdout) == [b"status=error\n"]


@pytest.mark.parametrize(
    "data",
    [
        b"0014git-filter-clientx0000",  # not git's greeting
        _packets([b"git-filter-client\n", b"version=3\n"]),
        _packets(*HANDSHAKE[:1], [b"capability=smudge\n"]),
        _packets(*HANDSHAKE) + b"zzzz",
        _packets(*HANDSHAKE) + b"0003",
        _packets(*HANDSHAKE, [b"command=clean\n"]) + b"0010abc",  # cut off mid-request
    ],
)
def test_protocol_errors(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        serve(io.BytesIO(data), io.BytesIO(), io.BytesIO())
