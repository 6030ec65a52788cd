-- Outcome matrices: candidate models scored on items (prompts), imported (`mmaudit evals import`)
-- or written by live runs. One row per item x model [x sample x grader]. docs/evals.md.
-- An item is a logged call re-run on candidates (`call_id`) or a prompt (`prompt_hash`, the
-- same md5 of the normalised prompt that ingest stores in calls.prompt_hash).
CREATE TABLE evals (
    eval_set       VARCHAR,            -- the evaluation's name (file name unless declared)
    call_id        VARCHAR,            -- the logged call this row scores (item by call)
    prompt_hash    VARCHAR,            -- the prompt this row scores (item by prompt)
    prompt_text    VARCHAR,            -- the prompt itself, kept only when asked (--keep-text)
    model          VARCHAR NOT NULL,   -- the model as given
    model_key      VARCHAR,            -- price-table key it resolved to (NULL: unknown model)
    sample         INTEGER NOT NULL DEFAULT 0,  -- repeat of the same item on the same model
    grader         VARCHAR,            -- who scored it (exact match, a judge model, a human)
    score          DOUBLE,             -- on 0-1 (scale_min -> 0, scale_max -> 1); NULL: judge failure
    raw_score      DOUBLE,             -- as written in the file
    success        BOOLEAN,            -- declared, else score >= the declared threshold
    judge_failed   BOOLEAN NOT NULL DEFAULT false,  -- score outside the scale: excluded, counted
    scale_min      DOUBLE,
    scale_max      DOUBLE,
    task           VARCHAR,
    complexity     VARCHAR,
    input_tokens   BIGINT,
    output_tokens  BIGINT,
    cost_usd       DECIMAL(38, 12),
    latency_ms     DOUBLE,
    ttft_ms        DOUBLE,
    run_id         VARCHAR,            -- the import or live run that wrote the row
    source_file    VARCHAR,
    source_line    BIGINT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
