"""Runs the model forward directly for a list of scheduled sequences and returns every row's logits."""

from typing import List

import numpy as np
import torch

from lmi_worker.engine.attention_metadata import AttentionMetadata
from lmi_worker.engine.engine import LmiDistEngine
from lmi_worker.engine.step_builder import ScheduledSequence, build_step


def forward_logits(engine: LmiDistEngine, seqs: List[ScheduledSequence]) -> List[torch.Tensor]:
    """Logits [n_i, vocab] for each sequence's tokens, computed in one ragged forward."""
    batch = build_step(0, seqs)
    meta = AttentionMetadata.build(batch.start_pos, batch.token_offsets, batch.block_offsets, batch.block_tables,
                                   engine.capacity.block_size, engine.capacity.num_blocks,
                                   engine.model.kv_heads, engine.model.dtype, engine.model.device)
    device = engine.model.device
    rows = torch.arange(len(batch.tokens), device=device)
    ids = torch.from_numpy(batch.tokens.astype(np.int64)).to(device)
    with torch.inference_mode():
        logits = engine.model.forward(ids, meta, engine.cache, rows).cpu()
    offsets = batch.token_offsets
    return [logits[offsets[i]:offsets[i + 1]] for i in range(len(seqs))]


def blocks_for(length: int, block_size: int, order: List[int]) -> List[int]:
    """The first blocks of `order` that hold `length` tokens; consumes them from `order`."""
    count = -(-length // block_size)
    taken = order[:count]
    del order[:count]
    return taken


def decodes_after_prefills(engine: LmiDistEngine, lengths: List[int], seed: int) -> List[ScheduledSequence]:
    """Prefills one random prompt per length on shuffled blocks, then returns each one's next decode token."""
    order = np.random.default_rng(seed).permutation(engine.capacity.num_blocks).tolist()
    decodes = []
    for i, length in enumerate(lengths):
        prompt = [1] + np.random.default_rng(seed * 100 + i).integers(3, 32000, length - 1).tolist()
        table = blocks_for(length + 1, engine.capacity.block_size, order)
        forward_logits(engine, [ScheduledSequence(i, prompt, 0, table)])
        decodes.append(ScheduledSequence(i, [7 + i], length, table))
    return decodes


def with_gathering_attention(engine: LmiDistEngine, seqs: List[ScheduledSequence]) -> List[torch.Tensor]:
    """forward_logits with the torch attention path (blocks gathered for bmm) in place of the CPU kernel."""
    from lmi_worker.engine.paged_attention import PagedAttention

    model = engine.model
    kernel_attention = model.attention
    try:
        model.attention = PagedAttention(kernel_attention.scale, kernel_attention.sliding_window,
                                         use_cpu_kernel=False, threads=1)
        return forward_logits(engine, seqs)
    finally:
        model.attention = kernel_attention
