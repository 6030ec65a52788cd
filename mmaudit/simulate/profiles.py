"""How a call's tokens change when it moves to another model: measured from the team's own
calls where there are enough, else stated priors. Small temp tables, one scan of `calls`:

    _sim_task_tokens  per task, the mean tokens of an answered call (a logged failure carries
                      none: rerouted and answered elsewhere, it is priced as such a call)
    _sim_visible      per (model, task), the mean visible output (output - reasoning) of answered
                      calls, where at least MIN_CALLS of them
    _sim_reasoning    per (model, task), the mean reasoning tokens of answered calls on a
                      reasoning model, where at least MIN_CALLS; per task over every reasoning
                      model as the first fallback (model_key '*')

A call moved from model S to model T (S != T), for its task:
    visible output  x mean visible(T) / mean visible(S)   when both are measured, else x 1
    reasoning       dropped when T does not reason (its `mode` is not `reasoning`); when T
                    reasons: T's measured mean per call, else the team's mean over all its
                    reasoning models, else REASONING_PRIOR x the visible output (a prior)
and every part is then scaled by the tokenizers' token_ratio(T) / token_ratio(S).
"""

from __future__ import annotations

import duckdb

MIN_CALLS = 20  # answered calls of a (model, task) before its mean is used instead of a prior
REASONING_PRIOR = 2.0  # reasoning tokens per visible output token on a reasoning model, unmeasured


def load_profiles(con: duckdb.DuckDBPyConnection, period: str) -> None:
    """Build the profile tables from the calls of the period (`period`: our own SQL filter on c)."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _sim_prof_src AS
        SELECT c.model_key, coalesce(c.task, 'other') AS task, count(*) AS n,
               avg(coalesce(c.input_tokens, 0)) AS tin, avg(coalesce(c.cached_input_tokens, 0)) AS tcr,
               avg(coalesce(c.cache_write_tokens, 0)) AS tcw, avg(coalesce(c.output_tokens, 0)) AS tout,
               avg(coalesce(c.reasoning_tokens, 0)) AS trs,
               avg(greatest(coalesce(c.output_tokens, 0) - coalesce(c.reasoning_tokens, 0), 0)) AS visible,
               sum(coalesce(c.input_tokens, 0)) AS sin, sum(coalesce(c.cached_input_tokens, 0)) AS scr,
               sum(coalesce(c.cache_write_tokens, 0)) AS scw, sum(coalesce(c.output_tokens, 0)) AS sout,
               sum(coalesce(c.reasoning_tokens, 0)) AS srs
        FROM calls c
        WHERE c.status = 'ok' AND coalesce(c.input_tokens, 0) + coalesce(c.output_tokens, 0) > 0 AND {period}
        GROUP BY ALL""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _sim_task_tokens AS
        SELECT task, sum(sin) / sum(n) AS tin, sum(scr) / sum(n) AS tcr, sum(scw) / sum(n) AS tcw,
               sum(sout) / sum(n) AS tout, sum(srs) / sum(n) AS trs
        FROM _sim_prof_src GROUP BY task""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _sim_visible AS
        SELECT model_key, task, visible FROM _sim_prof_src WHERE n >= {MIN_CALLS} AND model_key IS NOT NULL""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _sim_reasoning AS
        SELECT p.model_key, p.task, p.trs AS per_call
        FROM _sim_prof_src p LEFT JOIN model_info mi USING (model_key)
        WHERE mi.mode = 'reasoning' AND p.n >= {MIN_CALLS}
        UNION ALL
        SELECT '*', p.task, sum(p.srs) / sum(p.n)
        FROM _sim_prof_src p LEFT JOIN model_info mi USING (model_key)
        WHERE mi.mode = 'reasoning' GROUP BY p.task HAVING sum(p.n) >= {MIN_CALLS}""")
    con.execute("DROP TABLE _sim_prof_src")


def moved_output_sql(target: str, tr: str, tout: str = "s.tout", trs: str = "s.trs", n: str = "s.n") -> str:
    """SQL: a class's output tokens on model `target` (an alias of _sim_models joined with
    `v{target}`, `vs`, `r{target}`, `ra` profile rows), from its summed output and reasoning."""
    visible = f"greatest({tout} - {trs}, 0)"
    ratio = f"coalesce(v{target}.visible / nullif(vs.visible, 0), 1.0)"
    new_visible = f"({visible} * {ratio} * {tr})"
    reasoning = (f"CASE WHEN {target}.reasoning THEN coalesce(r{target}.per_call * {n}, ra.per_call * {n}, "
                 f"{REASONING_PRIOR} * {new_visible}) ELSE 0 END")
    return f"({new_visible} + {reasoning})"


def profile_joins(target: str, key: str) -> str:
    """The LEFT JOINs `moved_output_sql` reads for a target model key expression."""
    return (f"LEFT JOIN _sim_visible v{target} ON v{target}.model_key = {key} AND v{target}.task = s.task "
            f"LEFT JOIN _sim_reasoning r{target} ON r{target}.model_key = {key} AND r{target}.task = s.task")


ASSUMPTION = (f"Tokens follow the target model: output length x the ratio of the two models' mean visible output "
              f"on the team's own calls of the task (when both have {MIN_CALLS}+ answered calls, else x1); "
              f"logged reasoning tokens are dropped on a model that does not reason; a reasoning model adds its "
              f"measured reasoning tokens per call for the task (else the team's mean over its reasoning models, "
              f"else a prior of {REASONING_PRIOR:g} reasoning tokens per visible output token).")
