"""Writes a PEFT LoRA adapter directory with seeded random weights for a model: for tests and benchmarks."""

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Tuple, Union

import numpy as np
import torch

from ..model_config import ModelConfig
from ..safetensors import save_safetensors
from .adapter import WEIGHTS_FILE
from .peft_config import CONFIG_FILE
from .projections import PARENT_MODULE, module_shapes

# Large enough that the update moves greedy tokens on the test models: A entries of this size, B's
# divided by sqrt(rank) so that B @ A keeps its size whatever the rank.
A_STD = 0.3
B_STD = 0.25


@dataclass(frozen=True)
class AdapterSpec:
    """A random adapter's hyperparameters."""

    rank: int
    alpha: float
    target_modules: Tuple[str, ...]
    seed: int
    use_rslora: bool = False


def write_random_adapter(out_dir: Union[str, os.PathLike], config: ModelConfig, spec: AdapterSpec) -> Path:
    """adapter_config.json and adapter_model.safetensors (float32) under out_dir, the same for the same spec."""
    shapes = module_shapes(config)
    rng = np.random.default_rng(spec.seed)
    tensors = {}
    for layer in range(config.num_hidden_layers):
        for module in spec.target_modules:
            fan_in, fan_out = shapes[module]
            prefix = f"base_model.model.model.layers.{layer}.{PARENT_MODULE[module]}.{module}"
            a = rng.normal(0.0, A_STD, (spec.rank, fan_in))
            b = rng.normal(0.0, B_STD / math.sqrt(spec.rank), (fan_out, spec.rank))
            tensors[prefix + ".lora_A.weight"] = torch.from_numpy(a.astype(np.float32))
            tensors[prefix + ".lora_B.weight"] = torch.from_numpy(b.astype(np.float32))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_safetensors(out_dir / WEIGHTS_FILE, tensors, {"format": "pt"})
    peft_config = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": spec.rank, "lora_alpha": spec.alpha,
                   "lora_dropout": 0.0, "use_rslora": spec.use_rslora, "target_modules": list(spec.target_modules),
                   "fan_in_fan_out": False, "bias": "none", "modules_to_save": None, "use_dora": False}
    (out_dir / CONFIG_FILE).write_text(json.dumps(peft_config, indent=2), encoding="utf-8")
    return out_dir
