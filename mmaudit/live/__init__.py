"""Opt-in live runs: the one place mmaudit talks to models, and only when asked.

`evals run` (planning.py, then runner.py) sends sampled prompts to candidate models and grades the answers into the
`evals` table; `categorize label` (labelling.py) labels prompts for `categorize train`. Both go
through the same pieces: client.py (LiteLLM's SDK, the `live` extra, imported lazily), budget.py
(our prices, worst-case reservations), sending.py (retries), engine.py (concurrency, Ctrl-C),
records.py (what is stored), items.py (the sample re-checked against the database). See
docs/live.md.
"""
