"""Process start-up: work a short `mmaudit` run should not pay for.

pyarrow imports pandas (~0.2 s, a fifth of a `simulate` process) the first time it builds an array
from Python values, only to recognise pandas inputs. mmaudit never hands pandas objects to pyarrow
(its few DataFrames go to DuckDB, which reads them itself), so the CLI lets that first check find
no pandas. pyarrow remembers "no pandas" for the check only: a later `to_pandas()` still imports
pandas and works. Nothing here runs when mmaudit is used as a library.
"""

from __future__ import annotations

import sys
from importlib.abc import MetaPathFinder


class _NoPandas(MetaPathFinder):
    """An import hook that makes `import pandas` fail while it is installed."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        """Refuse pandas; leave every other import to the next finder."""
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("pandas is not needed for this check")


def skip_pyarrow_pandas_probe() -> None:
    """Let pyarrow's first pandas check run with pandas hidden (a no-op once pandas is imported)."""
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    hook = _NoPandas()
    sys.meta_path.insert(0, hook)
    try:
        pa.array([0])  # pyarrow's first array from Python values runs the check
    finally:
        sys.meta_path.remove(hook)
