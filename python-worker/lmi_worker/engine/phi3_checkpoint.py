"""Phi-3 (Phi3ForCausalLM): a Llama-family decoder whose checkpoint fuses each layer's projections.

The forward is Llama's (RMSNorm, rotate-half RoPE, grouped-query attention, SiLU-gated MLP, an optional
sliding window as Mistral's); only the layout differs: `self_attn.qkv_proj` holds q, k and v's rows in that
order, and `mlp.gate_up_proj` gate's rows then up's. Splitting them into Llama's names, as views of the
mapped file, lets every later stage (shape checks, tensor-parallel slicing, casts, int8) stay as it is.
"""

from pathlib import Path
from typing import Dict

import torch

from .model_config import ModelConfig

ARCHITECTURE = "Phi3ForCausalLM"


def split_fused_projections(tensors: Dict[str, torch.Tensor], origin: Dict[str, Path], config: ModelConfig,
                            model_dir: Path) -> None:
    """Replaces each layer's qkv_proj and gate_up_proj weights by their parts, in place."""
    q_dim = config.num_attention_heads * config.head_dim
    kv_dim = config.num_key_value_heads * config.head_dim
    for i in range(config.num_hidden_layers):
        p = f"model.layers.{i}."
        _split(tensors, origin, model_dir, p + "self_attn.qkv_proj.weight",
               {p + "self_attn.q_proj.weight": q_dim, p + "self_attn.k_proj.weight": kv_dim,
                p + "self_attn.v_proj.weight": kv_dim}, config.hidden_size)
        _split(tensors, origin, model_dir, p + "mlp.gate_up_proj.weight",
               {p + "mlp.gate_proj.weight": config.intermediate_size,
                p + "mlp.up_proj.weight": config.intermediate_size}, config.hidden_size)


def _split(tensors, origin, model_dir, fused: str, parts: Dict[str, int], columns: int) -> None:
    if fused not in tensors:
        raise ValueError(f"{model_dir}: tensor {fused!r} needed by {ARCHITECTURE} is missing")
    tensor = tensors.pop(fused)
    source = origin.pop(fused)
    shape = [sum(parts.values()), columns]
    if list(tensor.shape) != shape:
        raise ValueError(f"{source}: tensor {fused!r} has shape {list(tensor.shape)}, {ARCHITECTURE} with this "
                         f"config.json needs {shape} ({' + '.join(str(n) for n in parts.values())} rows)")
    start = 0
    for name, rows in parts.items():
        tensors[name] = tensor.narrow(0, start, rows)
        origin[name] = source
        start += rows
