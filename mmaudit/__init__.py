"""mmaudit: audit LLM API usage from logs and simulate multi-model routing."""

__version__ = "0.1.0"
