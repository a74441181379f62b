"""git's long-running filter protocol: one nb2pkg process cleans every notebook of a git command.

With ``filter.nb2pkg.process`` set, git starts ``nb2pkg hooks filter`` once per command
(``git add .``, ``git status``, ``git checkout``) and sends it each notebook in turn, instead
of starting ``nb2pkg clean --stdin`` per file. The protocol (gitattributes(5), "Long
Running Filter Process") speaks pkt-lines: four hex digits giving the length, then the
payload; ``0000`` ends a list::

    git> git-filter-client / version=2 / 0000      filter< git-filter-server / version=2 / 0000
    git> capability=clean / capability=smudge / 0000     filter< capability=clean / 0000
    git> command=clean / pathname=nbs/a.ipynb / 0000 / <content> / 0000
                                        filter< status=success / 0000 / <content> / 0000 / 0000

A notebook that cannot be cleaned gets ``status=error`` (the reason on stderr): git then
stores it as it is, exactly as when the one-shot filter fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .clean import CleanOptions
from .clean_io import clean_bytes, clean_options, project_config
from .errors import Nb2pkgError

MAX_PAYLOAD = 65516  # git's LARGE_PACKET_DATA_MAX
FLUSH = b"0000"


class ProtocolError(Nb2pkgError):
    """git sent something the long-running filter protocol does not allow."""


def read_packet(stream: BinaryIO) -> bytes | None:
    """Read one pkt-line; return its payload, or None for a flush packet."""
    header = stream.read(4)
    if len(header) < 4:
        raise EOFError
    try:
        size = int(header, 16)
    except ValueError:
        raise ProtocolError(f"git sent a malformed packet header {header!r}") from None
    if size == 0:
        return None
    if size <= 4:
        raise ProtocolError(f"git sent a packet of impossible length {size}")
    payload = stream.read(size - 4)
    if len(payload) < size - 4:
        raise EOFError
    return payload


def read_list(stream: BinaryIO) -> list[bytes]:
    """Read packets up to the next flush."""
    packets = []
    while (packet := read_packet(stream)) is not None:
        packets.append(packet)
    return packets


def write_packets(stream: BinaryIO, payloads: Iterator[bytes] | list[bytes]) -> None:
    """Write each payload as pkt-lines (split to git's size limit), then a flush."""
    for payload in payloads:
        for start in range(0, len(payload), MAX_PAYLOAD):
            chunk = payload[start : start + MAX_PAYLOAD]
            stream.write(b"%04x" % (len(chunk) + 4) + chunk)
    stream.write(FLUSH)


def _text_list(stream: BinaryIO) -> list[str]:
    return [packet.decode("utf-8").rstrip("\n") for packet in read_list(stream)]


def serve(stdin: BinaryIO, stdout: BinaryIO, stderr: BinaryIO) -> None:
    """Talk git's filter protocol on *stdin*/*stdout* until git closes the pipe."""
    try:
        _handshake(stdin, stdout)
        options: dict[Path, CleanOptions] = {}
        while True:
            try:
                header = _text_list(stdin)
            except EOFError:
                return
            fields = dict(line.split("=", 1) for line in header if "=" in line)
            content = b"".join(read_list(stdin))
            if fields.get("command") != "clean":
                write_packets(stdout, [b"status=error\n"])  # only clean was offered
                stdout.flush()
                continue
            _answer(content, fields.get("pathname", ""), options, stdout, stderr)
    except EOFError:
        raise ProtocolError("git closed the filter's input in the middle of a request") from None


def _handshake(stdin: BinaryIO, stdout: BinaryIO) -> None:
    welcome = _text_list(stdin)
    if welcome[:1] != ["git-filter-client"] or "version=2" not in welcome:
        raise ProtocolError(f"expected git's filter handshake, got {welcome!r}")
    write_packets(stdout, [b"git-filter-server\n", b"version=2\n"])
    capabilities = _text_list(stdin)
    if "capability=clean" not in capabilities:
        raise ProtocolError(f"git does not offer the clean capability ({capabilities!r})")
    write_packets(stdout, [b"capability=clean\n"])
    stdout.flush()


def _answer(
    content: bytes,
    pathname: str,
    options: dict[Path, CleanOptions],
    stdout: BinaryIO,
    stderr: BinaryIO,
) -> None:
    try:
        folder = Path(pathname).resolve().parent
        if folder not in options:
            options[folder] = clean_options(project_config(folder))
        cleaned = clean_bytes(content, pathname, options[folder]).text.encode("utf-8")
    except Nb2pkgError as exc:
        stderr.write(f"error: {exc} (stored unchanged)\n".encode("utf-8", "replace"))
        stderr.flush()
        write_packets(stdout, [b"status=error\n"])
        stdout.flush()
        return
    write_packets(stdout, [b"status=success\n"])
    write_packets(stdout, [cleaned])
    write_packets(stdout, [])  # an empty list: the status stays "success"
    stdout.flush()
