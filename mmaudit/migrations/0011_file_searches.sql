-- File searches a call ran (OpenAI Responses `file_search_call` output items: the file search
-- tool over vector stores): billed per call on top of the tokens, at the model's file-search rate
-- (genai-prices `storage_searches_kcount`, $2.50 per 1,000). 0 for calls stored before.
ALTER TABLE calls ADD COLUMN file_searches BIGINT;
UPDATE calls SET file_searches = 0;
