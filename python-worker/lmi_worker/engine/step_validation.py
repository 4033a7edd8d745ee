"""Checks a step before it touches any state, so a malformed step fails alone and nothing changes."""

from typing import Dict

import numpy as np

from .capacity import Capacity
from .sequence_state import SequenceState
from .step import (ERR_BAD_STEP, ERR_BLOCK_TABLE_TOO_SHORT, ERR_POSITION_PAST_MAX_LEN, ERR_UNKNOWN_SEQUENCE,
                   NewSequence, SamplingParams, StepBatch, StepError)


def validate_step(batch: StepBatch, states: Dict[int, SequenceState], capacity: Capacity) -> None:
    """Raises StepError naming the first problem found."""
    _check_layout(batch)
    new = _check_new_sequences(batch)
    tokens, vocab = batch.tokens, capacity.vocab_size
    if len(tokens) and (tokens.min() < 0 or tokens.max() >= vocab):
        bad = int(tokens[(tokens < 0) | (tokens >= vocab)][0])
        raise StepError(ERR_BAD_STEP, f"token id {bad} is outside the vocabulary [0, {vocab})")
    blocks = batch.block_tables
    if len(blocks) and (blocks.min() < 0 or blocks.max() >= capacity.num_blocks):
        bad = int(blocks[(blocks < 0) | (blocks >= capacity.num_blocks)][0])
        raise StepError(ERR_BAD_STEP, f"block id {bad} is outside the KV cache [0, {capacity.num_blocks})")
    for i, seq_id in enumerate(batch.seq_ids.tolist()):
        start = int(batch.start_pos[i])
        # Speculative tokens are written into the cache too: their positions must exist and have slots.
        end = start + int(batch.token_offsets[i + 1] - batch.token_offsets[i]) + batch.lookahead_of(i)
        if seq_id in new:
            known = len(new[seq_id].prefix_ids)
            if start != known:
                raise StepError(ERR_BAD_STEP, f"sequence {seq_id}: new sequence starts at position {start} "
                                              f"but carries {known} prefix tokens")
        elif seq_id in states:
            known = len(states[seq_id].tokens)
            if start > known:
                raise StepError(ERR_BAD_STEP, f"sequence {seq_id}: start position {start} is past the "
                                              f"{known} tokens computed so far")
        else:
            raise StepError(ERR_UNKNOWN_SEQUENCE, f"sequence {seq_id} is unknown: it was never sent as new "
                                                  f"or was finished")
        if start < 0 or end > capacity.max_model_len:
            raise StepError(ERR_POSITION_PAST_MAX_LEN, f"sequence {seq_id}: positions {start}..{end - 1} "
                                                       f"exceed max_model_len {capacity.max_model_len}")
        needed = -(-end // capacity.block_size)
        have = int(batch.block_offsets[i + 1] - batch.block_offsets[i])
        if have < needed:
            raise StepError(ERR_BLOCK_TABLE_TOO_SHORT, f"sequence {seq_id}: block table has {have} blocks, "
                                                       f"positions up to {end - 1} need {needed}")


def _check_layout(batch: StepBatch) -> None:
    s = len(batch.seq_ids)
    for name, array, size in (("start_pos", batch.start_pos, s), ("sample", batch.sample, s),
                              ("token_offsets", batch.token_offsets, s + 1),
                              ("block_offsets", batch.block_offsets, s + 1)):
        if len(array) != size:
            raise StepError(ERR_BAD_STEP, f"{name} has {len(array)} entries, expected {size}")
    for name, offsets, total in (("token_offsets", batch.token_offsets, len(batch.tokens)),
                                 ("block_offsets", batch.block_offsets, len(batch.block_tables))):
        if offsets[0] != 0 or offsets[-1] != total or np.any(np.diff(offsets) < 0):
            raise StepError(ERR_BAD_STEP, f"{name} must rise from 0 to {total}")
    if np.any(np.diff(batch.token_offsets) == 0):
        raise StepError(ERR_BAD_STEP, "every scheduled sequence needs at least one token")
    if len(batch.lookahead) not in (0, s) or np.any(batch.lookahead < 0):
        raise StepError(ERR_BAD_STEP, f"lookahead must be empty or {s} counts >= 0")
    if len(np.unique(batch.seq_ids)) != s:
        raise StepError(ERR_BAD_STEP, "a sequence id appears twice in one step")


def _check_new_sequences(batch: StepBatch) -> Dict[int, NewSequence]:
    new = {}
    for seq in batch.new_sequences:
        if seq.seq_id in new:
            raise StepError(ERR_BAD_STEP, f"sequence {seq.seq_id} is sent as new twice")
        if seq.prompt_len < 0:
            raise StepError(ERR_BAD_STEP, f"sequence {seq.seq_id}: prompt_len {seq.prompt_len} is negative")
        if seq.adapter_id < 0:
            raise StepError(ERR_BAD_STEP, f"sequence {seq.seq_id}: adapter_id {seq.adapter_id} is negative")
        _check_params(seq.seq_id, seq.params)
        new[seq.seq_id] = seq
    return new


def _check_params(seq_id: int, p: SamplingParams) -> None:
    problems = []
    if not p.temperature >= 0:
        problems.append(f"temperature {p.temperature} must be >= 0")
    if p.top_k < 0:
        problems.append(f"top_k {p.top_k} must be >= 0")
    if not 0 < p.top_p <= 1:
        problems.append(f"top_p {p.top_p} must be in (0, 1]")
    if not 0 <= p.min_p <= 1:
        problems.append(f"min_p {p.min_p} must be in [0, 1]")
    if not p.repetition_penalty > 0:
        problems.append(f"repetition_penalty {p.repetition_penalty} must be > 0")
    if p.top_logprobs < 0:
        problems.append(f"top_logprobs {p.top_logprobs} must be >= 0")
    if problems:
        raise StepError(ERR_BAD_STEP, f"sequence {seq_id}: " + "; ".join(problems))
