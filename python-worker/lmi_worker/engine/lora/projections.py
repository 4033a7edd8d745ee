"""Where LoRA target modules sit in the model's fused projections (q/k/v and gate/up are one matmul each)."""

from dataclasses import dataclass
from typing import Dict, Tuple

from ..model_config import ModelConfig

# PEFT's module names, in the order their slices appear in the fused projections.
TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
PARENT_MODULE = {"q_proj": "self_attn", "k_proj": "self_attn", "v_proj": "self_attn", "o_proj": "self_attn",
                 "gate_proj": "mlp", "up_proj": "mlp", "down_proj": "mlp"}


@dataclass(frozen=True)
class FusedProjection:
    """One matmul of a decoder layer and the target modules whose outputs are slices of it."""

    name: str  # qkv | o | gate_up | down
    in_features: int
    parts: Tuple[Tuple[str, int, int], ...]  # (target module, first output row, end output row)

    @property
    def out_features(self) -> int:
        return self.parts[-1][2]


def fused_projections(config: ModelConfig) -> Tuple[FusedProjection, ...]:
    hidden, inter = config.hidden_size, config.intermediate_size
    q_dim = config.num_attention_heads * config.head_dim
    kv_dim = config.num_key_value_heads * config.head_dim
    return (
        FusedProjection("qkv", hidden, (("q_proj", 0, q_dim), ("k_proj", q_dim, q_dim + kv_dim),
                                        ("v_proj", q_dim + kv_dim, q_dim + 2 * kv_dim))),
        FusedProjection("o", q_dim, (("o_proj", 0, hidden),)),
        FusedProjection("gate_up", hidden, (("gate_proj", 0, inter), ("up_proj", inter, 2 * inter))),
        FusedProjection("down", inter, (("down_proj", 0, hidden),)),
    )


def module_shapes(config: ModelConfig) -> Dict[str, Tuple[int, int]]:
    """(in_features, out_features) of each target module."""
    return {module: (p.in_features, hi - lo) for p in fused_projections(config) for module, lo, hi in p.parts}
