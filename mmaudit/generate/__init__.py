"""A seeded generator of realistic LLM API logs, for the bundled samples, tests and benchmarks.

The traffic looks like a mid-size product team's: several models across providers, a mix of
tasks where most calls are simple, a premium model taking simple work it did not need, prompt
caching, repeated prompts, errors and 429 bursts, and an outage window on one provider. The same
seed always writes the same bytes.

Prompts are templates with slots (ticket numbers, names, products, amounts, dates, short
sentences) filled by the seeded RNG, as production traffic is: most prompt texts are distinct, so
benchmarks pay for categorising real, mostly unique prompts. Exact repeats come from where they
come from in production: FAQ-type questions sent verbatim (a few templates with small slot
pools), users re-sending a recent prompt, and retries of failed calls on a fallback model. Filling
a slot never changes what task a template is: the slots carry content, the wording carries the job.
"""

from __future__ import annotations

import gzip
import io
import json
import random
from pathlib import Path
from typing import IO, Any

from mmaudit.generate.prompts import SLOTS, TEMPLATES
from mmaudit.generate.traffic import _Gen
from mmaudit.generate.writers import WRITERS, without_text

__all__ = ["SLOTS", "TEMPLATES", "WRITERS", "generate", "without_text"]


FILE_NAMES = {"openai-chat": "openai_chat.jsonl", "anthropic-messages": "anthropic_messages.jsonl",
              "canonical": "canonical.jsonl.gz"}


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":  # mtime=0 keeps the bytes identical from run to run
        return io.TextIOWrapper(gzip.GzipFile(path, "wb", compresslevel=6, mtime=0), encoding="utf-8")
    return open(path, "w", encoding="utf-8")


def generate(out: Path, calls: int, seed: int = 7, log_format: str | None = None, text_share: float = 1.0) -> dict[str, int]:
    """Write `calls` records. With `log_format`, all of them as that format into the file `out`;
    without, each model in its natural format into files under the directory `out`.
    `text_share` of the records keep their prompt and answer text, the rest are metadata-only
    (picked by their own seeded draw, so every other field is the same whatever the share).
    Returns records written per file."""
    gen = _Gen(seed, calls, log_format)
    keep_text = random.Random(f"{seed}:text")
    counts: dict[str, int] = {}

    def write(fh: Any, fmt: str, rec: dict[str, Any]) -> None:
        record = WRITERS[fmt](rec)
        if text_share < 1.0 and keep_text.random() >= text_share:
            record = without_text(record)
        fh.write(json.dumps(record, separators=(",", ":")) + "\n")

    if log_format:
        with _open(out) as fh:
            for _fmt, rec in gen.records():
                write(fh, log_format, rec)
                counts[str(out)] = counts.get(str(out), 0) + 1
        return counts
    out.mkdir(parents=True, exist_ok=True)
    handles = {fmt: _open(out / name) for fmt, name in FILE_NAMES.items()}
    try:
        for fmt, rec in gen.records():
            write(handles[fmt], fmt, rec)
            counts[FILE_NAMES[fmt]] = counts.get(FILE_NAMES[fmt], 0) + 1
    finally:
        for fh in handles.values():
            fh.close()
    return counts
