"""Keep API keys out of everything mmaudit writes: the database, logs and error messages.

A live run reads keys from the environment (the providers' own variables) and hands them to the
client library only. Error text from a gateway or a client library can still quote a key (an
echoed header, a URL with credentials), so every message is scrubbed before it is stored or shown.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit, urlunsplit

# Variables the providers' SDKs (and LiteLLM) read keys from; their values are never written.
KEY_VARIABLES = (
    "OPENAI_API_KEY",
    "AZURE_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "MISTRAL_API_KEY",
    "COHERE_API_KEY",
    "GROQ_API_KEY",
    "TOGETHERAI_API_KEY",
    "TOGETHER_API_KEY",
    "OPENROUTER_API_KEY",
    "DEEPSEEK_API_KEY",
    "XAI_API_KEY",
    "FIREWORKS_API_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "HUGGINGFACE_API_KEY",
    "LITELLM_API_KEY",
    "LITELLM_MASTER_KEY",
)
_PATTERNS = (
    re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{6,}"),
    re.compile(r"\b(sk|pk|rk)-[A-Za-z0-9_-]{8,}"),
    re.compile(r"\bAIza[0-9A-Za-z_-]{20,}"),
    re.compile(r"(?i)\b(api[_-]?key|x-api-key|authorization)([\"']?\s*[:=]\s*[\"']?)[^\s\"',}]{4,}"),
)


def _key_values() -> list[str]:
    values = {os.environ.get(name, "") for name in KEY_VARIABLES}
    values |= {v for k, v in os.environ.items() if k.endswith(("_API_KEY", "_TOKEN", "_SECRET")) and v}
    return sorted((v for v in values if len(v) >= 4), key=len, reverse=True)


def scrub(text: str | None) -> str:
    """`text` with every configured key value and anything shaped like a credential masked."""
    if not text:
        return text or ""
    for value in _key_values():
        text = text.replace(value, "[redacted]")
    text = _PATTERNS[0].sub(r"\1 [redacted]", text)
    text = _PATTERNS[1].sub("[redacted]", text)
    text = _PATTERNS[2].sub("[redacted]", text)
    return _PATTERNS[3].sub(r"\1\2[redacted]", text)


def public_url(url: str) -> str:
    """A base URL fit to store: no user, password, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
