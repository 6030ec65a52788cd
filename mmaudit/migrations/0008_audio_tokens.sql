-- Audio tokens a call carried (OpenAI `prompt_tokens_details.audio_tokens` /
-- `completion_tokens_details.audio_tokens`, Realtime `input_token_details.audio_tokens` and
-- `cached_tokens_details.audio_tokens`, Gemini AUDIO entries of `promptTokensDetails`,
-- `cacheTokensDetails`, `candidatesTokensDetails`): parts of input_tokens, cached_input_tokens
-- and output_tokens, billed at the model's audio rates where it has them. 0 for calls stored before.
ALTER TABLE calls ADD COLUMN input_audio_tokens BIGINT;
ALTER TABLE calls ADD COLUMN cached_audio_tokens BIGINT;
ALTER TABLE calls ADD COLUMN output_audio_tokens BIGINT;
UPDATE calls SET input_audio_tokens = 0, cached_audio_tokens = 0, output_audio_tokens = 0;
