"""The provider an API host belongs to, from genai-prices' `api_pattern`s.

A model id does not say who served it: `meta-llama/Llama-3.3-70B-Instruct-Turbo` is sold by
Together, DeepInfra, Fireworks... each at its own price, and an OpenAI SDK pointed at another
host still reports `gen_ai.system = "openai"`. The address the call went to does say, and logs
often keep it: a captured HTTP exchange's `request.url`, an OpenTelemetry span's
`server.address`, LiteLLM's `api_base`. genai-prices lists each provider's API address as a
regular expression (`https://api\\.together\\.xyz`), matched from the start of the URL in its
order, first match wins (its `find_provider`); `mm_provider_from_url(u)` does the same in SQL and
answers in mmaudit's provider names (`mm_provider_name`), NULL for an address no provider claims
(a company gateway, a local proxy). One departure: Vertex AI's hosts (`*aiplatform.googleapis.com`)
are `vertex`, where genai-prices has one `google` for every googleapis.com host, because Vertex
prices some models apart (mmaudit/pricing/resolve.py).

An address on the team's own machines (loopback, the private IPv4 ranges, `*.local` and
Kubernetes' `*.svc.cluster.local`, Docker's `host.docker.internal`) is no seller's: the call ran
on the team's own hardware (Ollama on `localhost:11434`, vLLM on a pod), and
`mm_provider_at(u, m)` answers `self-hosted` for it, which no cloud rate prices (only a
`tier: self-hosted` registry entry does: 0 per call, its fixed cost apart). One exception: a local
address that answered with a model only its maker's API serves (`gpt-4o-mini`, `claude-*`,
`gemini-*`, `deepseek-chat`...) is a gateway (LiteLLM's proxy on `localhost:4000`), and the body
names the provider as before. `mm_local_server(fp)`: a body's `system_fingerprint` that names a
server a team runs itself (Ollama's `fp_ollama`, vLLM's `vllm-<version>-...`, llama.cpp's
`llama-server` build, `b<build number>-<commit>`: `b1-6a746cf` in canonical/inference-snaps'
tutorial, `b9251-e2b129e1b` in a llama-server benchmark's streamed usage chunk; llama.cpp builds
it as `"b" + LLAMA_BUILD_NUMBER + "-" + LLAMA_COMMIT`, the commit `unknown` outside git). No cloud
API answers with such a fingerprint: OpenAI's, DeepSeek's and Groq's are `fp_<hex>`.

Ollama's cloud models (`minimax-m2.5:cloud`, `gpt-oss:120b-cloud`) are not the team's hardware:
the local daemon relays them to ollama.com, which bills them (its plans), and the answer says so
(`remote_host: https://ollama.com:443`, `remote_model`). `OLLAMA_CLOUD_HOST` and
`OLLAMA_CLOUD_TAG` tell them (mmaudit/formats/ollama.py): provider `ollama-cloud`, not
`self-hosted`, so no self-hosted registry entry is suggested for them.

The patterns come from the installed genai-prices, kept on disk per its version (importing its
data module costs ~0.1 s; a warm process reads a small JSON file instead).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import duckdb

# ours, ahead of genai-prices' single `google` pattern (regional hosts are `us-central1-aiplatform...`)
_VERTEX = ("vertex_ai", r"https?://([a-z0-9-]+-)?aiplatform\.googleapis\.com")


def host_patterns() -> tuple[tuple[str, str], ...]:
    """(provider label, regex) in genai-prices' order, Vertex AI's first."""
    from mmaudit.pricing.genai import cache_dir, genai_version

    return _host_patterns(str(cache_dir()), genai_version())


@lru_cache(maxsize=2)
def _host_patterns(folder: str, data_version: str) -> tuple[tuple[str, str], ...]:
    path = Path(folder) / f"genai-hosts-{data_version}.json"
    try:
        return tuple((str(p), str(r)) for p, r in json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        pass
    patterns = (_VERTEX, *_library_patterns())
    _save(path, patterns)
    return patterns


def _library_patterns() -> list[tuple[str, str]]:
    from mmaudit.pricing.genai_data import snapshot

    # (`openai-decisions` repeats `openai`'s address: as in genai-prices, the first match wins)
    return [(p.id, p.api_pattern) for p in snapshot().providers if p.api_pattern]


def _save(path: Path, patterns: tuple[tuple[str, str], ...]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(patterns), encoding="utf-8")
        partial.replace(path)
    except OSError:
        pass


# The host of an address on the team's own machines, anchored after an optional scheme and user.
PRIVATE_ADDRESS = (r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]*@)?(?:localhost|127\.[0-9.]+|\[::1\]|::1|0\.0\.0\.0"
                   r"|10\.[0-9.]+|192\.168\.[0-9.]+|172\.(?:1[6-9]|2[0-9]|3[01])\.[0-9.]+"
                   r"|host\.docker\.internal|[a-z0-9.-]+\.local)(?::[0-9]+)?(?:[/?#]|$)")
# Ids only a maker's own API serves (closed weights, or the API's own names for open ones); an
# Ollama tag (`command-r:35b`, `:latest`) and OpenAI's open `gpt-oss` are never such ids.
CLOUD_API_MODEL = (r"(^|/)(gpt-|chatgpt|o[1-9]|text-embedding|davinci|babbage|whisper|dall-e|tts-|claude|gemini|grok"
                   r"|sonar|command-|nova-|titan-)|^(arn:aws|(us|eu|apac|global)\.|(anthropic|amazon|meta|cohere|ai21"
                   r"|mistral|deepseek)\.)|(^|/)deepseek-(chat|reasoner)$|^(mistral|codestral|pixtral|magistral"
                   r"|devstral|ministral|voxtral)[a-z0-9-]*-latest$|^qwen[0-9.]*-(max|plus|turbo|flash|long)"
                   r"|^(moonshot-v1|kimi-latest)")
_OPEN_WEIGHTS_TAG = r"gpt-oss|:[0-9.]+[bm]\b|:latest$"
# `system_fingerprint`s of servers a team runs itself: Ollama's and vLLM's OpenAI-compatible servers,
# and llama.cpp's llama-server (`b<build number>-<short commit>`, `b<n>-unknown` built outside git)
LOCAL_FINGERPRINT = r"^(fp_ollama|vllm-|b[0-9]+-([0-9a-f]{7,40}|unknown)$)"
SELF_HOSTED = "self-hosted"
# Ollama's cloud: the host a local daemon relays a cloud model to (`remote_host`), and the tags of
# Ollama's cloud models (`minimax-m2.5:cloud`, `gpt-oss:120b-cloud`, `qwen3-coder:480b-cloud`)
OLLAMA_CLOUD = "ollama-cloud"
OLLAMA_CLOUD_HOST = r"^(?:https?://)?(?:[a-z0-9-]+\.)*ollama\.com(?::[0-9]+)?(?:[/?#]|$)"
OLLAMA_CLOUD_TAG = r":(?:[a-z0-9._-]+-)?cloud$"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _schemeless(pattern: str) -> str:
    """The pattern anchored at the start of the value, its scheme optional: a span's
    `server.address` is a bare host (`api.groq.com`)."""
    for scheme in ("https://", "https?://", "(https?://)?"):
        if pattern.startswith(scheme):
            pattern = pattern[len(scheme):]
            break
    return "^(?:[a-z][a-z0-9+.-]*://)?(?:" + pattern + ")"


def macro_sql(names: dict[str, str]) -> str:
    """`mm_provider_from_url(u)`: the provider whose address `u` is (with or without its scheme),
    in mmaudit's names (`names`: label -> name); NULL when none claims it. One CASE of anchored
    patterns with literal answers: a macro is planned with every query that uses it, and each
    nested macro call would be copied into every arm."""
    arms = " ".join(f"WHEN regexp_matches(u, {_literal(_schemeless(pattern))}) THEN {_literal(names[label])}"
                    for label, pattern in host_patterns())
    return f"CREATE OR REPLACE TEMP MACRO mm_provider_from_url(u) AS (CASE WHEN u IS NULL THEN NULL {arms} END)"


def own_hardware_sql() -> tuple[str, ...]:
    """`mm_provider_at(u, m)`: the provider of address `u` for a call that answered with model `m`:
    `mm_provider_from_url`'s, else `self-hosted` for an address on the team's own machines unless
    `m` is a cloud API's own model (a local gateway), else NULL. `mm_local_server(fp)`: whether a
    body's `system_fingerprint` names a server a team runs itself."""
    cloud_only = (f"(regexp_matches(lower(m), {_literal(CLOUD_API_MODEL)}) "
                  f"AND NOT regexp_matches(lower(m), {_literal(_OPEN_WEIGHTS_TAG)}))")
    return (
        f"CREATE OR REPLACE TEMP MACRO mm_provider_at(u, m) AS (coalesce(mm_provider_from_url(u), "
        f"CASE WHEN regexp_matches(lower(trim(u)), {_literal(PRIVATE_ADDRESS)}) AND trim(m) <> '' AND NOT {cloud_only} "
        f"THEN {_literal(SELF_HOSTED)} END))",
        f"CREATE OR REPLACE TEMP MACRO mm_local_server(fp) AS "
        f"coalesce(regexp_matches(lower(trim(fp)), {_literal(LOCAL_FINGERPRINT)}), false)",
    )


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Create `mm_provider_from_url`, `mm_provider_at` and `mm_local_server` on this connection
    (after `macros.install`: the answers are `mm_provider_name`'s for genai-prices' provider ids,
    asked once here)."""
    labels = [label for label, _ in host_patterns()]
    names = dict(con.execute("SELECT label, mm_provider_name(label, NULL) FROM unnest(?::VARCHAR[]) t(label)",
                             [labels]).fetchall())
    con.execute(macro_sql(names))
    for sql in own_hardware_sql():
        con.execute(sql)
