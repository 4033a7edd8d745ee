"""Per-step index tensors that every layer's attention shares: built once, used num_layers times."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np
import torch


@dataclass
class PrefillChunk:
    """One sequence computing several tokens: rows [row_start, row_end) of the flat batch."""

    row_start: int
    row_end: int
    first_pos: int  # position of its first query token
    block_rows: torch.Tensor  # int64 [KVH * blocks]: rows of the [KVH * num_blocks, BS * D] cache view


@dataclass
class DecodeGroup:
    """Sequences computing one token each, attended to together."""

    rows: torch.Tensor  # int64 [B]: their rows in the flat batch
    block_tables: torch.Tensor  # int32 [B, max_blocks], padded with block 0
    context_lens: torch.Tensor  # int32 [B], including this step's token
    block_rows: torch.Tensor  # int64 [KVH * B * max_blocks]: for the gathering (non-kernel) path
    lengths: np.ndarray  # int64 [B]: context_lens on the host
    context: int  # max_blocks * BS: the gathered keys per sequence
    mask_dtype: torch.dtype
    device: torch.device
    _masks: Dict[Optional[int], torch.Tensor] = field(default_factory=dict)

    def mask(self, sliding_window: Optional[int]) -> torch.Tensor:
        """[B, context]: 0 where attended, -inf elsewhere; made once per window a step's layers use (Gemma 2
        alternates a windowed and a global layer)."""
        if sliding_window not in self._masks:
            pos = np.arange(self.context)[None, :]
            attended = pos < self.lengths[:, None]
            if sliding_window is not None:
                attended &= pos >= self.lengths[:, None] - sliding_window
            mask = torch.zeros(attended.shape, dtype=self.mask_dtype).masked_fill_(torch.from_numpy(~attended),
                                                                                  float("-inf"))
            self._masks[sliding_window] = mask.to(self.device)
        return self._masks[sliding_window]


@dataclass
class AttentionMetadata:
    """Where each token of a ragged batch reads and writes the paged KV cache."""

    positions: torch.Tensor  # int64 [T]
    write_rows: torch.Tensor  # int64 [KVH * T]: rows of the [KVH * slots, D] cache view, head-major
    decode: Optional[DecodeGroup]
    prefills: List[PrefillChunk]

    @classmethod
    def build(cls, start_pos: np.ndarray, token_offsets: np.ndarray, block_offsets: np.ndarray,
              block_tables: np.ndarray, block_size: int, num_blocks: int, kv_heads: int,
              mask_dtype: torch.dtype, device: torch.device) -> "AttentionMetadata":
        counts = np.diff(token_offsets)
        total = int(token_offsets[-1])
        seq_of_row = np.repeat(np.arange(len(counts)), counts)
        positions = (np.arange(total) - token_offsets[:-1][seq_of_row] + start_pos[seq_of_row]).astype(np.int64)
        table_rows = block_offsets[:-1][seq_of_row] + positions // block_size
        slots = block_tables[table_rows].astype(np.int64) * block_size + positions % block_size
        head_offsets = np.arange(kv_heads, dtype=np.int64)[:, None] * (num_blocks * block_size)
        write_rows = (head_offsets + slots[None, :]).reshape(-1)

        decode_seqs = np.nonzero(counts == 1)[0]
        decode = None
        if len(decode_seqs):
            decode = _decode_group(decode_seqs, start_pos, token_offsets, block_offsets, block_tables, block_size,
                                   num_blocks, kv_heads, mask_dtype, device)
        prefills = []
        block_heads = np.arange(kv_heads, dtype=np.int64)[:, None] * num_blocks
        for i in np.nonzero(counts > 1)[0]:
            first, n = int(start_pos[i]), int(counts[i])
            used = -(-(first + n) // block_size)
            table = block_tables[block_offsets[i]:block_offsets[i] + used].astype(np.int64)
            prefills.append(PrefillChunk(int(token_offsets[i]), int(token_offsets[i + 1]), first,
                                         torch.from_numpy((block_heads + table[None, :]).reshape(-1)).to(device)))
        return cls(torch.from_numpy(positions).to(device), torch.from_numpy(write_rows).to(device), decode, prefills)


def _decode_group(seqs, start_pos, token_offsets, block_offsets, block_tables, block_size, num_blocks, kv_heads,
                  mask_dtype, device) -> DecodeGroup:
    lengths = start_pos[seqs].astype(np.int64) + 1
    used = -(-lengths // block_size)
    max_blocks = int(used.max())
    # Gather every sequence's table into one padded matrix without a Python loop.
    col = np.arange(max_blocks)[None, :]
    valid = col < used[:, None]
    source = np.where(valid, block_offsets[seqs][:, None] + col, 0)
    table = np.where(valid, block_tables[source], 0).astype(np.int32)
    block_rows = (np.arange(kv_heads, dtype=np.int64)[:, None, None] * num_blocks + table[None]).reshape(-1)
    return DecodeGroup(rows=torch.from_numpy(token_offsets[seqs].astype(np.int64)).to(device),
                       block_tables=torch.from_numpy(table).to(device),
                       context_lens=torch.from_numpy(lengths.astype(np.int32)).to(device),
                       block_rows=torch.from_numpy(block_rows).to(device), lengths=lengths,
                       context=max_blocks * block_size, mask_dtype=mask_dtype, device=device)
