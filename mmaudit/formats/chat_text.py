"""Prompt and response text from a chat `messages` value logged inside another tool's record.

Gateways and tracers (LiteLLM, Langfuse) keep the request's messages beside their own fields, in
any of three shapes: the chat array itself, an object holding it (`{"messages": [...], ...}`), or a
plain prompt string (text completions). Without this text every such call was categorised blind,
as the `chat` fallback, and had no prompt hash; with it, the categoriser reads what the provider
formats give it: the system prompt, the last user message, the shape of the thread.
"""

from __future__ import annotations


def messages_of(expr: str) -> str:
    """The chat array in JSON `expr`: the array as logged, or an object's `messages`; else NULL."""
    return f"CASE json_type({expr}) WHEN 'ARRAY' THEN {expr} WHEN 'OBJECT' THEN json_extract({expr}, '$.messages') END"


def prompt_string(expr: str) -> str:
    """A prompt logged as one JSON string (a text completion); NULL for anything else or ''."""
    return f"CASE WHEN json_type({expr}) = 'VARCHAR' THEN nullif(json_extract_string({expr}, '$'), '') END"


def text_columns(messages: str, prompt: str, response: str) -> dict[str, str]:
    """The canonical text columns from a chat array, a bare prompt string and the response text
    (each a SQL expression; the array wins where both are logged)."""
    return {
        "system_prompt": f"mm_role_text({messages}, ['system', 'developer'])",
        "user_prompt": f"coalesce(mm_last_user({messages}), {prompt})",
        "response_text": response,
        "prompt_chars": f"length({all_text(messages, prompt)})",
        "n_messages": f"coalesce(json_array_length({messages}), CASE WHEN {prompt} IS NOT NULL THEN 1 END)",
        "has_image": f"coalesce(mm_has_image({messages}), false)",
    }


def all_text(messages: str, prompt: str) -> str:
    """The whole prompt (token estimates and the prompt hash read it)."""
    return f"coalesce(nullif(mm_all_text({messages}), ''), {prompt})"
