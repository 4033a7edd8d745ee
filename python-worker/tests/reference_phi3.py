"""A float64 Phi-3 forward written from the model's description (Phi-3 technical report; Hugging Face's
Phi3ForCausalLM layout), reading config.json's keys and the fused checkpoint tensors itself, so that it
shares nothing with the engine: not its config reader, its weight loader or its RoPE tables."""

from typing import Dict

import torch

from reference_decoder import ReferenceDecoder


def phi3_reference_logits(raw: dict, weights: Dict[str, torch.Tensor], ids) -> torch.Tensor:
    """Logits [len(ids), vocab] of one whole sequence under a dense causal (and sliding-window) mask."""
    w = {k: v.double() for k, v in weights.items()}
    ref = ReferenceDecoder(raw, len(ids))
    q_dim, kv_dim = ref.heads * ref.d, ref.kv_heads * ref.d
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    for i in range(raw["num_hidden_layers"]):
        p = f"model.layers.{i}."
        qkv = ref.rms_norm(x, w[p + "input_layernorm.weight"]) @ w[p + "self_attn.qkv_proj.weight"].T
        x = x + ref.attention(*qkv.split([q_dim, kv_dim, kv_dim], -1)) @ w[p + "self_attn.o_proj.weight"].T
        gate, up = (ref.rms_norm(x, w[p + "post_attention_layernorm.weight"])
                    @ w[p + "mlp.gate_up_proj.weight"].T).chunk(2, -1)
        x = x + (torch.nn.functional.silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
    return ref.rms_norm(x, w["model.norm.weight"]) @ w["lm_head.weight"].T
