-- Image tokens a call carried (Gemini IMAGE entries of `promptTokensDetails`, `cacheTokensDetails`,
-- `candidatesTokensDetails`; OpenAI Realtime `input_token_details.image_tokens`): parts of
-- input_tokens, cached_input_tokens and output_tokens, billed at the model's image rates where it
-- has them (gemini-2.5-flash-image: $30 per 1M generated image tokens against $2.50 for text).
-- 0 for calls stored before.
ALTER TABLE calls ADD COLUMN input_image_tokens BIGINT;
ALTER TABLE calls ADD COLUMN cached_image_tokens BIGINT;
ALTER TABLE calls ADD COLUMN output_image_tokens BIGINT;
UPDATE calls SET input_image_tokens = 0, cached_image_tokens = 0, output_image_tokens = 0;
