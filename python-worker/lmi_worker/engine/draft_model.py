"""Draft tokens for speculative decoding from a smaller model with the target's tokenizer, chosen greedily.

The draft keeps its own KV cache, addressed by the target's block tables (it has as many blocks), so
it must see every token the target computes: each step it first runs the step's chunks, each with the
token before it again (the last kept draft, whose K/V the draft never computed when every draft was
kept; computing it again is harmless), then one decode forward per further draft for the sequences
that speculate. Its greedy choice is a one-token
proposal, so the target's verification keeps the output distribution the target's own; a draft that
agrees with the target more often only makes more drafts stick.
"""

from typing import List, Optional

import numpy as np
import torch

from .attention_metadata import AttentionMetadata
from .kv_cache import KvCache
from .llama import LlamaModel
from .step import StepBatch

KEY = "option.speculative_draft_model"


class DraftModel:
    """The draft's weights and cache, block for block beside the target's."""

    def __init__(self, model: LlamaModel, cache: KvCache, block_size: int):
        self.model = model
        self.cache = cache
        self.block_size = block_size

    def propose(self, batch: StepBatch, previous: List[Optional[int]], wants: List[int]) -> List[List[int]]:
        """wants[i] greedy drafts after sequence i of `batch`, whose token before this step's chunk is previous[i]
        (None at position 0); runs every sequence's chunk so the draft's cache holds what the target's does."""
        drafts: List[List[int]] = [[] for _ in wants]
        chunks = [([] if before is None else [before]) + batch.tokens[batch.token_offsets[i]:batch.token_offsets[i + 1]]
                  .tolist() for i, before in enumerate(previous)]
        starts = np.array([start - (before is not None) for start, before in zip(batch.start_pos.tolist(), previous)],
                          np.int32)
        offsets = np.concatenate([[0], np.cumsum([len(c) for c in chunks])]).astype(np.int32)
        rows = [i for i, k in enumerate(wants) if k > 0]
        tokens = self._greedy(starts, offsets, np.array([t for c in chunks for t in c], np.int32),
                              batch.block_offsets, batch.block_tables, offsets[1:][rows] - 1)
        for i, token in zip(rows, tokens):
            drafts[i].append(token)
        positions = {i: int(starts[i]) + len(chunks[i]) for i in rows}
        while rows := [i for i in rows if len(drafts[i]) < wants[i]]:
            tables = [batch.block_tables[batch.block_offsets[i]:batch.block_offsets[i + 1]] for i in rows]
            block_offsets = np.concatenate([[0], np.cumsum([len(t) for t in tables])]).astype(np.int32)
            tokens = self._greedy(np.array([positions[i] for i in rows], np.int32),
                                  np.arange(len(rows) + 1, dtype=np.int32),
                                  np.array([drafts[i][-1] for i in rows], np.int32), block_offsets,
                                  np.concatenate(tables).astype(np.int32), np.arange(len(rows)))
            for i, token in zip(rows, tokens):
                drafts[i].append(token)
                positions[i] += 1
        return drafts

    def _greedy(self, start_pos, token_offsets, tokens, block_offsets, block_tables, logit_rows) -> List[int]:
        """The draft's argmax after each of `logit_rows`, having written the K/V of every token given."""
        model = self.model
        if not len(tokens):
            return []
        meta = AttentionMetadata.build(start_pos, token_offsets, block_offsets, block_tables, self.block_size,
                                       self.cache.num_blocks, model.kv_heads, model.dtype, model.device)
        with torch.inference_mode():
            logits = model.forward(torch.from_numpy(tokens.astype(np.int64)).to(model.device), meta, self.cache,
                                   torch.as_tensor(np.asarray(logit_rows, np.int64), device=model.device))
        return logits.argmax(dim=-1).tolist()
