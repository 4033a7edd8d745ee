"""Small random Llama-family checkpoints written from a config alone, for tests that need several architectures."""

import json
from pathlib import Path
from typing import Dict, Tuple

import torch

from lmi_worker.engine.model_config import ModelConfig
from lmi_worker.engine.safetensors import save_safetensors
from lmi_worker.engine.weights import expected_shapes

BASE_CONFIG = {
    "vocab_size": 512, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "rms_norm_eps": 1e-6,
    "rope_theta": 10000.0, "max_position_embeddings": 256, "hidden_act": "silu",
    "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32", "tie_word_embeddings": False,
}


def write_model(path: Path, architecture: str, seed: int = 99,
                **overrides) -> Tuple[ModelConfig, Dict[str, torch.Tensor]]:
    """BASE_CONFIG with `overrides` as config.json and weights of unit-scale matmuls in model.safetensors."""
    raw = dict(BASE_CONFIG, architectures=[architecture], **overrides)
    path.mkdir(parents=True)
    (path / "config.json").write_text(json.dumps(raw))
    config = ModelConfig.from_dir(path)
    gen = torch.Generator().manual_seed(seed)
    weights = {}
    for name, shape in expected_shapes(config).items():
        if name.endswith("norm.weight"):
            weights[name] = 1 + 0.1 * torch.randn(shape, generator=gen)
        else:
            weights[name] = torch.randn(shape, generator=gen) * (0.5 if name.endswith("bias") else shape[-1] ** -0.5)
    if config.tie_word_embeddings:
        weights.pop("lm_head.weight", None)
    save_safetensors(path / "model.safetensors", weights)
    return config, weights
