"""SQL macros shared by the log-format adapters.

Adapters read every JSON leaf as VARCHAR (so a token count logged as "12" or 12.0 still loads)
and convert it with these macros. They are created as TEMP macros on the ingest connection.
"""

from __future__ import annotations

import duckdb

MACROS: tuple[str, ...] = (
    # A non-negative whole count, or NULL when absent or not a number ("NaN", "abc", -3).
    """CREATE OR REPLACE TEMP MACRO mm_int(x) AS (
        CASE WHEN isfinite(TRY_CAST(x AS DOUBLE)) AND TRY_CAST(x AS DOUBLE) >= 0
             THEN TRY_CAST(round(TRY_CAST(x AS DOUBLE)) AS BIGINT) END)""",
    "CREATE OR REPLACE TEMP MACRO mm_bad_int(x) AS (x IS NOT NULL AND mm_int(x) IS NULL)",
    """CREATE OR REPLACE TEMP MACRO mm_num(x) AS (
        CASE WHEN isfinite(TRY_CAST(x AS DOUBLE)) THEN TRY_CAST(x AS DOUBLE) END)""",
    # A time outside 1970..2199 is not a real API call's time (year 99999, a ms value read as
    # seconds): NULL, so `mm_bad_ts` quarantines it instead of loading a date nothing can print.
    """CREATE OR REPLACE TEMP MACRO mm_ts_plausible(t) AS (
        CASE WHEN t >= TIMESTAMPTZ '1970-01-01 00:00:00+00' AND t < TIMESTAMPTZ '2200-01-01 00:00:00+00' THEN t END)""",
    # Epoch seconds, milliseconds, micro- or nanoseconds, or an ISO-8601 string (UTC when no zone).
    """CREATE OR REPLACE TEMP MACRO mm_ts(x) AS (mm_ts_plausible(
        CASE
          WHEN x IS NULL OR trim(x) = '' THEN NULL
          WHEN regexp_full_match(trim(x), '[0-9]+(\\.[0-9]+)?') THEN
            CASE WHEN TRY_CAST(x AS DOUBLE) < 1e11 THEN to_timestamp(TRY_CAST(x AS DOUBLE))
                 WHEN TRY_CAST(x AS DOUBLE) < 1e14 THEN to_timestamp(TRY_CAST(x AS DOUBLE) / 1e3)
                 WHEN TRY_CAST(x AS DOUBLE) < 1e17 THEN to_timestamp(TRY_CAST(x AS DOUBLE) / 1e6)
                 ELSE to_timestamp(TRY_CAST(x AS DOUBLE) / 1e9) END
          ELSE TRY_CAST(x AS TIMESTAMPTZ)
        END))""",
    "CREATE OR REPLACE TEMP MACRO mm_bad_ts(x) AS (x IS NOT NULL AND trim(x) <> '' AND mm_ts(x) IS NULL)",
    "CREATE OR REPLACE TEMP MACRO mm_bool(x) AS (lower(x) IN ('true', '1', 'yes'))",
    # Text of a message `content`: a string, or a list of parts with `text`.
    """CREATE OR REPLACE TEMP MACRO mm_content_text(c) AS (
        CASE json_type(c)
          WHEN 'VARCHAR' THEN json_extract_string(c, '$')
          WHEN 'ARRAY' THEN nullif(array_to_string(json_extract_string(c, '$[*].text'), chr(10)), '')
        END)""",
    # A chat `messages` array parsed once into typed {role, content} structs (NULL if not an array).
    """CREATE OR REPLACE TEMP MACRO mm_msgs(msgs) AS (
        from_json(msgs, '[{"role": "VARCHAR", "content": "JSON"}]'))""",
    """CREATE OR REPLACE TEMP MACRO mm_role_text(msgs, roles) AS (
        nullif(array_to_string(list_transform(
            list_filter(mm_msgs(msgs), lambda m: m.role IN roles),
            lambda m: mm_content_text(m.content)), chr(10)), ''))""",
    """CREATE OR REPLACE TEMP MACRO mm_last_user(msgs) AS (
        mm_content_text(list_filter(mm_msgs(msgs), lambda m: m.role = 'user')[-1].content))""",
    """CREATE OR REPLACE TEMP MACRO mm_all_text(msgs) AS (
        array_to_string(list_transform(mm_msgs(msgs), lambda m: mm_content_text(m.content)), chr(10)))""",
    """CREATE OR REPLACE TEMP MACRO mm_has_image(msgs) AS (
        coalesce(regexp_matches(CAST(msgs AS VARCHAR),
            '"type"\\s*:\\s*"(image_url|image|input_image)"'), false))""",
    """CREATE OR REPLACE TEMP MACRO mm_prompt_hash(sys_text, all_text) AS (
        CASE WHEN sys_text IS NOT NULL OR all_text IS NOT NULL THEN md5(lower(regexp_replace(
            trim(coalesce(sys_text, '') || chr(10) || coalesce(all_text, '')), '\\s+', ' ', 'g'))) END)""",
    # A JSON object of metadata as a string map (nested values kept as JSON text).
    """CREATE OR REPLACE TEMP MACRO mm_tags(j) AS (
        CASE WHEN json_type(j) = 'OBJECT' THEN json_transform(j, '"MAP(VARCHAR, VARCHAR)"') END)""",
    # map_concat skips a NULL map, is NULL when both are, and lets b's keys win. Each argument is
    # pasted in ONCE: the macro's arguments are pasted as they are, and `CASE WHEN a IS NULL THEN b
    # ...` tripled nested tag expressions at every level (binding them cost seconds a chunk).
    """CREATE OR REPLACE TEMP MACRO mm_merge_tags(a, b) AS (map_concat(a, b))""",
    # The canonical error classes, from an HTTP status and any provider code/type text. The
    # arguments go into a one-item list so that each is pasted ONCE (a macro's arguments are pasted
    # wherever it names them): gemini-cli's status and text, read from the message with regexes,
    # were bound 11 times, and its projection planned in ~110 ms, not ~270 ms. The lambda costs
    # ~40% more per value (2M values: 0.64 s, not 0.47 s), paid mostly on failed calls: callers ask
    # for a failure first, and openai-chat asks a text alone only for a failure with no status (its
    # projection of 200k calls ran in the same time).
    """CREATE OR REPLACE TEMP MACRO mm_error_type(http, code) AS (
        list_transform([{'http': http, 'code': lower(coalesce(code, '')), 'coded': code IS NOT NULL}], lambda _e: CASE
          WHEN _e.http = 429 OR regexp_matches(_e.code,
               'rate_limit|ratelimit|throttl|resource_exhausted|too_many_requests|quota') THEN 'rate_limit'
          WHEN _e.http IN (408, 504) OR regexp_matches(_e.code,
               'timeout|timed_out|deadline_exceeded') THEN 'timeout'
          WHEN _e.http >= 500 OR regexp_matches(_e.code,
               'overloaded|server_error|internal|unavailable|api_error|bad_gateway') THEN 'server'
          -- (an optional underscore: LiteLLM's ContentPolicyViolationError, ContextWindowExceededError)
          WHEN regexp_matches(_e.code, 'content_?filter|content_?policy|safety|moderation')
               THEN 'content_filter'
          WHEN regexp_matches(_e.code, 'context_?length|context_?window|too_long|too_many_tokens')
               THEN 'context_length'
          WHEN _e.http IN (401, 403) OR regexp_matches(_e.code,
               'auth|permission|api_key|forbidden') THEN 'auth'
          WHEN _e.http >= 400 OR _e.coded THEN 'client'
        END)[1])""",
    # A gateway's provider label (LiteLLM `custom_llm_provider`, Helicone `provider`, OpenRouter
    # `provider_name`) in mmaudit's provider names; the model decides when there is no label. A log
    # that names Vertex AI itself (LiteLLM's `vertex_ai`, OTel's `gcp.vertex_ai`, LangChain's
    # `google_vertexai`) is `vertex`, priced at Vertex's rates where they differ; a gateway's label
    # for an upstream ("Google Vertex" on OpenRouter, which bills per model) stays google.
    """CREATE OR REPLACE TEMP MACRO mm_provider_name(p, m) AS (
        CASE
          WHEN p IS NULL OR trim(p) = '' THEN mm_provider_from_model(m)
          -- a gateway's label for a server the team runs itself (LiteLLM's `ollama`, `hosted_vllm`...):
          -- the call ran on the team's own hardware (mmaudit/formats/hosts.py)
          WHEN replace(lower(trim(p)), '-', '_') IN ('ollama', 'ollama_chat', 'hosted_vllm', 'vllm', 'lm_studio', 'llamafile',
                                                     'self_hosted')
               THEN 'self-hosted'
          WHEN regexp_matches(lower(p), 'bedrock|^aws|amazon') THEN 'aws-bedrock'
          WHEN regexp_matches(lower(p), 'azure') THEN 'azure'
          WHEN lower(trim(p)) IN ('vertex', 'vertex_ai', 'vertex_ai_beta', 'vertex-ai', 'google_vertex', 'gcp.vertex_ai',
                                  'google_vertexai')
               THEN 'vertex'
          WHEN regexp_matches(lower(p), 'vertex|gemini|google') THEN 'google'
          WHEN regexp_matches(lower(p), 'anthropic') THEN 'anthropic'
          WHEN regexp_matches(lower(p), 'openai') THEN 'openai'
          WHEN regexp_matches(lower(p), 'mistral') THEN 'mistral'
          WHEN regexp_matches(lower(p), 'deepseek') THEN 'deepseek'
          WHEN regexp_matches(lower(p), '^x[._-]?ai$') THEN 'xai'
          -- LiteLLM's labels for hosts with a suffix of their own (`together_ai`, `fireworks_ai`,
          -- `cohere_chat`): the host's name, which its prices are filed under
          WHEN regexp_matches(lower(trim(p)), '^together([._-]?ai)?$') THEN 'together'
          WHEN regexp_matches(lower(trim(p)), '^fireworks([._-]?ai)?$') THEN 'fireworks'
          WHEN regexp_matches(lower(trim(p)), '^cohere([._-]?chat)?$') THEN 'cohere'
          WHEN regexp_matches(lower(trim(p)), '^moonshot([._-]?ai)?$') THEN 'moonshotai'
          ELSE regexp_replace(lower(trim(p)), '[^a-z0-9]+', '-', 'g')
        END)""",
    # Best guess of the provider from a model id, for logs that do not say.
    """CREATE OR REPLACE TEMP MACRO mm_provider_from_model(m) AS (
        CASE
          WHEN m IS NULL THEN NULL
          WHEN regexp_matches(lower(m), '^arn:aws|^(us|eu|apac|global)\\.|^(amazon|meta|cohere|ai21)\\.|nova|titan')
               THEN 'aws-bedrock'
          WHEN regexp_matches(lower(m), '^azure/') THEN 'azure'
          WHEN regexp_matches(lower(m), 'claude') THEN 'anthropic'
          WHEN regexp_matches(lower(m), '(^|/)palmyra') THEN 'writer'  -- (Writer's, not PaLM)
          WHEN regexp_matches(lower(m), 'gemini|gemma|(^|/)palm|(^|/)(text|chat|code|codechat)-bison') THEN 'google'
          WHEN regexp_matches(lower(m), 'deepseek') THEN 'deepseek'
          WHEN regexp_matches(lower(m), 'mistral|mixtral|codestral|ministral|pixtral|magistral|devstral|voxtral') THEN 'mistral'
          WHEN regexp_matches(lower(m), '(^|/|ft:)(gpt|o1|o3|o4|chatgpt|text-embedding|davinci|babbage|whisper|dall-e|tts)')
               THEN 'openai'
          WHEN regexp_matches(lower(m), '(^|/)grok') THEN 'xai'
          WHEN regexp_matches(lower(m), '(^|/)sonar') THEN 'perplexity'
          WHEN regexp_matches(lower(m), '(^|/)(kimi|moonshot)') THEN 'moonshotai'
          WHEN regexp_matches(lower(m), '(^|/)(qwen|qwq)') THEN 'alibaba'
          WHEN regexp_matches(lower(m), '(^|/)(glm|chatglm|codegeex)') THEN 'zai'
          WHEN regexp_matches(lower(m), 'llama') THEN 'meta'
          WHEN regexp_matches(lower(m), '(^|/)(command(-|$)|c4ai-|aya-|embed-(english|multilingual|v[0-9])|rerank-)')
               THEN 'cohere'
          WHEN regexp_matches(lower(m), '(^|/)voyage-') THEN 'voyageai'
          ELSE 'unknown'
        END)""",
)


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Create the macros on this connection (idempotent)."""
    for sql in MACROS:
        con.execute(sql)
