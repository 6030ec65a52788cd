"""A compressed log cut short: load its complete lines, quarantine the line where it ends.

mmaudit/integrity.py tells whole, cut short and corrupt apart (DuckDB alone cannot). For a file
cut short, `readable_part` decodes the readable part, streaming, into a temporary directory
(owner-only, under $TMPDIR, deleted on return, error or Ctrl-C) under the file's own name less
.gz/.zst, so the usual reader takes it for the same kind of log and numbers its lines as it
would the whole file's. That copy ends at the last newline: the partial line never reaches the
CSV parser or the invalid-UTF-8 fallback (a cut can split a character); the pipeline quarantines
it as the cut line with the text it has. A file cut exactly at a line's end still gets a cut
line, empty, so the quarantine shows the file is incomplete.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mmaudit.errors import InputError
from mmaudit.ingest.reading import is_json_array, is_json_document
from mmaudit.ingest.staging import RAW_KEEP_CHARS
from mmaudit.integrity import CHUNK, Prefix, cut_short_nothing_readable, write_readable_prefix

CUT_REASON = "the compressed file ends early (cut short): this line and everything after it is missing"


@dataclass(frozen=True)
class CutFile:
    """The complete lines of a cut file (`plain`, a temporary copy) and its partial last line."""

    plain: Path
    tail: str


@contextmanager
def readable_part(path: Path) -> Iterator[CutFile]:
    """The readable part of the compressed file `path`, which `is_cut_short` found cut short."""
    with tempfile.TemporaryDirectory(prefix="mmaudit-cut-") as tmp:
        plain = Path(tmp, path.name[: path.name.rfind(".")])
        with open(plain, "wb") as out:
            prefix = write_readable_prefix(path, out)
        if is_json_array(plain) or is_json_document(plain):
            kind = "JSON array" if is_json_array(plain) else "JSON document written over many lines"
            raise InputError(f"{path}: the compressed data ends early (the file was cut short?) and a {kind} "
                             "cut short cannot be read record by record; nothing of it was loaded")
        if prefix.complete == 0:
            raise cut_short_nothing_readable(path)
        if plain.name.lower().endswith(".csv") and _odd_quotes(plain, prefix.complete):
            raise InputError(f"{path}: the compressed data ends early (the file was cut short?) inside a quoted "
                             "CSV field, so its last rows cannot be told apart; nothing of it was loaded")
        tail = _tail_text(plain, prefix)
        os.truncate(plain, prefix.complete)
        yield CutFile(plain, tail)


def _odd_quotes(plain: Path, size: int) -> bool:
    """Whether the first `size` bytes of a CSV end inside a quoted field (escaped quotes come in pairs).

    DuckDB reads an unclosed quote at the end of a file as text, so a row cut inside a multi-line
    field would load as if whole.
    """
    count = 0
    with open(plain, "rb") as fh:
        while size > 0 and (chunk := fh.read(min(CHUNK, size))):
            count, size = count + chunk.count(b'"'), size - len(chunk)
    return count % 2 == 1


def _tail_text(plain: Path, prefix: Prefix) -> str:
    """The partial line after the last newline, as much of it as the quarantine keeps."""
    with open(plain, "rb") as fh:
        fh.seek(prefix.complete)
        return fh.read(min(prefix.size - prefix.complete, 4 * RAW_KEEP_CHARS)).decode("utf-8", errors="replace")


def partial_message(loaded: int, duplicates: int, cut_line: int) -> str:
    """Status 'partial' says the data is known to be incomplete; this says how much of it is there."""
    again = f" ({duplicates} duplicate(s) not loaded again)" if duplicates else ""
    return (f"the compressed file ends early (cut short): {loaded} record(s) loaded{again} from the "
            f"{cut_line - 1} line(s) before the cut; line {cut_line} and the rest of the file are missing")
