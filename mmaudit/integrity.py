"""Checks for compressed logs that cannot be read whole, and the readable part of one cut short.

Every `.gz` and `.zst` file is streamed once through Python's own decoder before DuckDB reads
it, rather than waiting for DuckDB to fail, because DuckDB cannot tell the three cases apart:
it reads a zstd file cut short as if it ended there (silently loading a prefix), and it does not
check a gzip member's CRC (measured on duckdb 2.0: a gzip with 100 zeroed bytes in the middle
loaded half its lines, no error). The decoder pass can: complete, cut short (the decoder wants
more input at the end of the file), or corrupt / not compressed at all (the decoder raises).
It keeps no data (output is dropped chunk by chunk) and costs less than DuckDB's own read of
the file (about 0.35 s per 200 MB of decompressed JSONL on a 2-core machine).

A file cut short is decoded a second time by `write_readable_prefix`, into a plain file that
the usual line readers then read, so its complete lines load with their own line numbers.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from mmaudit.errors import InputError

CHUNK = 1 << 20  # compressed bytes read at a time, and the most gzip output decoded at a time
# zstd's decoder has no output limit: feeding it small pieces keeps one call's output modest
# (the piece times the compression ratio) instead of a whole 1 MiB chunk's worth.
_ZSTD_PIECE = 64 << 10
_CUT_SHORT = "the compressed data ends early (the file was cut short?); nothing of it was loaded"

Sink = Callable[[bytes], object]


class _Decoder(Protocol):
    """What zlib's and zstandard's decompressobj have in common."""

    eof: bool
    unused_data: bytes
    unconsumed_tail: bytes

    def decompress(self, data: bytes, max_length: int = ...) -> bytes: ...


@dataclass(frozen=True)
class Prefix:
    """What `write_readable_prefix` wrote: the decoded bytes, and how many of them are whole lines."""

    size: int
    complete: int  # bytes up to and including the last newline


def compression(path: Path) -> str | None:
    """'gzip', 'zstd' or None, from the file name (as DuckDB's `compression = 'auto'` decides)."""
    name = path.name.lower()
    return "gzip" if name.endswith(".gz") else "zstd" if name.endswith(".zst") else None


def is_cut_short(path: Path) -> bool:
    """True when a `.gz`/`.zst` file's data ends early; False when it is whole or not compressed.

    Raises InputError when the file is not data of that kind at all, or is corrupt.
    """
    if compression(path) is None:
        return False
    return not _decode(path, lambda _chunk: None)


def write_readable_prefix(path: Path, out: BinaryIO) -> Prefix:
    """Decode as much of a compressed file as can be read into `out`, streaming (1 MiB at a time)."""
    size = complete = 0

    def sink(chunk: bytes) -> None:
        nonlocal size, complete
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            complete = size + newline + 1
        size += len(chunk)
        out.write(chunk)

    _decode(path, sink)
    return Prefix(size, complete)


def cut_short_nothing_readable(path: Path) -> InputError:
    """The error for a file cut short before its first complete line (e.g. inside the header)."""
    return InputError(f"{path}: the compressed data ends early (the file was cut short?) before its first "
                      "complete line; nothing of it was loaded")


def _decode(path: Path, sink: Sink) -> bool:
    """Stream `path` through its decoder, passing the output to `sink`. True when the last gzip
    member / zstd frame is complete, False when the data ends early. Raises InputError for a file
    that is empty, not of its kind, or corrupt."""
    kind = compression(path)
    if kind is None:
        raise ValueError(f"{path}: not a compressed file name")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: an empty file, not {kind} data; nothing of it was loaded")
    stream = _Stream(kind, sink)
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            stream.feed(chunk, path)
    return stream.decoder.eof


class _Stream:
    """One decoder at a time over a file that may hold several gzip members or zstd frames."""

    def __init__(self, kind: str, sink: Sink) -> None:
        self.kind, self.sink = kind, sink
        self.errors: tuple[type[Exception], ...] = (zlib.error,)
        if kind == "zstd":
            import zstandard

            self.errors = (zstandard.ZstdError,)
        self.decoder = self._new_decoder()
        self.ended = 0  # members/frames decoded whole before the current one
        self.offset = 0  # compressed bytes fed before the current chunk

    def feed(self, data: bytes, path: Path) -> None:
        size = len(data)
        try:
            while data:
                if self.decoder.eof:
                    self.decoder, self.ended = self._new_decoder(), self.ended + 1
                data = self._feed_gzip(data) if self.kind == "gzip" else self._feed_zstd(data)
        except self.errors as exc:
            raise InputError(self._explain(path, exc)) from None
        self.offset += size

    def _feed_gzip(self, data: bytes) -> bytes:
        """Decode within one member, at most CHUNK bytes of output per call; return what is left
        for the next member (empty when this one wants more input)."""
        while True:
            out = self.decoder.decompress(data, CHUNK)
            self.sink(out)
            if self.decoder.eof:
                return self.decoder.unused_data
            data = self.decoder.unconsumed_tail
            if not data and len(out) < CHUNK:  # all input used and no output held back
                return b""

    def _feed_zstd(self, data: bytes) -> bytes:
        """Decode in small pieces (see _ZSTD_PIECE); return what follows a frame that ended."""
        view = memoryview(data)
        for start in range(0, len(view), _ZSTD_PIECE):
            self.sink(self.decoder.decompress(view[start:start + _ZSTD_PIECE]))
            if self.decoder.eof:
                return self.decoder.unused_data + bytes(view[start + _ZSTD_PIECE:])
        return b""

    def _new_decoder(self) -> _Decoder:
        if self.kind == "gzip":
            return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip header and CRC only
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj()

    def _explain(self, path: Path, exc: Exception) -> str:
        """Not compressed at all, something else after the last whole member/frame, or corrupt."""
        text = str(exc).split("error: ", 1)[-1].split("decompressing data: ", 1)[-1]
        not_kind = "header check" in text or "Unknown frame descriptor" in text
        suffix = ".gz" if self.kind == "gzip" else ".zst"
        if not_kind and self.ended == 0:
            return f"{path}: named {suffix} but is not {self.kind} data; nothing of it was loaded"
        if not_kind:
            return (f"{path}: the {self.kind} data is followed by bytes that are not {self.kind} data "
                    "(trailing garbage); nothing of it was loaded")
        return (f"{path}: the {self.kind} data is corrupt ({text}, in the MiB from byte {self.offset}): the file "
                "was damaged, not just cut short; nothing of it was loaded")


def explain_read_error(path: Path, first_line: str) -> str:
    """A reader error in words a person can act on (DuckDB's text kept when nothing fits)."""
    low = first_line.lower()
    if "end of gzip stream" in low or "unexpected end of file" in low:
        return f"{path}: {_CUT_SHORT}"
    if "not a gzip stream" in low:
        return f"{path}: named .gz but is not gzip data; nothing of it was loaded"
    return f"{path}: cannot read: {first_line}"
