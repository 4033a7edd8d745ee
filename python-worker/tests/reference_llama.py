"""A plain float64 Llama-family forward over one whole sequence: the yardstick for the paged engine."""

import math
from typing import Dict

import torch

from lmi_worker.engine.model_config import ModelConfig
from lmi_worker.engine.rope import rope_inv_freq


def reference_logits(config: ModelConfig, weights: Dict[str, torch.Tensor], ids) -> torch.Tensor:
    """Logits [len(ids), vocab] with a dense causal mask, as Hugging Face computes them."""
    w = {k: v.double() for k, v in weights.items()}
    n = len(ids)
    d, h, kvh = config.head_dim, config.num_attention_heads, config.num_key_value_heads
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    angles = torch.outer(torch.arange(n, dtype=torch.float64), rope_inv_freq(config).double())
    cos, sin = angles.cos(), angles.sin()
    pos = torch.arange(n)
    allowed = pos[None, :] <= pos[:, None]
    if config.sliding_window is not None:
        allowed &= pos[None, :] > pos[:, None] - config.sliding_window

    def norm(t, weight):
        return weight * t / torch.sqrt(t.pow(2).mean(-1, keepdim=True) + config.rms_norm_eps)

    def rope(t):  # t: [n, heads, d]
        t1, t2 = t[..., :d // 2], t[..., d // 2:]
        c, s = cos[:, None, :], sin[:, None, :]
        return torch.cat([t1 * c - t2 * s, t2 * c + t1 * s], -1)

    for i in range(config.num_hidden_layers):
        p = f"model.layers.{i}."
        a = norm(x, w[p + "input_layernorm.weight"])

        def proj(name):
            out = a @ w[p + f"self_attn.{name}.weight"].T
            bias = w.get(p + f"self_attn.{name}.bias")
            return out if bias is None else out + bias

        q = rope(proj("q_proj").view(n, h, d))
        k = rope(proj("k_proj").view(n, kvh, d)).repeat_interleave(h // kvh, dim=1)
        v = proj("v_proj").view(n, kvh, d).repeat_interleave(h // kvh, dim=1)
        scores = torch.einsum("qhd,khd->hqk", q, k) / math.sqrt(d)
        scores = scores.masked_fill(~allowed, float("-inf"))
        att = torch.einsum("hqk,khd->qhd", scores.softmax(-1), v).reshape(n, h * d)
        x = x + att @ w[p + "self_attn.o_proj.weight"].T
        m = norm(x, w[p + "post_attention_layernorm.weight"])
        gate = m @ w[p + "mlp.gate_proj.weight"].T
        up = m @ w[p + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
    x = norm(x, w["model.norm.weight"])
    head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
    return x @ head.T
