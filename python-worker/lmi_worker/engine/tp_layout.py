"""Which slice of each Llama-family checkpoint tensor a tensor-parallel rank holds (Megatron-style).

Column-parallel (output rows split): q/k/v by heads, gate/up by intermediate rows; row-parallel (input
columns split, outputs summed over ranks): o_proj by heads, down_proj by intermediate columns. With fewer
KV heads than ranks each rank keeps the one KV head its query heads read (replicated). The embedding and
lm_head split the vocabulary, padded with zero rows to a multiple of the rank count. Norms are whole.
Slices of rows are views of the mapped checkpoint; slices of columns copy only their own bytes.
"""

from typing import Dict, Optional

import torch

from .model_config import ModelConfig

_COLUMN_PARALLEL = {"self_attn.q_proj": "q", "self_attn.k_proj": "kv", "self_attn.v_proj": "kv",
                    "mlp.gate_proj": "inter", "mlp.up_proj": "inter"}
_ROW_PARALLEL = {"self_attn.o_proj": "q", "mlp.down_proj": "inter"}
_VOCAB = ("model.embed_tokens.weight", "lm_head.weight")
KEY = "option.tensor_parallel_degree"


class TpLayout:
    """The slices of rank `rank` of `size` for one model config; raises ValueError when the model cannot split."""

    def __init__(self, config: ModelConfig, rank: int, size: int):
        heads, kv_heads, inter = config.num_attention_heads, config.num_key_value_heads, config.intermediate_size
        if heads % size:
            raise ValueError(f"{KEY} {size} must divide the model's num_attention_heads {heads}")
        if kv_heads % size and size % kv_heads:
            raise ValueError(f"{KEY} {size} must divide the model's num_key_value_heads {kv_heads} "
                             f"or be a multiple of it")
        if inter % size:
            raise ValueError(f"{KEY} {size} must divide the model's intermediate_size {inter}")
        self.rank, self.size = rank, size
        self.head_dim = config.head_dim
        self.heads = heads // size
        self.kv_heads = max(1, kv_heads // size)
        self.first_head = rank * self.heads
        # The KV heads the rank's query heads read: its own share, or the one they all share when replicated.
        self.first_kv_head = rank * self.kv_heads if kv_heads >= size else self.first_head * kv_heads // heads
        self.inter = inter // size
        self.vocab = -(-config.vocab_size // size)
        self.vocab_start = rank * self.vocab

    def shard(self, name: str, tensor: torch.Tensor) -> torch.Tensor:
        """This rank's part of the checkpoint tensor `name` (the tensor itself where it is not split)."""
        if name in _VOCAB:
            return self._vocab_rows(tensor)
        split = _split_of(name)
        if split is None:
            return tensor
        kind, module, is_bias = split
        start, length = self._range(kind)
        if module in _COLUMN_PARALLEL or is_bias:
            return tensor.narrow(0, start, length)
        return tensor.narrow(1, start, length).contiguous()

    def _range(self, kind: str):
        if kind == "q":
            return self.first_head * self.head_dim, self.heads * self.head_dim
        if kind == "kv":
            return self.first_kv_head * self.head_dim, self.kv_heads * self.head_dim
        return self.rank * self.inter, self.inter

    def _vocab_rows(self, tensor: torch.Tensor) -> torch.Tensor:
        rows = tensor[self.vocab_start:self.vocab_start + self.vocab]
        if rows.shape[0] == self.vocab:
            return rows
        padded = torch.zeros((self.vocab,) + tuple(tensor.shape[1:]), dtype=tensor.dtype)
        padded[:rows.shape[0]] = rows
        return padded


def _split_of(name: str) -> Optional[tuple]:
    """(kind, module, is_bias) for a projection tensor that splits, else None."""
    if not name.startswith("model.layers."):
        return None
    rest = name.split(".", 3)[3]  # e.g. self_attn.q_proj.weight
    module, _, leaf = rest.rpartition(".")
    if module in _COLUMN_PARALLEL and leaf in ("weight", "bias"):
        return _COLUMN_PARALLEL[module], module, leaf == "bias"
    if module in _ROW_PARALLEL and leaf == "weight":
        return _ROW_PARALLEL[module], module, False
    return None


def shard_checkpoint(tensors: Dict[str, torch.Tensor], layout: TpLayout) -> Dict[str, torch.Tensor]:
    """Every tensor replaced by this rank's part; tied tensors (one source object) stay one tensor."""
    parts: Dict[int, torch.Tensor] = {}
    for name, tensor in tensors.items():
        if id(tensor) not in parts:
            parts[id(tensor)] = layout.shard(name, tensor)
    return {name: parts[id(tensor)] for name, tensor in tensors.items()}
