"""The model registry: what no price list has, keyed by the same model ids as prices.

Tier, quality priors per task, latency priors, tokenizer ratio, approved data classes, mode and
self-hosted fixed cost. Bundled in `mmaudit/data/registry/models.yaml`; a user file (a YAML
with a top-level `registry:`, given with `--prices` or `--registry`) overrides it field by
field, also when the user names the model by another id that resolves to the same key.
Every bundled figure is a prior (labelled so in output), not a measurement.
"""

from mmaudit.registry.load import Registry, RegistryEntry, load_registry, register_registry
from mmaudit.registry.schema import RegistryFile, RegistryModel

__all__ = ["Registry", "RegistryEntry", "RegistryFile", "RegistryModel", "load_registry", "register_registry"]
