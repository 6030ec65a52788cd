-- Citation tokens a call was billed for (Perplexity sonar-deep-research `usage.citation_tokens`:
-- the sources it read, counted outside completion_tokens): a part of output_tokens, billed at the
-- model's citation rate where it has one ($2 per 1M against $8 for output), else as output.
-- 0 for calls stored before.
ALTER TABLE calls ADD COLUMN citation_tokens BIGINT;
UPDATE calls SET citation_tokens = 0;
