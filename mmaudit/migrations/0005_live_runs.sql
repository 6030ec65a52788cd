-- Live runs (opt-in, `mmaudit evals run` and `mmaudit categorize label`, docs/evals.md "Live runs").
-- `evals` is shared with `mmaudit evals import` (migration 0004 on the measured-quality work
-- creates it with the same columns; whichever runs first wins, IF NOT EXISTS keeps the other).
CREATE TABLE IF NOT EXISTS evals (
    model          VARCHAR NOT NULL,   -- the price-table model key the candidate resolved to
    score          DOUBLE,             -- higher is better, 0..1; NULL when the grader failed
    success        BOOLEAN,
    call_id        VARCHAR,            -- the logged call re-run on the candidate
    prompt_hash    VARCHAR,
    task           VARCHAR,
    complexity     VARCHAR,
    input_tokens   BIGINT,             -- as the gateway reported them
    output_tokens  BIGINT,
    cost_usd       DECIMAL(38, 12),    -- priced by mmaudit's tables, never the gateway's figure
    latency_ms     DOUBLE,
    ttft_ms        DOUBLE,
    sample         INTEGER,
    grader         VARCHAR,
    eval_set       VARCHAR,
    run_id         VARCHAR
);

-- One row per live run (a run id is derived from what is sent, so a re-run resumes it).
CREATE TABLE IF NOT EXISTS eval_runs (
    run_id          VARCHAR PRIMARY KEY,
    kind            VARCHAR NOT NULL,   -- evals | label
    sample_file     VARCHAR,
    models          VARCHAR[],          -- model keys of the candidates (label: the labeller)
    judge           VARCHAR,            -- model key of the judge, NULL without one
    grader          VARCHAR,
    gateway         VARCHAR,            -- base URL without credentials, or 'provider defaults'
    max_tokens      INTEGER,
    max_usd         DECIMAL(38, 12),
    projected_usd   DECIMAL(38, 12),    -- estimate shown before the run (offline token counts)
    worst_case_usd  DECIMAL(38, 12),    -- every request at its token upper bound
    started_at      TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    finished_at     TIMESTAMPTZ,
    status          VARCHAR NOT NULL    -- running | complete | incomplete | budget_stopped | auth_failed
                                        -- | interrupted
);

-- Every request a live run sent: what it cost (our prices), what came back. The judge's and the
-- labeller's spend live here (role), apart from the candidates' cost in `evals`.
CREATE TABLE IF NOT EXISTS live_requests (
    run_id         VARCHAR NOT NULL,
    item           VARCHAR NOT NULL,   -- call_id, else prompt_hash, of the sampled prompt
    model          VARCHAR NOT NULL,   -- model key
    role           VARCHAR NOT NULL,   -- candidate | judge_ab | judge_ba | rubric:<name> | label
    candidate      VARCHAR,            -- for judge requests: the candidate being judged
    status         VARCHAR NOT NULL,   -- ok | failed (a 4xx, for good) | gave_up (429/5xx/timeout past
                                       -- the retries) | stopped (budget, Ctrl-C, credentials refused)
    error          VARCHAR,            -- the error class and message, secrets scrubbed
    attempts       INTEGER,
    input_tokens   BIGINT,
    output_tokens  BIGINT,
    cost_usd       DECIMAL(38, 12),    -- all this request's attempts, priced by mmaudit's tables
    bound_usd      DECIMAL(38, 12),    -- of cost_usd, worst cases of attempts whose cost is unknown
                                       -- (timed out, no usage reported): a bound, not a measurement
    latency_ms     DOUBLE,
    ttft_ms        DOUBLE,
    response_text  VARCHAR,
    finished_at    TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
