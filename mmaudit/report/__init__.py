"""`mmaudit report`: spend, KPIs, reliability and quality drift over the `calls` table.

One module per concern: `period` (which calls), `scope` (the shared CTE and `--by` dimensions),
`tiers`, then one module per section; `build` assembles them. Everything is SQL aggregates.
"""

from mmaudit.report.build import ReportOptions, build_report
from mmaudit.period import Period, parse_period, resolve_period
from mmaudit.report.scope import DIMENSIONS, Scope, bucket_dimension, parse_dimensions
from mmaudit.report.tiers import read_policy_tiers

__all__ = [
           "DIMENSIONS",
           "Period",
           "ReportOptions",
           "Scope",
           "bucket_dimension",
           "build_report",
           "parse_dimensions",
           "parse_period",
           "read_policy_tiers",
           "resolve_period",
]
