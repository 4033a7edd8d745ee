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


def write_phi3_model(path: Path, seed: int = 99, **overrides) -> Tuple[dict, Dict[str, torch.Tensor]]:
    """A Phi3ForCausalLM checkpoint: BASE_CONFIG's shapes with each layer's q/k/v and gate/up rows fused into
    qkv_proj and gate_up_proj, as Phi-3's checkpoints store them. Returns config.json's contents and the tensors."""
    raw = dict(BASE_CONFIG, architectures=["Phi3ForCausalLM"], **overrides)
    path.mkdir(parents=True)
    (path / "config.json").write_text(json.dumps(raw))
    gen = torch.Generator().manual_seed(seed)
    hidden, inter = raw["hidden_size"], raw["intermediate_size"]
    head_dim = hidden // raw["num_attention_heads"]
    qkv_rows = (raw["num_attention_heads"] + 2 * raw["num_key_value_heads"]) * head_dim
    shapes = {"model.embed_tokens.weight": (raw["vocab_size"], hidden), "model.norm.weight": (hidden,),
              "lm_head.weight": (raw["vocab_size"], hidden)}
    for i in range(raw["num_hidden_layers"]):
        p = f"model.layers.{i}."
        shapes.update({p + "input_layernorm.weight": (hidden,), p + "post_attention_layernorm.weight": (hidden,),
                       p + "self_attn.qkv_proj.weight": (qkv_rows, hidden),
                       p + "self_attn.o_proj.weight": (hidden, raw["num_attention_heads"] * head_dim),
                       p + "mlp.gate_up_proj.weight": (2 * inter, hidden), p + "mlp.down_proj.weight": (hidden, inter)})
    weights = {name: 1 + 0.1 * torch.randn(shape, generator=gen) if name.endswith("norm.weight")
               else torch.randn(shape, generator=gen) * shape[-1] ** -0.5 for name, shape in shapes.items()}
    save_safetensors(path / "model.safetensors", weights)
    return raw, weights
