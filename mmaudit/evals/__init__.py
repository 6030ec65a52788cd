"""Outcome matrices: candidate models scored on the team's own prompts (docs/evals.md).

    importer   `mmaudit evals import`: files into the `evals` table (scale, judge failures,
               duplicates, conflicts)
    spec       what a file declares about its scores (sidecar, header line, options)
    hashing    the prompt hash an item and a logged call share
    sample     `mmaudit evals sample`: stratified, spend-weighted prompts to evaluate
    stats      Wilson and item (cluster) bootstrap intervals, PGR, APGR, CPT
    baselines  single models, logged, oracle, random mix; attaches measured quality to a
               simulation result (simulate/quality.py does the per-call scoring)
    sweep      `simulate --sweep`: the cost/quality curve
"""
