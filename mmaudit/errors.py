"""Errors a user can act on. The CLI prints their message (no traceback) and exits with `exit_code`.

Anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations


class MmauditError(Exception):
    """Base class: a problem with the user's input, config or environment (exit 2)."""

    exit_code = 2


class InputError(MmauditError):
    """A log file, path or argument that cannot be used."""


class ConfigError(MmauditError):
    """A YAML config file (price table, policy, rules, mapping) that fails validation."""


class DatabaseBusyError(MmauditError):
    """Another process holds the database for writing."""


def interrupted_in_udf(exc: BaseException) -> bool:
    """Whether a DuckDB error is a Ctrl-C that landed in one of our Python functions run inside a
    query (the model resolver): DuckDB wraps the KeyboardInterrupt as an InvalidInputException,
    which must stop the run as Ctrl-C does, not fail a file as unreadable or print a traceback."""
    return "Python exception occurred while executing the UDF: KeyboardInterrupt" in str(exc)
