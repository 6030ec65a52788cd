"""Replaying logged calls against routing policies, set-based in DuckDB.

`run_policy(con, policy, options)` returns a `SimulationResult`; nothing here prints.
"""

from mmaudit.simulate.engine import SimulationOptions, run_policy
from mmaudit.simulate.gate import Gate, parse_gate
from mmaudit.simulate.result import SimulationResult

__all__ = ["Gate", "SimulationOptions", "SimulationResult", "parse_gate", "run_policy"]
