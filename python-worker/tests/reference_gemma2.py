"""A float64 Gemma 2 forward written from the paper (Gemma Team 2024, "Gemma 2: Improving Open Language Models at
a Practical Size": local sliding-window and global attention alternating, logit soft-capping, pre- and
post-norm with RMSNorm, GeGLU) and Hugging Face's Gemma2 checkpoint layout. It reads config.json's keys and the
stored tensors itself (norm weights as stored, 1 + w applied here), sharing no code with the engine's model."""

from typing import Callable, Dict

import torch

from reference_decoder import ReferenceDecoder


def gemma2_reference_logits(raw: dict, weights: Dict[str, torch.Tensor], ids,
                            windowed_layer: Callable[[int], bool] = lambda i: i % 2 == 0) -> torch.Tensor:
    """Logits [len(ids), vocab] of one whole sequence; the paper's local layers are the even ones."""
    w = {k: v.double() for k, v in weights.items()}
    ref = ReferenceDecoder(raw, len(ids))
    scale = raw.get("query_pre_attn_scalar", ref.d) ** -0.5

    def norm(t, name):
        return ref.rms_norm(t, 1 + w[name])

    x = w["model.embed_tokens.weight"][torch.tensor(ids)] * raw["hidden_size"] ** 0.5
    for i in range(raw["num_hidden_layers"]):
        p = f"model.layers.{i}."
        a = norm(x, p + "input_layernorm.weight")
        q, k, v = (a @ w[p + f"self_attn.{name}_proj.weight"].T for name in "qkv")
        attended = ref.attention(q, k, v, scale=scale, softcap=raw.get("attn_logit_softcapping"),
                                 windowed=windowed_layer(i)) @ w[p + "self_attn.o_proj.weight"].T
        x = x + norm(attended, p + "post_attention_layernorm.weight")
        m = norm(x, p + "pre_feedforward_layernorm.weight")
        gate = torch.nn.functional.gelu(m @ w[p + "mlp.gate_proj.weight"].T, approximate="tanh")
        mlp = (gate * (m @ w[p + "mlp.up_proj.weight"].T)) @ w[p + "mlp.down_proj.weight"].T
        x = x + norm(mlp, p + "post_feedforward_layernorm.weight")
    lm_head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
    logits = norm(x, "model.norm.weight") @ lm_head.T
    cap = raw.get("final_logit_softcapping")
    return logits if cap is None else cap * torch.tanh(logits / cap)
