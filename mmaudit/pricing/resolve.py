"""Logged (provider, model) -> model_key, once per DISTINCT pair.

Order (docs/pricing.md, "Resolving a logged model id"): the id is cut down stage by stage
(exact, route, variant, version, date, dots, family); at each stage the candidate is looked up
1. among exact ids: user table keys and aliases, curated aliases, override keys, genai ids;
2. with genai-prices' own match rules (its `find_provider_model`), for the provider we infer
   from the id (Bedrock profiles and ARNs, `vertex_ai/`, `openai/`...) or from the logged
   provider; if that provider has no such model, with no provider.
The first stage that finds a model wins; a call through OpenRouter (`tags['gateway']`) that none
finds takes OpenRouter's own listing of the id. Fine-tunes (`ft:base:...`) use the user's fine-tune
rates for the base model when a table gives them, else genai-prices' fine-tune models.

Two kinds of call never take a cloud seller's rate by a name that merely looks like one:
- a call on the team's own hardware (provider `self-hosted`, mmaudit/formats/hosts.py; or a
  gateway's label for a local server, LiteLLM's `ollama`, `hosted_vllm`...) resolves only to a
  `tier: self-hosted` registry entry (0 per call, its fixed cost apart), else to nothing;
- a DeepSeek-R1 distill (`DeepSeek-R1-Distill-Qwen-1.5B`, Ollama's `deepseek-r1:7b`: a Qwen or
  Llama model a fraction of R1's size) resolves only to the distill row of the host that served
  it (Groq's `deepseek-r1-distill-llama-70b`) or to a key of the user's own, never to DeepSeek's
  R1 (`deepseek-reasoner`, whose match rule `starts_with: deepseek-r1` would take it).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from mmaudit.pricing.rules import PROVIDER_IDS

_FT = re.compile(r"^ft:|[.:]ft-[0-9a-z_-]+$")
_BEDROCK_ID = re.compile(
    r"^((us|eu|apac|ap|au|ca|jp|us-gov|global)\.)?"
    r"(anthropic|amazon|meta|mistral|cohere|ai21|deepseek|writer|qwen|openai|google|nvidia|moonshotai|zai)\.[a-z]")
_REGION = re.compile(r"^(us|eu|apac|ap|global|us-gov|jp|au|ca)\.")
_VENDOR = re.compile(r"^(anthropic|meta|amazon|mistral|cohere|ai21|deepseek|openai|google|writer|qwen)\.")
# a variant suffix: OpenRouter's `:thinking`/`:nitro`..., Bedrock's `:0`, Vertex AI's `@default` version alias
_VARIANT = re.compile(r"(:([0-9]+|thinking|beta|nitro|floor|extended)|@default)$")
_VERSION = re.compile(r"-v[0-9]+$")
_DATE = re.compile(r"(-[0-9]{4}-[0-9]{2}-[0-9]{2}|-[0-9]{8}|@[0-9]{8}|-latest|-[0-9]{4}|-[0-9]{3})$")
_DOTS = re.compile(r"([0-9])\.([0-9])")
# OpenRouter's served ids put Claude's version before the family (`claude-4.6-sonnet-20260217`);
# Anthropic's since Claude 4 put it after (`claude-sonnet-4-6`)
_FAMILY_LAST = re.compile(r"^claude-([0-9]+(-[0-9]+)?)-(opus|sonnet|haiku)$")


# Providers that say the call ran on the team's own hardware: ours, and gateways' labels for a
# local server (LiteLLM's `ollama`, `ollama_chat`, `hosted_vllm`, `vllm`, `lm_studio`, `llamafile`)
SELF_HOSTED_PROVIDERS = ("self-hosted", "ollama", "ollama_chat", "hosted_vllm", "vllm", "lm_studio", "llamafile")
# DeepSeek-R1's distills (Qwen and Llama models fine-tuned on R1's answers): the Hugging Face
# names, the 0528 Qwen3 8B one, and Ollama's `deepseek-r1` tags below 671b (`:latest` is the 8B)
DISTILL = r"r1-distill|deepseek-r1-0528-qwen3|deepseek-r1(-0528)?:(latest|(1\.5|7|8|14|32|70)b)"
_DISTILL = re.compile(DISTILL)
# key origins that are the user's own statement (a price table, a registry entry)
_STATED = ("user", "registry")


def is_self_hosted(provider: str | None) -> bool:
    return (provider or "").strip().lower().replace("-", "_") in {p.replace("-", "_") for p in SELF_HOSTED_PROVIDERS}


def is_distill(model: str) -> bool:
    return bool(_DISTILL.search(model.strip().lower()))


def is_fine_tune(model: str) -> bool:
    return bool(_FT.search(model.strip().lower()))


def base_id(model: str) -> str:
    m = model.strip().lower()
    m = re.sub(r"^ft:([^:]+):.*$", r"\1", m)
    return re.sub(r"[.:]ft-[0-9a-z_-]+$", "", m)


_DATE_STAGE = 4


def _moving_alias_of_snapshot(stages: list[str], stage: int, key: str, repriced: set[str]) -> bool:
    """A dated snapshot (`mistral-small-2503`) reached, once its date is cut, a `-latest` alias
    (`mistral-small` -> `mistral-small-latest`) whose price changed over time (`repriced`): the
    alias moved to a newer model and took its price (Small 4's from 2026-03-16), which is not
    the snapshot's own."""
    if stage < _DATE_STAGE or not key.endswith("-latest") or key not in repriced:
        return False
    cut = _DATE.search(stages[_DATE_STAGE - 1])
    return cut is not None and cut.group(0) != "-latest"


def candidates(model: str) -> list[str]:
    """The seven stages of docs/pricing.md, as the SQL macro mm_model_candidates computes them."""
    base = base_id(model)
    route = _VENDOR.sub("", _REGION.sub("", re.sub(r"^.*/", "", base)))
    variant = _VARIANT.sub("", route)
    version = _VERSION.sub("", variant)
    dated = _VERSION.sub("", _DATE.sub("", version))
    dots = _DOTS.sub(r"\1-\2", dated)
    return [base, route, variant, version, dated, dots, _FAMILY_LAST.sub(r"claude-\3-\1", dots)]


# Inference hosts that sell other makers' open-weight models at their own rates: when a log says
# the call ran there, that host's price is the one billed, whatever maker the model id names
# (Groq's `openai/gpt-oss-120b`, Cerebras' `llama-3.3-70b`).
HOSTS = {"groq", "cerebras", "together", "fireworks"}

# Sellers whose calls resolve by the stages of docs/pricing.md (exact ids and our curated aliases
# and overrides first): the makers' own APIs we keep overrides for, Bedrock and Azure (whose ids
# and parity rules are read apart) and Cursor. Every OTHER seller genai-prices lists — Novita,
# Baseten, DeepInfra, Doubleword, OVHcloud, Zhipu's own API, OpenRouter when the log names it as
# the seller (LiteLLM's `openrouter/...`) — is priced at its own listing of the model first, like
# HOSTS: a logged `novita` call of `deepseek/deepseek-r1` is Novita's $4 / $4, not DeepSeek's own
# API rate. (A call OpenRouter relayed, logged with the upstream provider that served it and
# `tags['gateway']`, keeps that provider's price: GATEWAYS.)
_RESOLVED_BY_STAGES = {"openai", "anthropic", "google", "deepseek", "mistral", "x-ai", "aws", "azure",
                       "cursor", "perplexity", "openai-decisions"}


# Gateways that bill a call at their own listing of the model (`tags['gateway']` -> genai-prices'
# provider): a call through OpenRouter is logged with the upstream provider that served it
# (`chutes`), and when that (provider, model) resolves to nothing, OpenRouter's listing of the id is
# what OpenRouter billed (`google/gemma-3-27b-it`).
GATEWAYS = {"openrouter": "openrouter"}


# OpenRouter's ids for a variant it sells at its own rate (`anthropic/claude-opus-4.6-fast`: Anthropic's
# fast mode at 6x; `google/gemini-2.5-pro:batch`: half price): the maker's match rules read them as
# the standard model (`contains: claude-opus-4-6`), so its listing is looked up first.
_VARIANT_SUFFIXES = (":batch", "-fast")


def _listing_variant(model: str) -> bool:
    return model.strip().lower().endswith(_VARIANT_SUFFIXES)


# Hugging Face's Inference Providers: genai-prices lists each provider HF routes to apart
# (`huggingface_together`, `huggingface_fireworks-ai`), stored as `huggingface-together`
_HF = "huggingface_"


def _provider_id(provider: str | None) -> str | None:
    """genai-prices' id of a logged provider name (`together_ai`, or `together-ai` as stored;
    `huggingface-together`)."""
    name = (provider or "").strip().lower()
    if name.startswith(("huggingface-", _HF)) and len(name) > len(_HF):
        return _HF + name[len(_HF):]
    return (PROVIDER_IDS.get(name) or PROVIDER_IDS.get(name.replace("-", "_"))
            or _genai_provider_ids().get(name) or _genai_provider_ids().get(name.replace("_", "-")))


@lru_cache(maxsize=1)
def _genai_provider_ids() -> dict[str, str]:
    """genai-prices' own provider ids, as a log names its seller (`novita`, `baseten`,
    `github-copilot`, `zhipuai`): a provider it prices that our name table does not list."""
    from mmaudit.pricing.genai_data import snapshot

    try:
        return {p.id.lower(): p.id for p in snapshot().providers}
    except Exception:  # noqa: BLE001 - no snapshot: no extra names
        return {}


def own_listing_first(provider: str | None) -> str | None:
    """The genai-prices seller whose own listing prices a call before any maker's: the HOSTS, and
    every seller genai-prices lists that is not resolved by the stages (_RESOLVED_BY_STAGES)."""
    seller = _provider_id(provider)
    if seller is None or seller.startswith(_HF) or seller in _RESOLVED_BY_STAGES:
        return None
    return seller


def _litellm_hf_route(provider: str | None, model: str) -> str | None:
    """LiteLLM's Hugging Face calls: provider `huggingface`, id `huggingface/<route>/<org>/<model>`
    (`huggingface/together/deepseek-ai/DeepSeek-R1`): the route HF sent the call to."""
    parts = model.split("/")
    if (provider or "").strip().lower() == "huggingface" and len(parts) >= 4 and parts[0] == "huggingface":
        return _HF + parts[1]
    return None


def _routed_host(hint: str | None) -> str | None:
    """The provider Hugging Face routed a call to (`huggingface_together` -> `together`): HF bills
    its Inference Providers at the provider's own rates, so a model HF's list lacks is priced at
    the provider's."""
    return _provider_id(hint[len(_HF):]) if hint and hint.startswith(_HF) else None


def provider_hint(provider: str | None, model: str) -> str | None:
    """The genai-prices provider a logged call was sold by: a host the log names, else from the
    model id, else the log's provider."""
    host = _provider_id(provider)
    if host in HOSTS:
        return host
    m = model.strip().lower()
    if m.startswith("arn:aws:bedrock") or _BEDROCK_ID.match(m) or re.match(r"^(nova|titan)-", m):
        return "aws"
    if "/" in m:
        prefix = m.split("/", 1)[0]
        if prefix in PROVIDER_IDS:
            return PROVIDER_IDS[prefix]
    return _provider_id(provider)


VERTEX = {"vertex_ai", "vertex", "vertex_ai_beta", "google_vertex", "vertex-ai"}


def is_vertex(provider: str | None, model: str) -> bool:
    """Vertex AI prices some Gemini models above the Gemini API's: their overrides are `vertex/<id>`.
    A call is Vertex's when its id says so (`vertex_ai/gemini-2.0-flash`) or its provider does:
    Vertex's OpenAI-compatible endpoint names the model `google/gemini-2.0-flash-001`."""
    m = model.strip().lower()
    return ("/" in m and m.split("/", 1)[0] in VERTEX) or (provider or "").strip().lower() in VERTEX


def _genai_ids(model: str, hint: str | None) -> list[str]:
    """Ids to hand genai-prices: Bedrock wants its `anthropic.`/`us.` forms kept, and Fireworks
    its own path (`accounts/fireworks/models/qwen3-235b-a22b`), which a gateway's slug for the
    same model (`qwen/qwen3-235b-a22b`, OpenRouter's, served by Fireworks) lacks."""
    m = base_id(model)
    tail = re.sub(r"^.*/", "", m)
    # and the id without each leading segment: a gateway's route prefix before the seller's own id
    # (LiteLLM's `together_ai/openai/gpt-oss-120b` is Together's `openai/gpt-oss-120b`, its
    # `fireworks_ai/accounts/fireworks/...` Fireworks' path); the last segment alone comes last
    parts = m.split("/")
    out = [m, *("/".join(parts[i:]) for i in range(1, len(parts) - 1)), tail]
    if hint == "aws" and re.match(r"^(nova|titan)-", tail):
        out.append(f"amazon.{tail}")
    if hint == "fireworks":
        out.append(f"accounts/fireworks/models/{tail}")
    return list(dict.fromkeys(out))


class Resolver:
    """Resolves ids against one catalog; results are memoised per (provider, model)."""

    def __init__(self, catalog: Any) -> None:
        self.aliases: dict[str, str] = catalog.aliases
        self.ft_keys = {r.model_key for r in catalog.ft_rows}
        self.keys = {r.model_key for r in catalog.rows}
        standard: dict[str, set[str]] = {}
        for r in catalog.rows:
            if r.service_tier == "standard":
                own = sorted((k, v) for k, v in r.rates.items() if v is not None and not k.startswith("b_"))
                standard.setdefault(r.model_key, set()).add(repr(own))
        # keys whose (non-batch) price changed over time: `mistral-small-latest` became Small 4's
        self.repriced = {k for k, rates in standard.items() if len(rates) > 1}
        self.self_hosted_keys = {r.model_key for r in catalog.rows if r.source == "registry"}
        self.stated_keys = {k for k, info in catalog.models.items() if info.get("origin") in _STATED}
        self.genai_keys: dict[tuple[str, str], str] = {
            (info["provider"], info["id"].lower()): key for key, info in (catalog.genai or {}).get("models", {}).items()}
        self.resolve = lru_cache(maxsize=100_000)(self._resolve)  # type: ignore[method-assign]

    def _genai(self, ref: str, hint: str | None, fallback: bool = True) -> str | None:
        """genai-prices' match for `ref` at provider `hint`, then (with `fallback`) at any provider."""
        if not self.genai_keys:
            return None
        from mmaudit.pricing.snapshot_lookups import snapshot_lookups

        lookups = snapshot_lookups()
        for provider_id in ([hint, None] if hint and fallback else [hint]):
            match = lookups.find(ref, provider_id)
            if match is None:
                continue
            key = self.genai_keys.get(match)
            if key is not None and key in self.keys:
                return key
        return None

    def _resolve(self, provider: str | None, model: str | None,
                 gateway: str | None = None) -> tuple[str | None, int | None, bool]:
        """(model_key, stage, is_fine_tune); (None, None, False) when nothing matches. A call through
        a gateway that bills at its own listing (`tags['gateway']`: OpenRouter) whose id resolves to
        nothing as logged takes that listing's price (GATEWAYS). A free variant is priced only as
        itself (`_free_as_free`)."""
        return self._free_as_free(model, self._priced(provider, model, gateway))

    def _free_as_free(self, model: str | None,
                      found: tuple[str | None, int | None, bool]) -> tuple[str | None, int | None, bool]:
        """A free variant (OpenRouter's `:free` ids, `deepseek/deepseek-chat-v3.1:free`) costs
        nothing and is priced only by a row of its own (an id ending `:free`; genai-prices lists 160
        at $0) or one the user's tables or registry name: never by the paid model a looser rule
        reaches (genai-prices' `deepseek-chat` matches every id that starts `deepseek-chat`, so such
        calls took DeepSeek's paid rate). Without one it is unknown, reported."""
        key = found[0]
        if (key is None or not (model or "").strip().lower().endswith(":free") or key.lower().endswith(":free")
                or key in self.stated_keys):
            return found
        return None, None, False

    def _priced(self, provider: str | None, model: str | None,
                gateway: str | None = None) -> tuple[str | None, int | None, bool]:
        # a log that names OpenRouter itself as the seller (LiteLLM's `openrouter/...` calls, a
        # capture of openrouter.ai) was billed at its listing as much as a tagged gateway call
        listing = GATEWAYS.get((gateway or "").strip().lower()) or GATEWAYS.get(_provider_id(provider) or "")
        if listing and model and _listing_variant(model):  # a variant its maker has no id for
            for ref in _genai_ids(model.strip().lower(), listing):
                key = self._genai(ref, listing, fallback=False)
                if key is not None:
                    return key, 0, False
        found = self._logged(provider, model)
        if (found[0] is None and listing and model and model.strip() and not is_self_hosted(provider)
                and not is_fine_tune(model)):  # a fine-tune is never priced as its base model
            for ref in _genai_ids(model.strip().lower(), listing):
                key = self._genai(ref, listing, fallback=False)
                if key is not None and (is_distill(key) or not is_distill(model)):
                    return key, 0, False
        return found

    def _logged(self, provider: str | None, model: str | None) -> tuple[str | None, int | None, bool]:
        """The (provider, model) as logged, by the stages of docs/pricing.md."""
        if model is None or not model.strip():
            return None, None, False
        if is_self_hosted(provider):
            return self._stated(model, self.self_hosted_keys)
        if is_distill(model):
            return self._distill(provider, model)
        hint = provider_hint(provider, model)
        ft = is_fine_tune(model)
        stages = candidates(model)
        if ft:
            for stage, cand in enumerate(stages):
                key = self.aliases.get(cand)
                if key in self.ft_keys:
                    return key, stage, True
            key = self._genai(model.strip().lower(), hint or "openai")  # genai-prices' own fine-tune models
            if key is not None:
                return key, 0, False
            return None, None, False
        exact = model.strip().lower()
        seller = own_listing_first(provider)
        if seller is not None:  # the host's own price of the model, before any maker's
            for ref in _genai_ids(exact, seller):
                key = self._genai(ref, seller, fallback=False)
                if key is not None:
                    return key, 0, False
        route = _provider_id(provider) or _litellm_hf_route(provider, exact)
        if route and route.startswith(_HF):  # HF's price of the model, else the provider it routed to
            for host in (route, _routed_host(route)):
                for ref in _genai_ids(exact, host) if host else ():
                    key = self._genai(ref, host, fallback=False)
                    if key is not None:
                        return key, 0, False
        if is_vertex(provider, model):
            for stage, cand in enumerate(stages):
                if f"vertex/{cand}" in self.aliases:
                    return self.aliases[f"vertex/{cand}"], stage, False
        if exact in self.aliases:
            return self.aliases[exact], 0, False
        for ref in _genai_ids(exact, hint):
            key = self._genai(ref, hint)
            if key is not None:
                return key, 0, False
        for stage, cand in enumerate(stages):
            key = self.aliases.get(cand)
            if key is None or _moving_alias_of_snapshot(stages, stage, key, self.repriced):
                key = self._genai(cand, hint)
            if key is not None and not _moving_alias_of_snapshot(stages, stage, key, self.repriced):
                return key, stage, False
        return None, None, False

    def _stated(self, model: str, keys: set[str]) -> tuple[str | None, int | None, bool]:
        """The first stage's candidate that is an alias of one of `keys`, by the aliases alone."""
        for stage, cand in enumerate(candidates(model)):
            if self.aliases.get(cand) in keys:
                return self.aliases[cand], stage, False
        return None, None, False

    def _distill(self, provider: str | None, model: str) -> tuple[str | None, int | None, bool]:
        """A distill: a key of the user's own, else the serving host's own distill row (by
        genai-prices' rules for that host alone), else nothing."""
        found = self._stated(model, self.stated_keys | self.self_hosted_keys)
        if found[0] is not None:
            return found
        host = _provider_id(provider) or (provider or "").strip().lower().replace("-", "_") or None
        if host is None:
            return None, None, False
        for ref in _genai_ids(model.strip().lower(), host):
            key = self._genai(ref, host, fallback=False)
            if key is not None and is_distill(key):
                return key, 0, False
        return None, None, False
