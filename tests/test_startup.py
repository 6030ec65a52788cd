"""The CLI's start-up shortcut: pyarrow's pandas check skipped, pandas still usable afterwards."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
from mmaudit.startup import skip_pyarrow_pandas_probe
skip_pyarrow_pandas_probe()
import pyarrow as pa
table = pa.table({"x": pa.array([1, 2])})
print("pandas imported by arrow:", "pandas" in sys.modules)
frame = table.to_pandas()
print("to_pandas:", type(frame).__name__, list(frame["x"]))
print("back to arrow:", pa.Table.from_pandas(frame).column("x").to_pylist())
"""


def test_arrow_works_without_importing_pandas_and_pandas_still_works_later():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["pandas imported by arrow: False", "to_pandas: DataFrame [1, 2]", "back to arrow: [1, 2]"]


def test_a_cli_command_process_does_not_import_pandas(tmp_path):
    code = ("import sys; sys.argv = ['mmaudit', 'models', '--format', 'json'];\n"
            "from mmaudit.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('PANDAS', 'pandas' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert "PANDAS False" in done.stderr, done.stderr[-2000:]
