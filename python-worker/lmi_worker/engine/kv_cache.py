"""The physical paged KV cache: per layer, K and V for every slot of every block."""

import logging
from dataclasses import dataclass
from typing import List

import numpy as np
import torch

log = logging.getLogger(__name__)

# Without a budget, the CPU cache takes this share of the memory still free after loading, at most
# the cap, and never more than max_num_seqs sequences of max_model_len tokens can use.
DEFAULT_CPU_SHARE = 0.3
DEFAULT_CPU_CAP_BYTES = 8 << 30


@dataclass
class KvCache:
    """K and V per layer, laid out [kv_heads, num_blocks, block_size, head_dim].

    Heads come first so that gathering whole blocks (rows of the [kv_heads * num_blocks,
    block_size * head_dim] view) gives a contiguous [kv_heads * batch, context, head_dim]
    tensor that bmm takes as it is, and so one head's block is one contiguous run for the
    CPU kernel. Slot s of block b holds position b * block_size + s of its sequence.
    """

    keys: List[torch.Tensor]
    values: List[torch.Tensor]
    num_blocks: int
    block_size: int

    @staticmethod
    def bytes_per_block(num_layers: int, kv_heads: int, head_dim: int, block_size: int,
                        dtype: torch.dtype) -> int:
        itemsize = torch.empty((), dtype=dtype).element_size()
        return 2 * num_layers * kv_heads * block_size * head_dim * itemsize

    @classmethod
    def allocate(cls, num_layers: int, kv_heads: int, head_dim: int, block_size: int,
                 num_blocks: int, dtype: torch.dtype, device: torch.device) -> "KvCache":
        shape = (kv_heads, num_blocks, block_size, head_dim)
        keys = [_zeros(shape, dtype, device) for _ in range(num_layers)]
        values = [_zeros(shape, dtype, device) for _ in range(num_layers)]
        return cls(keys, values, num_blocks, block_size)


def _zeros(shape, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """Zeroed memory. On CPU through calloc, whose large blocks are fresh zero pages the kernel maps on
    first touch: a multi-GiB cache is ready at once instead of after memset walks every page."""
    if device.type != "cpu":
        return torch.zeros(shape, dtype=dtype, device=device)
    itemsize = torch.empty((), dtype=dtype).element_size()
    raw = np.zeros(shape, dtype={2: np.int16, 4: np.int32, 8: np.int64}[itemsize])
    return torch.from_numpy(raw).view(dtype)


def available_cpu_memory() -> int:
    """MemAvailable from /proc/meminfo, in bytes."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("MemAvailable missing from /proc/meminfo")


def default_cpu_kv_bytes(useful_bytes: int) -> int:
    return int(min(DEFAULT_CPU_CAP_BYTES, available_cpu_memory() * DEFAULT_CPU_SHARE, useful_bytes))
