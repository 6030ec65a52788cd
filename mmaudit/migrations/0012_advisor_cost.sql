-- The part of cost_usd billed for an advisor model the call consulted (Anthropic's advisor tool:
-- the executor's request samples another model, billed at that model's rates; its tokens are in
-- tags advisor_*). 0 for a call without an advisor; NULL when the advisor's model has no price
-- (cost_usd then leaves it out, a lower bound). Calls stored before were priced without it: NULL
-- for those that consulted one, until they are priced again.
ALTER TABLE calls ADD COLUMN advisor_cost_usd DECIMAL(38, 12);
UPDATE calls SET advisor_cost_usd = CASE WHEN tags['advisor_model'] IS NULL THEN 0 END;
