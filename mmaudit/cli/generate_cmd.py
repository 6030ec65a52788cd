"""`mmaudit generate`: write realistic synthetic logs (seeded) for demos, tests and benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from mmaudit.cli.common import FormatOption, emit, user_errors
from mmaudit.errors import InputError
from mmaudit.generate import WRITERS
from mmaudit.generate import generate as generate_logs
from mmaudit.render import Column, OutputFormat, Report, Table


def generate(
    out: Annotated[Path, typer.Argument(help="Directory to write one file per format into, or a file with --log-format.")],
    calls: Annotated[int, typer.Option("--calls", "-n", min=1, help="How many calls to generate.")] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same logs.")] = 7,
    log_format: Annotated[Optional[str], typer.Option("--log-format", help="Write every call in this one format.")] = None,
    text_share: Annotated[float, typer.Option("--text-share", min=0.0, max=1.0,
                                              help="Share of calls logged with prompt and answer text; the rest log usage only.")] = 1.0,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Generate three months of realistic LLM traffic (several models, tasks, errors, an outage).

    Examples:

      mmaudit generate sample_logs/ --calls 3000

      mmaudit generate big.jsonl --calls 1000000 --log-format openai-chat --text-share 0.3
    """
    with user_errors():
        if log_format is not None and log_format not in WRITERS:
            raise InputError(f"--log-format must be one of {', '.join(WRITERS)}, not {log_format!r}")
        counts = generate_logs(out, calls, seed, log_format, text_share)
    rows = [{"file": name, "records": n} for name, n in counts.items()]
    table = Table("Generated", [Column("file", "File"), Column("records", "Records", "int")], rows,
                  {"file": "Total", "records": sum(counts.values())})
    emit(Report([table], {"files": rows}), fmt)
