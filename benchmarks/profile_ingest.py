"""Where an ingest's time goes: every SQL statement it runs, and the categoriser model, timed.

    python benchmarks/profile_ingest.py FILE [--db PATH] [--top 15]

Runs `ingest_paths` as `mmaudit ingest` does (categorisation and pricing included) on a new
database, with the connection wrapped so each `execute` of detection, staging, categorisation
and the writer is timed (pricing's statements are not: they fall in "the rest"), and the model's Python work
(`predict_all`: features, TF-IDF, the two heads; `prepare`: the concept tokens) timed apart. Prints the statements that took the
most time in all (grouped by their first 90 characters: the same statement of every chunk adds
up), the model's share, and what is left (reading lines into Arrow, Python glue). The README's
performance section quotes this for the 100k-call files of `benchmarks/run.py`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

SQL_TIME: dict[str, float] = defaultdict(float)
MODEL_TIME = [0.0, 0]
CONCEPT_TIME = [0.0]


class TimedConnection:
    """A DuckDB connection whose `execute` calls are timed into SQL_TIME (the rest is passed on)."""

    def __init__(self, con: Any):
        self._con = con

    def execute(self, sql: str, *args: Any) -> Any:
        start = time.perf_counter()
        result = self._con.execute(sql, *args)
        SQL_TIME[" ".join(str(sql).split())[:90]] += time.perf_counter() - start
        return result

    def cursor(self) -> TimedConnection:
        return TimedConnection(self._con.cursor())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _instrument() -> None:
    from mmaudit import enrich
    from mmaudit.categorise import apply as apply_module
    from mmaudit.categorise.model import ModelBase
    from mmaudit.ingest import batching, committing, detection, pipeline, staging

    def timed(fn: Any) -> Any:
        return lambda con, *a, **k: fn(TimedConnection(con), *a, **k)

    enrich.apply_categories = timed(apply_module.apply_categories)
    # a large file is read by the pipeline, files under 1 MB in batches (ingest/batching.py)
    for module in (pipeline, batching):
        for name in ("stage_chunk", "write_chunk", "estimate_tokens"):
            setattr(module, name, timed(getattr(staging, name)))
    pipeline.detect_format = timed(detection.detect_format)
    batching.detect_formats = timed(detection.detect_formats)
    writer_init = committing.FileWriter.__init__
    committing.FileWriter.__init__ = lambda self, con, paths: writer_init(self, TimedConnection(con), paths)
    def predict_all(self: Any, texts: list[str]) -> Any:
        start = time.perf_counter()
        try:
            return type(self)._untimed_predict_all(self, texts)
        finally:
            MODEL_TIME[0] += time.perf_counter() - start
            MODEL_TIME[1] += len(texts)

    untimed_prepare = ModelBase.prepare

    def prepare(self: Any, texts: list[str]) -> list[str]:
        start = time.perf_counter()
        try:
            return untimed_prepare(self, texts)
        finally:
            CONCEPT_TIME[0] += time.perf_counter() - start

    ModelBase.prepare = prepare  # type: ignore[method-assign]
    for cls in _subclasses(ModelBase):
        if "predict_all" in vars(cls):
            cls._untimed_predict_all = vars(cls)["predict_all"]  # type: ignore[attr-defined]
            cls.predict_all = predict_all  # type: ignore[method-assign]


def _subclasses(cls: type) -> list[type]:
    import mmaudit.categorise.arrays  # noqa: F401  (the class must exist to be instrumented)

    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--db", type=Path, help="database to create (default: a temp file)")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    _instrument()
    from mmaudit import store
    from mmaudit.enrich import enrichers
    from mmaudit.ingest import IngestOptions, ingest_paths

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "profile.duckdb"
        start = time.perf_counter()
        con = store.connect(db)
        result = ingest_paths(con, [str(args.file)], IngestOptions(enrichers=enrichers(db=db)))
        total = time.perf_counter() - start
        con.close()
    sql_total = sum(SQL_TIME.values())
    print(f"{result.total('loaded'):,} calls loaded in {total:.2f} s")
    print(f"{'seconds':>8}  {'share':>6}  what")
    for text, seconds in sorted(SQL_TIME.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"{seconds:8.2f}  {seconds / total:6.1%}  SQL: {text}")
    print(f"{MODEL_TIME[0]:8.2f}  {MODEL_TIME[0] / total:6.1%}  categoriser model (Python): {MODEL_TIME[1]:,} distinct texts")
    print(f"{CONCEPT_TIME[0]:8.2f}  {CONCEPT_TIME[0] / total:6.1%}  concept tokens (Python, model formats 4 and later)")
    rest = total - sql_total - MODEL_TIME[0] - CONCEPT_TIME[0]
    print(f"{sql_total:8.2f}  {sql_total / total:6.1%}  all SQL statements")
    print(f"{rest:8.2f}  {rest / total:6.1%}  the rest (opening the database, loading rules and prices, reading lines"
          " into Arrow, fetching the model's texts, Python glue)")


if __name__ == "__main__":
    main()
