"""Prompt and response text from a chat `messages` value logged inside another tool's record.

Gateways and tracers (LiteLLM, Langfuse) keep the request's messages beside their own fields, in
any of three shapes: the chat array itself, an object holding it (`{"messages": [...], ...}`), or a
plain prompt string (text completions). Without this text every such call was categorised blind,
as the `chat` fallback, and had no prompt hash; with it, the categoriser reads what the provider
formats give it: the system prompt, the last user message, the shape of the thread.
"""

from __future__ import annotations


def json_or_string(expr: str) -> str:
    """JSON as logged, or parsed from a JSON string (exports that stringify nested columns)."""
    return (
        f"CASE WHEN json_type({expr}) = 'VARCHAR' AND json_valid(json_extract_string({expr}, '$')) "
        f"THEN json(json_extract_string({expr}, '$')) ELSE {expr} END"
    )


def messages_of(expr: str) -> str:
    """The chat array in JSON `expr`: the array as logged, or an object's `messages`; else NULL."""
    return f"CASE json_type({expr}) WHEN 'ARRAY' THEN {expr} WHEN 'OBJECT' THEN json_extract({expr}, '$.messages') END"


def prompt_string(expr: str) -> str:
    """A prompt logged as one JSON string (a text completion); NULL for anything else or ''."""
    return f"CASE WHEN json_type({expr}) = 'VARCHAR' THEN nullif(json_extract_string({expr}, '$'), '') END"


def text_columns(messages: str, prompt: str, response: str, system: str = "NULL") -> dict[str, str]:
    """The canonical text columns from a chat array, a bare prompt string, the response text and
    a system prompt kept beside the messages (Anthropic's `system`), each a SQL expression; the
    array wins where both it and a prompt string are logged."""
    return {
        "system_prompt": f"coalesce(mm_role_text({messages}, ['system', 'developer']), {system})",
        "user_prompt": f"coalesce(mm_last_user({messages}), {prompt})",
        "response_text": response,
        "prompt_chars": f"length({all_text(messages, prompt, system)})",
        "n_messages": f"coalesce(json_array_length({messages}), CASE WHEN {prompt} IS NOT NULL THEN 1 END)",
        "has_image": f"coalesce(mm_has_image({messages}), false)",
    }


def all_text(messages: str, prompt: str, system: str = "NULL") -> str:
    """The whole prompt (token estimates and the prompt hash read it)."""
    return f"nullif(concat_ws(chr(10), {system}, coalesce(nullif(mm_all_text({messages}), ''), {prompt})), '')"


def list_texts(messages: str, roles: str | None = None) -> str:
    """The text of a typed `[{role, content}]` list (of the given SQL list of roles only), one
    message per line (for formats that rebuild their messages as such a list)."""
    chosen = messages if roles is None else f"list_filter({messages}, lambda m: m.role IN ({roles}))"
    return f"nullif(array_to_string(list_transform({chosen}, lambda m: m.content), chr(10)), '')"
