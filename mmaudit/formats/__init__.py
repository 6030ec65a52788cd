"""Log-format adapters, one small declarative module each, and the registry detection uses.

Order matters only for ties: when two formats recognise the same share of a file's records,
the one listed first wins. Specific formats come before generic ones.
"""

from __future__ import annotations

from mmaudit.errors import InputError
from mmaudit.formats import (
    anthropic_batch,
    anthropic_messages,
    bedrock,
    bedrock_batch,
    bedrock_converse,
    braintrust,
    canonical,
    claude_code,
    cline,
    cloudflare_gateway,
    codex_cli,
    cohere,
    cursor_usage,
    gemini,
    gemini_cli,
    helicone,
    langfuse,
    langsmith,
    litellm,
    mistral_conversations,
    ollama,
    openai_audio,
    openai_batch,
    openai_chat,
    openai_images,
    openai_realtime,
    openai_responses,
    opencode,
    openrouter,
    openrouter_activity,
    opik,
    otel_genai,
    otel_logs,
    phoenix,
    posthog,
    weave,
)
from mmaudit.formats.base import LogFormat

FORMATS: tuple[LogFormat, ...] = (
    openai_batch.FORMAT,
    openai_batch.INPUT_FILE,
    anthropic_batch.FORMAT,
    anthropic_batch.INPUT_FILE,
    bedrock_batch.FORMAT,
    bedrock_batch.INPUT_FILE,
    bedrock.FORMAT,
    bedrock_converse.FORMAT,
    bedrock_converse.STREAM,
    gemini.FORMAT,
    openrouter.FORMAT,
    openrouter_activity.FORMAT,
    cohere.FORMAT,
    mistral_conversations.FORMAT,
    litellm.FORMAT,
    langfuse.FORMAT,
    langsmith.FORMAT,
    opik.FORMAT,
    braintrust.FORMAT,
    weave.FORMAT,
    helicone.FORMAT,
    posthog.FORMAT,
    otel_genai.FORMAT,
    otel_logs.FORMAT,
    phoenix.FORMAT,
    gemini_cli.FORMAT,
    gemini_cli.QWEN,
    claude_code.FORMAT,
    codex_cli.FORMAT,
    opencode.FORMAT,
    cline.FORMAT,
    cursor_usage.FORMAT,
    cloudflare_gateway.FORMAT,
    ollama.FORMAT,
    openai_realtime.FORMAT,
    openai_images.FORMAT,
    openai_audio.FORMAT,
    openai_chat.FORMAT,
    openai_responses.FORMAT,
    anthropic_messages.FORMAT,
    anthropic_messages.STREAM,
    canonical.FORMAT,
)


def by_name(name: str) -> LogFormat:
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    known = ", ".join(f.name for f in FORMATS)
    raise InputError(f"unknown log format {name!r}; known formats: {known}")


__all__ = ["FORMATS", "LogFormat", "by_name"]
