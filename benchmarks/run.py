"""mmaudit performance benchmark: ingest and simulate against DuckDB's floor and a per-line loop.

    python benchmarks/run.py                       # 100k, 1M and 10M calls (needs ~12 GB of disk)
    python benchmarks/run.py --sizes 20000         # the small run CI does
    python benchmarks/run.py --sizes 100000,1000000 --json results.json

For each size it generates OpenAI-format JSONL with mmaudit's own seeded generator (kept in
--work between runs): mostly distinct prompts, and prompt and answer text on --text-share of the
calls (default 0.3; the others log usage only, as metadata-only loggers do). Then it measures,
each step in a fresh process so peak memory is its own:
  floor        DuckDB read_json of the file into a table, no transformation
  ingest       `mmaudit ingest` of the same file (categorisation and pricing included)
  simulate_1   the bundled tiers.yaml over the stored calls
  simulate_3   tiers.yaml, task-based.yaml and cascade.yaml side by side
  loop         the what-if a user would write without mmaudit: json.loads per line, a routing
               decision and a price from a dict (only for --loop-sizes)
  tokens       tiktoken counting as ingest does it for logs without usage (texts/s, tokens/s;
               only for --loop-sizes)
and prints wall time, calls per second, peak RSS and the ratios ingest/floor and loop/simulate.

Two traffic mixes (--mixes): `usage` (text on --text-share of the calls, the rest usage only) and
`messages` (every call carries its messages, most prompts distinct, as gateways log them). Then,
as whole `mmaudit` processes (median of --repeat runs), the fixed costs a user feels:
  help         `mmaudit --help`
  small        `mmaudit ingest` of a 30-call file into a new database
  many_files   `mmaudit ingest` of a directory of 200 one-call files into a new database (per-request
               captures, session files, S3 deliveries: what a file costs, not a line)
  reingest     `mmaudit ingest` of the largest file again, unchanged (nothing to load)
  simulate_cli `mmaudit simulate -p tiers.yaml` over the largest size's stored calls
  litellm_table `mmaudit ingest --prices T` of the 30-call file, T the whole LiteLLM price map as
               `mmaudit prices import-litellm` writes it (~3,000 models; when LiteLLM is installed)
Every figure is printed beside its target (TARGETS below).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "mmaudit" / "data" / "policies"


# --------------------------------------------------------------------------- workers (child processes)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def work_floor(path: str, db: str) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect(db)
    start = time.perf_counter()
    con.execute("CREATE TABLE raw AS SELECT * FROM read_json(?, format = 'newline_delimited')", [path])
    seconds = time.perf_counter() - start
    rows = con.execute("SELECT count(*) FROM raw").fetchall()[0][0]
    return {"seconds": seconds, "rows": rows}


def work_ingest(path: str, db: str) -> dict[str, Any]:
    from mmaudit import store
    from mmaudit.enrich import enrichers
    from mmaudit.ingest import IngestOptions, ingest_paths

    start = time.perf_counter()
    con = store.connect(db)
    result = ingest_paths(con, [path], IngestOptions(enrichers=enrichers(db=Path(db))))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": result.total("loaded"), "quarantined": result.total("quarantined")}


def work_simulate(db: str, policies: str) -> dict[str, Any]:
    from mmaudit import store
    from mmaudit.formats import macros
    from mmaudit.policy import load_policy
    from mmaudit.pricing import load_catalog, register_prices
    from mmaudit.simulate import run_policy

    start = time.perf_counter()
    con = store.connect(db, read_only=True)
    macros.install(con)
    register_prices(con, load_catalog())
    loaded = [load_policy(p) for p in policies.split(",")]
    setup = time.perf_counter() - start
    results = [run_policy(con, p) for p in loaded]
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "setup_seconds": setup, "rows": results[0].calls,
            "projected_cost_usd": [str(r.projected_cost_usd) for r in results]}


def work_tokens(path: str) -> dict[str, Any]:
    """Token counting as ingest does it for logs without usage counts (tiktoken, offline,
    batched, one thread per core), over the prompt and answer texts of up to 200k calls."""
    import duckdb

    from mmaudit import tokens

    texts = [r[0] for r in duckdb.sql(
        "SELECT t FROM (SELECT unnest(list_transform(request.messages, lambda m: m.content)) AS t "
        "FROM read_json(?, format = 'newline_delimited') LIMIT 200000) WHERE t IS NOT NULL", params=[path]).fetchall()]
    start = time.perf_counter()
    counts = tokens.count_tokens(texts)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": len(texts), "tokens": sum(counts), "tokens_per_s": sum(counts) / seconds}


# The per-line what-if: what a user writes with json.loads and a price dict (USD per 1M tokens).
_LOOP_PRICES = {"gpt-4o-mini": (0.15, 0.60), "gpt-4o": (2.50, 10.0), "o1": (15.0, 60.0),
                "llama-3.1-70b-selfhosted": (0.0, 0.0)}


def work_loop(path: str) -> dict[str, Any]:
    start = time.perf_counter()
    total, rows = 0.0, 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            rows += 1
            usage = (rec.get("response") or {}).get("usage") or {}
            tokens_in, tokens_out = usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)
            reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens", 0)
            meta = (rec.get("request") or {}).get("metadata") or {}
            if meta.get("data_class") == "restricted":
                model = "llama-3.1-70b-selfhosted"
            elif reasoning:
                model = "o1"
            elif tokens_out < 60 and tokens_in < 2000:
                model = "gpt-4o-mini"
            else:
                model = "gpt-4o"
            price_in, price_out = _LOOP_PRICES[model]
            total += tokens_in * price_in / 1e6 + tokens_out * price_out / 1e6
    return {"seconds": time.perf_counter() - start, "rows": rows, "projected_cost_usd": round(total, 2)}


WORKERS = {"floor": work_floor, "ingest": work_ingest, "simulate": work_simulate, "loop": work_loop,
           "tokens": work_tokens}


def _worker(step: str, args: list[str]) -> None:
    result = WORKERS[step](*args)
    result["peak_mb"] = _peak_mb()
    print(json.dumps(result))


# --------------------------------------------------------------------------- driver


def _run(step: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    wall = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--worker", step, *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{step} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - wall
    return result


def _generate(work: Path, size: int, text_share: float) -> Path:
    path = work / f"openai-{size}-text{round(text_share * 100)}.jsonl"
    if not path.exists():
        from mmaudit.generate import generate

        start = time.perf_counter()
        generate(path.with_suffix(".tmp"), size, seed=11, log_format="openai-chat", text_share=text_share)
        path.with_suffix(".tmp").rename(path)
        print(f"generated {size:,} calls in {time.perf_counter() - start:.1f}s -> {path}", file=sys.stderr)
    return path


def bench_size(work: Path, size: int, with_loop: bool, memory_limit: str, text_share: float,
               mix: str = "usage") -> dict[str, Any]:
    path = _generate(work, size, text_share)
    env = {"MMAUDIT_MEMORY_LIMIT": memory_limit}
    floor_db, db = work / f"floor-{size}-{mix}.duckdb", work / f"mmaudit-{size}-{mix}.duckdb"
    for f in (floor_db, db):
        f.unlink(missing_ok=True)
        Path(f"{f}.wal").unlink(missing_ok=True)
    out: dict[str, Any] = {"size": size, "mix": mix, "file_mb": path.stat().st_size / 1e6,
                           "text_share": text_share, "path": str(path), "db": str(db)}
    out["floor"] = _run("floor", str(path), str(floor_db), env=env)
    out["ingest"] = _run("ingest", str(path), str(db), env=env)
    tiers = str(POLICIES / "tiers.yaml")
    three = ",".join(str(POLICIES / p) for p in ("tiers.yaml", "task-based.yaml", "cascade.yaml"))
    out["simulate_1"] = _run("simulate", str(db), tiers, env=env)
    out["simulate_3"] = _run("simulate", str(db), three, env=env)
    if with_loop:
        out["loop"] = _run("loop", str(path))
        out["tokens"] = _run("tokens", str(path))
    rows = out["ingest"]["rows"]
    out["ingest_calls_per_s"] = rows / out["ingest"]["seconds"]
    out["ingest_over_floor"] = out["ingest"]["seconds"] / out["floor"]["seconds"]
    out["simulate_1_calls_per_s"] = rows / out["simulate_1"]["seconds"]
    if with_loop:
        out["loop_over_simulate_1"] = out["loop"]["seconds"] / out["simulate_1"]["seconds"]
        out["ingest_over_loop"] = out["ingest"]["seconds"] / out["loop"]["seconds"]
    floor_db.unlink(missing_ok=True)
    return out


# Targets (the performance issue): (figure, limit, "max"|"min")
TARGETS: dict[str, dict[str, tuple[float, str]]] = {
    "usage": {"ingest_over_floor": (3.0, "max"), "ingest_calls_per_s": (70_000, "min")},
    "messages": {"ingest_over_floor": (5.0, "max"), "ingest_calls_per_s": (50_000, "min")},
    "fixed": {"help": (0.3, "max"), "small": (1.5, "max"), "many_files": (10.0, "max"), "reingest": (1.0, "max"),
              "simulate_cli": (1.0, "max"), "litellm_table": (3.0, "max")},
    "loop": {"loop_over_simulate_1": (50.0, "min")},
}


def _verdict(value: float, target: tuple[float, str]) -> str:
    limit, kind = target
    met = value <= limit if kind == "max" else value >= limit
    return f"{'met' if met else 'MISSED'} ({'<=' if kind == 'max' else '>='} {limit:,.1f})"


def _timed_cli(args: list[str], repeat: int) -> dict[str, Any]:
    """Median wall seconds of `mmaudit ARGS` as a whole process (imports and all)."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "mmaudit", *args], capture_output=True, text=True, cwd=ROOT)
        runs.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise SystemExit(f"mmaudit {' '.join(args)} failed:\n{done.stderr}")
    runs.sort()
    return {"seconds": runs[len(runs) // 2], "min_seconds": runs[0], "max_seconds": runs[-1], "runs": len(runs)}


def bench_fixed(work: Path, largest: dict[str, Any], repeat: int) -> dict[str, Any]:
    """The fixed costs of a process: --help, a 30-call file, a directory of 200 one-call files, an
    unchanged re-ingest, a simulate."""
    from mmaudit.generate import generate

    small = work / "small-30.jsonl"
    if not small.exists():
        generate(small, 30, seed=5, log_format="openai-chat", text_share=1.0)
    out: dict[str, Any] = {"help": _timed_cli(["--help"], repeat)}
    out["small"] = _ingest_into_new_database(small, work / "small", repeat)
    out["many_files"] = {**_ingest_into_new_database(_many_files(work, 200), work / "many", repeat), "files": 200}
    db, path = largest["db"], largest["path"]
    out["reingest"] = _timed_cli(["ingest", path, "--db", db, "--format", "json"], repeat)
    out["simulate_cli"] = _timed_cli(["simulate", "--db", db, "-p", str(POLICIES / "tiers.yaml"), "--format", "json"],
                                     repeat)
    out["simulate_cli"]["calls"] = largest["size"]
    table = _litellm_table(work)
    if table is not None:
        out["litellm_table"] = _ingest_into_new_database(small, work / "litellm", repeat, ["--prices", str(table)])
    return out


def _litellm_table(work: Path) -> Path | None:
    """The installed LiteLLM's price map as a user price table (made once in `work`), or None."""
    import importlib.util

    spec = importlib.util.find_spec("litellm")
    if spec is None or spec.origin is None:
        return None
    table = work / "litellm-prices.yaml"
    if not table.exists():
        source = Path(spec.origin).parent / "model_prices_and_context_window_backup.json"
        _timed_cli(["prices", "import-litellm", str(source), "--out", str(table), "--effective-from", "2026-01-01"], 1)
    return table


def _ingest_into_new_database(path: Path, db_stem: Path, repeat: int, extra: list[str] | None = None) -> dict[str, Any]:
    """Median seconds of `mmaudit ingest PATH [EXTRA]` into a new database, as a whole process."""
    runs = []
    for i in range(repeat):
        db = db_stem.with_name(f"{db_stem.name}-{i}.duckdb")
        db.unlink(missing_ok=True)
        runs.append(_timed_cli(["ingest", str(path), "--db", str(db), "--format", "json", *(extra or [])], 1)["seconds"])
        db.unlink(missing_ok=True)
    runs.sort()
    return {"seconds": runs[len(runs) // 2], "runs": len(runs)}


def _many_files(work: Path, files: int) -> Path:
    """A directory of `files` one-call files (made once in `work`)."""
    from mmaudit.generate import generate

    folder = work / f"many-{files}"
    if not folder.exists():
        whole = work / f"many-{files}.jsonl"
        generate(whole, files, seed=7, log_format="openai-chat", text_share=1.0)
        folder.mkdir()
        for i, line in enumerate(whole.read_text().splitlines()):
            (folder / f"call-{i:04d}.json").write_text(line + "\n")
    return folder


def _targets_table(results: list[dict[str, Any]], fixed: dict[str, Any] | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="against the targets", title_justify="left")
    for header in ("mix", "calls", "figure", "value", "target"):
        table.add_column(header, justify="right" if header in ("calls", "value") else "left")
    for r in results:
        for name, target in TARGETS.get(r["mix"], {}).items():
            table.add_row(r["mix"], f"{r['size']:,}", name, f"{r[name]:,.2f}", _verdict(r[name], target))
        if "loop_over_simulate_1" in r:
            name, target = "loop_over_simulate_1", TARGETS["loop"]["loop_over_simulate_1"]
            verdict = _verdict(r[name], target) if r["size"] >= 10_000_000 else "n/a (the target is at 10M calls)"
            table.add_row(r["mix"], f"{r['size']:,}", name, f"{r[name]:,.1f}", verdict)
    for name, target in TARGETS["fixed"].items():
        if fixed and name in fixed:
            calls = f"{fixed[name].get('calls', 0):,}" if name == "simulate_cli" else ""
            calls = f"{fixed[name]['files']:,} files" if name == "many_files" else calls
            table.add_row("fixed", calls, f"{name} (s)", f"{fixed[name]['seconds']:.2f}",
                          _verdict(fixed[name]["seconds"], target))
    Console(stderr=True).print(table)


def _table(results: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="mmaudit benchmark", title_justify="left")
    for header in ("calls", "step", "seconds", "calls/s", "peak MB", "ratio"):
        table.add_column(header, justify="right" if header != "step" else "left")
    for r in results:
        ratios = {"ingest": f"{r['ingest_over_floor']:.2f}x floor", "loop": f"{r.get('loop_over_simulate_1', 0):.0f}x simulate"}
        if "tokens" in r:
            ratios["tokens"] = f"{r['tokens']['tokens_per_s']:,.0f} tokens/s"
        for step in ("floor", "ingest", "simulate_1", "simulate_3", "loop", "tokens"):
            if step not in r:
                continue
            s = r[step]
            table.add_row(f"{r['size']:,} {r['mix']}", step, f"{s['seconds']:.2f}", f"{s['rows'] / s['seconds']:,.0f}",
                          f"{s['peak_mb']:,.0f}", ratios.get(step, ""))
    Console(stderr=True).print(table)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        sys.path.insert(0, str(ROOT))
        _worker(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000,10000000", help="comma-separated call counts")
    parser.add_argument("--loop-sizes", default="100000,1000000", help="sizes that also run the per-line loop")
    parser.add_argument("--work", type=Path, default=Path("benchmarks/.work"), help="where generated files live")
    parser.add_argument("--memory-limit", default="1500MB", help="DuckDB memory_limit for ingest and simulate")
    parser.add_argument("--text-share", type=float, default=0.3,
                        help="share of calls whose log carries prompt and answer text (the rest: usage only)")
    parser.add_argument("--mixes", default="usage,messages",
                        help="traffic mixes: usage (text on --text-share of calls), messages (text on every call)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each fixed-cost step (the median is kept)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    args.work.mkdir(parents=True, exist_ok=True)
    loop_sizes = {int(s) for s in args.loop_sizes.split(",") if s}
    shares = {"usage": args.text_share, "messages": 1.0}
    mixes = [m for m in args.mixes.split(",") if m]
    unknown = sorted(set(mixes) - set(shares))
    if unknown:
        parser.error(f"unknown mix {unknown[0]!r}: choose from {', '.join(shares)}")
    results = [bench_size(args.work, int(s), int(s) in loop_sizes and mix == "usage", args.memory_limit,
                          shares[mix], mix)
               for mix in mixes for s in args.sizes.split(",")]
    fixed = bench_fixed(args.work, max(results, key=lambda r: (r["mix"] == "usage", r["size"])), args.repeat)
    report = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
              "results": results, "fixed": fixed}
    _table(results)
    _targets_table(results, fixed)
    text = json.dumps(report, indent=2, default=str)
    if args.json:
        args.json.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
