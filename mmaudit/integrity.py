"""Checks and messages for files that cannot be read whole (cut-short compressed logs).

DuckDB reports a gzip cut short as an IO error, but reads a zstd file cut short as if it ended
there (silently loading a prefix, or nothing). A log that was truncated in transit must fail
loudly instead, so zstd files are streamed once through the decoder to see the frame end.
"""

from __future__ import annotations

from pathlib import Path

from mmaudit.errors import InputError

_CHUNK = 1 << 20
_CUT_SHORT = "the compressed data ends early (the file was cut short?); nothing of it was loaded"


def check_complete(path: Path) -> None:
    """Raise InputError when a `.zst` file's last frame is incomplete (cheap: no data is kept)."""
    if not path.name.lower().endswith(".zst"):
        return
    import zstandard

    decoder = zstandard.ZstdDecompressor().decompressobj()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                while chunk:  # zstd files may hold several frames: start a decoder per frame
                    if decoder.eof:
                        decoder = zstandard.ZstdDecompressor().decompressobj()
                    decoder.decompress(chunk)
                    chunk = decoder.unused_data if decoder.eof else b""
    except zstandard.ZstdError as exc:
        raise InputError(f"{path}: not valid zstd data ({exc}); nothing of it was loaded") from None
    if not decoder.eof:
        raise InputError(f"{path}: {_CUT_SHORT}")


def explain_read_error(path: Path, first_line: str) -> str:
    """A reader error in words a person can act on (DuckDB's text kept when nothing fits)."""
    low = first_line.lower()
    if "end of gzip stream" in low or "unexpected end of file" in low:
        return f"{path}: {_CUT_SHORT}"
    if "not a gzip stream" in low:
        return f"{path}: named .gz but is not gzip data; nothing of it was loaded"
    return f"{path}: cannot read: {first_line}"
