"""A float64 Mixtral forward written from the paper (Jiang et al. 2024, "Mixtral of Experts", eq. 1-2): each
token's MLP output is sum_i softmax(top-k(x W_g))_i SwiGLU_i(x), the softmax taken over the k largest router
logits only. It reads config.json's keys and the checkpoint tensors itself and loops over tokens and experts
one at a time, so it shares neither code nor batching with the engine's routed, per-expert-batched MoE."""

from typing import Dict

import torch

from reference_decoder import ReferenceDecoder


def mixtral_reference_logits(raw: dict, weights: Dict[str, torch.Tensor], ids) -> torch.Tensor:
    """Logits [len(ids), vocab] of one whole sequence."""
    w = {k: v.double() for k, v in weights.items()}
    ref = ReferenceDecoder(raw, len(ids))
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    for i in range(raw["num_hidden_layers"]):
        p = f"model.layers.{i}."
        a = ref.rms_norm(x, w[p + "input_layernorm.weight"])
        q, k, v = (a @ w[p + f"self_attn.{name}_proj.weight"].T for name in "qkv")
        x = x + ref.attention(q, k, v) @ w[p + "self_attn.o_proj.weight"].T
        m = ref.rms_norm(x, w[p + "post_attention_layernorm.weight"])
        out = torch.zeros_like(x)
        for t in range(len(ids)):
            logits = w[p + "block_sparse_moe.gate.weight"] @ m[t]
            top = logits.topk(raw["num_experts_per_tok"])
            for gate, e in zip(top.values.softmax(-1), top.indices.tolist()):
                q = f"{p}block_sparse_moe.experts.{e}."
                swiglu = torch.nn.functional.silu(w[q + "w1.weight"] @ m[t]) * (w[q + "w3.weight"] @ m[t])
                out[t] += gate * (w[q + "w2.weight"] @ swiglu)
        x = x + out
    return ref.rms_norm(x, w["model.norm.weight"]) @ w["lm_head.weight"].T
