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
