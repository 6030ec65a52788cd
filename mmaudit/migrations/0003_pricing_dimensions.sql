-- Columns several concerns share (round 3):
--   cache_write_1h_tokens: of cache_write_tokens, those written with a 1-hour TTL (Anthropic's
--     usage.cache_creation.ephemeral_1h_input_tokens); billed at the 1-hour write rate.
--   service_tier: the provider's service tier as logged (OpenAI `service_tier`: default, flex,
--     priority, scale); prices differ per tier.
--   sample_weight: how many real calls this record stands for (1 unless the log was sampled).
--   text_redacted: true when the call was ingested with --redact-text (its text was dropped on
--     purpose); NULL for calls stored before this column existed (unknown: treat as redacted).
ALTER TABLE calls ADD COLUMN cache_write_1h_tokens BIGINT;
ALTER TABLE calls ADD COLUMN service_tier VARCHAR;
ALTER TABLE calls ADD COLUMN sample_weight DOUBLE;
ALTER TABLE calls ADD COLUMN text_redacted BOOLEAN;
UPDATE calls SET cache_write_1h_tokens = 0, sample_weight = 1;
