-- Server-side web searches a call ran (Anthropic `usage.server_tool_use.web_search_requests`,
-- OpenAI Responses `web_search_call` output items): billed per search on top of the tokens, at
-- the model's web-search rate (genai-prices `web_searches_kcount`). 0 for calls stored before.
ALTER TABLE calls ADD COLUMN web_searches BIGINT;
UPDATE calls SET web_searches = 0;
