-- The part of cost_usd billed at other models' rates for steps of the call that ran on them:
-- an advisor the call consulted (Anthropic's advisor tool) and an attempt on a model that refused
-- before the API fell back to the one that answered (server-side fallback); their tokens are in
-- tags (advisor_*, fallback_from_*). 0 for a call without such steps; NULL when a step's model has
-- no price (cost_usd then leaves it out, a lower bound). Calls stored before were priced without
-- it: NULL for those with such steps, until they are priced again.
ALTER TABLE calls ADD COLUMN other_models_cost_usd DECIMAL(38, 12);
UPDATE calls SET other_models_cost_usd =
    CASE WHEN tags['advisor_model'] IS NULL AND tags['fallback_from_model'] IS NULL THEN 0 END;
