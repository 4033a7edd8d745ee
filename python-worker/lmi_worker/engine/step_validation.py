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
    check_token_masks(batch, capacity.vocab_size)
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


def check_token_masks(batch: StepBatch, vocab: int) -> None:
    """The structured-output masks: each index names a row or none, and a sampling sequence can sample."""
    index, masks = batch.mask_index, batch.masks
    if not len(index):
        return
    s = len(batch.seq_ids)
    if len(index) != s:
        raise StepError(ERR_BAD_STEP, f"mask_index has {len(index)} entries, expected {s}")
    if masks.ndim != 2 or masks.dtype != np.uint32 or (masks.shape[0] and not masks.shape[1]):
        raise StepError(ERR_BAD_STEP, f"masks must be uint32 [M, W] with W >= 1 when M > 0, not "
                                      f"{masks.dtype} {list(masks.shape)}")
    rows = masks.shape[0]
    bad = np.flatnonzero((index < -1) | (index >= rows))
    if len(bad):
        i = int(bad[0])
        raise StepError(ERR_BAD_STEP, f"sequence {int(batch.seq_ids[i])}: mask_index {int(index[i])} is outside "
                                      f"[-1, {rows})")
    if len(batch.lookahead):
        bad = np.flatnonzero((index >= 0) & (batch.lookahead > 0))
        if len(bad):
            i = int(bad[0])
            raise StepError(ERR_BAD_STEP, f"sequence {int(batch.seq_ids[i])}: mask_index {int(index[i])} with "
                                          f"lookahead {int(batch.lookahead[i])}: constrained sequences do not "
                                          f"speculate")
    constrained = np.flatnonzero(batch.sample & (index >= 0))
    empty = constrained[_allows_nothing(masks[index[constrained]], vocab)]
    if len(empty):
        i = int(empty[0])
        raise StepError(ERR_BAD_STEP, f"sequence {int(batch.seq_ids[i])}: mask row {int(index[i])} allows no "
                                      f"token id below the vocabulary size {vocab}")


def _allows_nothing(words: np.ndarray, vocab: int) -> np.ndarray:
    """bool per row of packed masks: no id below `vocab` is allowed (bits past it do not count)."""
    full, rest = divmod(vocab, 32)
    some = (words[:, :full] != 0).any(axis=1)
    if rest and words.shape[1] > full:
        some |= (words[:, full] & np.uint32((1 << rest) - 1)) != 0
    return ~some


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
