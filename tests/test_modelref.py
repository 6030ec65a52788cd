"""Model names resolved offline (`modelref.resolve_offline`, what `audit` and `report --tiers`
use): DeepSeek-R1's distills are other, smaller models, never DeepSeek's hosted R1."""

from __future__ import annotations

from mmaudit.modelref import resolve_offline


def test_deepseek_r1_distills_do_not_resolve_to_deepseeks_hosted_r1():
    # ids as logged: vLLM / MindIE serving the Hugging Face repository, Groq's and Ollama's names
    distills = ["deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", "DeepSeek-R1-Distill-Qwen-32B",
                "deepseek-r1-distill-llama-70b", "deepseek-r1:7b", "deepseek-r1:70b", "deepseek-r1:latest",
                "deepseek-r1:8b-0528-qwen3-q4_K_M", "deepseek-r1-0528-qwen3-8b"]
    keys = resolve_offline(distills)
    # no host named: no host's distill row applies, and DeepSeek's API sells none
    assert keys == dict.fromkeys(distills)


def test_deepseek_r1_itself_still_resolves_to_deepseek_reasoner():
    keys = resolve_offline(["deepseek-r1", "deepseek-ai/DeepSeek-R1", "deepseek-r1:671b", "deepseek-reasoner"])
    assert set(keys.values()) == {"deepseek-reasoner"}
