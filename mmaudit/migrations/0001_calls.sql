-- The canonical store. `calls` is the public contract (documented in docs/calls.md):
-- add columns in later migrations, never rename or drop one.
CREATE TABLE calls (
    call_id              VARCHAR NOT NULL,   -- the log's request id, else a stable hash of the record
    ts                   TIMESTAMPTZ,        -- request start, UTC; NULL when the log has no time
    provider             VARCHAR,            -- openai, anthropic, google, aws-bedrock, azure, ...
    model                VARCHAR,            -- as logged
    operation            VARCHAR,            -- chat, completion, embedding, image, audio, ...
    input_tokens         BIGINT,             -- ALL billed input tokens, cache reads and writes included
    cached_input_tokens  BIGINT,             -- of input_tokens, read from the prompt cache
    cache_write_tokens   BIGINT,             -- of input_tokens, written to the prompt cache
    output_tokens        BIGINT,             -- all output tokens, reasoning included
    reasoning_tokens     BIGINT,             -- of output_tokens, reasoning/thinking
    tokens_estimated     BOOLEAN NOT NULL DEFAULT false,
    latency_ms           DOUBLE,
    ttft_ms              DOUBLE,
    status               VARCHAR NOT NULL,   -- 'ok' | 'error'
    error_type           VARCHAR,            -- rate_limit, timeout, server, client, content_filter, ...
    http_status          INTEGER,
    is_batch             BOOLEAN NOT NULL DEFAULT false,
    logged_cost_usd      DECIMAL(38, 12),    -- the cost the log itself carries
    tags                 MAP(VARCHAR, VARCHAR),
    prompt_hash          VARCHAR,            -- md5 of the normalised prompt
    -- request features (text columns are NULL when ingested with --redact-text)
    system_prompt        VARCHAR,
    user_prompt          VARCHAR,            -- the last user message
    response_text        VARCHAR,
    prompt_chars         BIGINT,             -- characters of the whole prompt (all messages)
    n_messages           INTEGER,
    n_tools              INTEGER,            -- tools/functions offered
    has_image            BOOLEAN,
    response_format      VARCHAR,            -- json_schema | json_object | NULL
    -- derived by pricing
    model_key            VARCHAR,            -- price-table key the model resolved to, NULL if unknown
    cost_usd             DECIMAL(38, 12),    -- computed cost, NULL when the model has no price
    -- derived by categorisation
    task                 VARCHAR,
    complexity           VARCHAR,
    category_confidence  DOUBLE,
    category_source      VARCHAR,
    -- lineage
    source_file          VARCHAR,
    source_line          BIGINT,
    source_format        VARCHAR,
    ingested_at          TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE TABLE quarantine (
    source_file    VARCHAR NOT NULL,
    source_line    BIGINT,
    source_format  VARCHAR,
    reason         VARCHAR NOT NULL,
    raw            VARCHAR,               -- the line (cut at 64 KiB); NULL under --redact-text
    raw_hash       VARCHAR,
    ingested_at    TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE TABLE ingested_files (
    source_file    VARCHAR NOT NULL,
    source_format  VARCHAR,
    size_bytes     BIGINT,
    records        BIGINT,
    loaded         BIGINT,
    duplicates     BIGINT,
    quarantined    BIGINT,
    ingested_at    TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
