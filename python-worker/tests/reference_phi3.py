"""A float64 Phi-3 forward written from the model's description (Phi-3 technical report; Hugging Face's
Phi3ForCausalLM layout), reading config.json's keys and the fused checkpoint tensors itself, so that it
shares nothing with the engine: not its config reader, its weight loader or its RoPE tables."""

from typing import Dict

import torch


def phi3_reference_logits(raw: dict, weights: Dict[str, torch.Tensor], ids) -> torch.Tensor:
    """Logits [len(ids), vocab] of one whole sequence under a dense causal (and sliding-window) mask."""
    w = {k: v.double() for k, v in weights.items()}
    hidden, heads = raw["hidden_size"], raw["num_attention_heads"]
    kv_heads = raw.get("num_key_value_heads") or heads
    d = hidden // heads
    n = len(ids)
    pos = torch.arange(n)
    allowed = pos[None, :] <= pos[:, None]
    if raw.get("sliding_window") is not None:
        allowed &= pos[None, :] > pos[:, None] - raw["sliding_window"]
    inv_freq = 1.0 / raw.get("rope_theta", 10000.0) ** (torch.arange(0, d, 2, dtype=torch.float64) / d)
    angles = torch.outer(pos.double(), inv_freq)
    cos, sin = torch.cat([angles.cos()] * 2, -1)[:, None, :], torch.cat([angles.sin()] * 2, -1)[:, None, :]

    def rms_norm(t, weight):
        return weight * t / torch.sqrt(t.pow(2).mean(-1, keepdim=True) + raw["rms_norm_eps"])

    def rotate_half(t):
        return torch.cat([-t[..., d // 2:], t[..., :d // 2]], -1)

    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    for i in range(raw["num_hidden_layers"]):
        p = f"model.layers.{i}."
        qkv = rms_norm(x, w[p + "input_layernorm.weight"]) @ w[p + "self_attn.qkv_proj.weight"].T
        q, k, v = qkv.split([heads * d, kv_heads * d, kv_heads * d], -1)
        q, k, v = q.view(n, heads, d), k.view(n, kv_heads, d), v.view(n, kv_heads, d)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = k.repeat_interleave(heads // kv_heads, 1), v.repeat_interleave(heads // kv_heads, 1)
        scores = torch.einsum("qhd,khd->hqk", q, k) / d ** 0.5
        scores = scores.masked_fill(~allowed, float("-inf")).softmax(-1)
        attended = torch.einsum("hqk,khd->qhd", scores, v).reshape(n, heads * d)
        x = x + attended @ w[p + "self_attn.o_proj.weight"].T
        gate, up = (rms_norm(x, w[p + "post_attention_layernorm.weight"])
                    @ w[p + "mlp.gate_up_proj.weight"].T).chunk(2, -1)
        x = x + (torch.nn.functional.silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
    return rms_norm(x, w["model.norm.weight"]) @ w["lm_head.weight"].T
