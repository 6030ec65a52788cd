"""The gateway client: one chat request through LiteLLM's SDK (the `live` extra), one attempt.

LiteLLM is imported lazily, only here, so the core install never loads it. Its remote price-map
fetch is disabled before the import (`LITELLM_LOCAL_MODEL_COST_MAP=True`): during a live run
mmaudit contacts only the configured gateway. Configuration is the providers' own: with
`OPENAI_BASE_URL` (or `OPENAI_API_BASE`) set, every model is sent to that OpenAI-compatible
gateway under the name the user gave; without it LiteLLM routes each model to its provider
(`anthropic/...` with `ANTHROPIC_API_KEY`, ...). Retries, the budget and pricing live in
`sending.py`; this module only sends and classifies what came back.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from mmaudit.errors import MmauditError
from mmaudit.live.secrets import public_url, scrub

GATEWAY_VARIABLES = ("OPENAI_BASE_URL", "OPENAI_API_BASE")
INSTALL_HINT = "pip install 'mmaudit[live]'"


class MissingLiveExtraError(MmauditError):
    """LiteLLM (the `live` extra) is not installed."""


def litellm() -> Any:
    """The LiteLLM module, imported on first use with its remote price-map fetch disabled."""
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    os.environ.setdefault("LITELLM_LOG", "ERROR")
    try:
        import litellm as module
    except ImportError:
        raise MissingLiveExtraError(f"live runs need LiteLLM's SDK: {INSTALL_HINT}") from None
    module.telemetry = False
    module.suppress_debug_info = True
    module.drop_params = True  # a parameter a provider does not take is dropped, not an error
    return module


@dataclass(frozen=True)
class Gateway:
    """Where requests go: an OpenAI-compatible base URL from the environment, or the providers."""

    base_url: str | None

    @classmethod
    def from_env(cls) -> Gateway:
        for name in GATEWAY_VARIABLES:
            if os.environ.get(name):
                return cls(os.environ[name].rstrip("/"))
        return cls(None)

    def describe(self) -> str:
        return public_url(self.base_url) if self.base_url else "provider defaults (LiteLLM routing)"

    def route(self, name: str) -> str:
        """The model string LiteLLM gets: through a gateway, `openai/<name as given>`."""
        return f"openai/{name}" if self.base_url else name


@dataclass
class Reply:
    """One answer with the gateway's reported usage (None when it reported none)."""

    text: str
    input_tokens: int | None
    output_tokens: int | None
    latency_ms: float
    ttft_ms: float | None


class SendError(Exception):
    """A failed attempt: `retryable` for 429, 5xx, timeouts and dropped connections;
    `maybe_billed` when the request may have been processed (timeout, dropped stream)."""

    def __init__(self, kind: str, message: str, retryable: bool, maybe_billed: bool) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind, self.retryable, self.maybe_billed = kind, retryable, maybe_billed


def _classify(exc: Exception, lib: Any) -> SendError:
    message = scrub(str(exc))[:500]
    if isinstance(exc, (lib.Timeout, TimeoutError)):
        return SendError("timeout", message, True, True)
    if "missing credentials" in message.lower():  # raised before any request, as a 500: no retry helps
        return SendError("auth", message, False, False)
    status = getattr(exc, "status_code", None)
    if status == 429:
        return SendError("rate_limit", message, True, False)
    if isinstance(status, int) and status >= 500:
        return SendError("server", message, True, False)
    if isinstance(exc, lib.APIConnectionError):
        return SendError("connection", message, True, True)
    if status in (401, 403):
        return SendError("auth", message, False, False)
    return SendError("client" if status else type(exc).__name__, message, False, False)


def _usage(usage: Any) -> tuple[int | None, int | None]:
    if usage is None:
        return None, None
    get = usage.get if isinstance(usage, dict) else lambda k: getattr(usage, k, None)
    return get("prompt_tokens"), get("completion_tokens")


def _usage_reported(stream: Any) -> bool:
    """Whether the gateway itself sent usage. When it sends none, LiteLLM's stream wrapper adds a
    closing chunk with its own count of the visible text (tiktoken: no hidden reasoning tokens),
    which must not pass for the gateway's figure; the chunks the gateway sent (`chunks`, kept by
    LiteLLM's CustomStreamWrapper) carry usage only when it reported some. A wrapper without
    them is taken at its word."""
    chunks = getattr(stream, "chunks", None)
    if not isinstance(chunks, list):
        return True
    return any(getattr(c, "usage", None) is not None for c in chunks)


class Client:
    """Sends one streamed chat request per `send` (streaming gives the time to first token)."""

    def __init__(self, gateway: Gateway, timeout_s: float) -> None:
        self.gateway, self.timeout_s = gateway, timeout_s
        self._lib = litellm()

    def send(self, name: str, messages: list[dict[str, str]], max_tokens: int) -> Reply:
        """One attempt; raises SendError. `name` is the model as the user wrote it."""
        lib = self._lib
        kwargs: dict[str, Any] = {"api_base": self.gateway.base_url} if self.gateway.base_url else {}
        start = time.monotonic()
        deadline = start + self.timeout_s
        first: float | None = None
        try:
            stream = lib.completion(
                model=self.gateway.route(name),
                messages=messages,
                max_tokens=max_tokens,
                stream=True,
                stream_options={"include_usage": True},
                timeout=self.timeout_s,
                max_retries=0,
                num_retries=0,
                **kwargs,
            )
            parts, usage = [], None
            for chunk in stream:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no complete answer within {self.timeout_s:g} s")
                delta = chunk.choices[0].delta.content if chunk.choices else None
                if delta:
                    first = first if first is not None else time.monotonic()
                    parts.append(delta)
                usage = getattr(chunk, "usage", None) or usage
            if usage is not None and not _usage_reported(stream):
                usage = None  # LiteLLM's own count of the visible text, not the gateway's: a bound instead
            if not parts and usage is None:
                # a 200 that held no completion (a proxy's page, a broken body: LiteLLM still yields a
                # closing chunk) carries neither text nor usage: no answer arrived, which must not be
                # graded as a wrong one; it may have been processed upstream
                raise SendError("protocol", "the reply held no answer and no usage (not a chat completion)", True, True)
        except SendError:
            raise
        except Exception as exc:  # every client-library error becomes one classified SendError
            error = _classify(exc, lib)
            if first is not None and error.retryable:  # lost mid-answer: tokens were generated, maybe billed
                error.maybe_billed = True
            raise error from None
        end = time.monotonic()
        inp, out = _usage(usage)
        return Reply(
            "".join(parts),
            inp,
            out,
            (end - start) * 1000,
            (first - start) * 1000 if first is not None else None,
        )
