"""Reads a PEFT adapter_config.json and refuses what lmi-dist does not compute."""

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Tuple

from .projections import PARENT_MODULE, TARGET_MODULES

CONFIG_FILE = "adapter_config.json"
# PEFT's shorthand for every linear layer but the output head.
ALL_LINEAR = "all-linear"
# LoraConfig's defaults, for configs that leave a field out.
DEFAULT_RANK = 8
DEFAULT_ALPHA = 8


@dataclass(frozen=True)
class PeftLoraConfig:
    """The fields of adapter_config.json that shape the computation."""

    rank: int
    alpha: float
    use_rslora: bool
    target_modules: Tuple[str, ...]  # in TARGET_MODULES order

    @property
    def scale(self) -> float:
        # rsLoRA keeps the update's size independent of the rank.
        return self.alpha / (math.sqrt(self.rank) if self.use_rslora else self.rank)


def read_peft_config(adapter_dir: Path, max_rank: int) -> PeftLoraConfig:
    """Raises ValueError naming adapter_config.json, the field and what is allowed."""
    path = adapter_dir / CONFIG_FILE
    if not path.is_file():
        raise ValueError(f"{path}: not found; a PEFT LoRA adapter directory holds {CONFIG_FILE} "
                         f"and adapter_model.safetensors")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not valid JSON: {e}") from None
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object")

    def refuse(field: str, allowed: str):
        raise ValueError(f"{path}: {field} {raw.get(field)!r} is not supported; allowed: {allowed}")

    if raw.get("peft_type", "LORA") != "LORA":
        refuse("peft_type", "'LORA'")
    if raw.get("fan_in_fan_out", False) is not False:
        refuse("fan_in_fan_out", "false")
    if raw.get("bias", "none") != "none":
        refuse("bias", "'none'")
    if raw.get("use_dora", False) is not False:
        refuse("use_dora", "false")
    for field in ("modules_to_save", "layers_to_transform", "layers_pattern", "rank_pattern", "alpha_pattern"):
        if raw.get(field):
            refuse(field, "null or empty")
    rank = raw.get("r", DEFAULT_RANK)
    if not _is_int(rank) or rank <= 0:
        refuse("r", "a positive integer")
    if rank > max_rank:
        raise ValueError(f"{path}: r {rank} exceeds option.max_lora_rank {max_rank}")
    alpha = raw.get("lora_alpha", DEFAULT_ALPHA)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not math.isfinite(alpha):
        refuse("lora_alpha", "a number")
    use_rslora = raw.get("use_rslora", False)
    if not isinstance(use_rslora, bool):
        refuse("use_rslora", "true or false")
    return PeftLoraConfig(rank, float(alpha), use_rslora, _target_modules(path, raw.get("target_modules")))


def _target_modules(path: Path, value) -> Tuple[str, ...]:
    allowed = f"a list of {', '.join(TARGET_MODULES)} (or their self_attn./mlp. paths), or {ALL_LINEAR!r}"
    if value == ALL_LINEAR:
        return TARGET_MODULES
    if isinstance(value, str):
        # PEFT full-matches a string against every module path; we cannot tell which it selects.
        raise ValueError(f"{path}: target_modules {value!r} is a regular expression, which lmi-dist does not "
                         f"support; allowed: {allowed}")
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{path}: target_modules {value!r} is not supported; allowed: {allowed}")
    found = set()
    for entry in value:
        # PEFT matches list entries against the end of each module's dotted path.
        module = entry.rsplit(".", 1)[-1]
        prefix = entry[:-len(module)]
        if module not in PARENT_MODULE or prefix not in ("", PARENT_MODULE[module] + "."):
            raise ValueError(f"{path}: target_modules entry {entry!r} is not supported; allowed: {allowed}")
        found.add(module)
    return tuple(m for m in TARGET_MODULES if m in found)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
