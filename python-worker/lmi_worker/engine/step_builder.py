"""Builds a StepBatch from per-sequence pieces: for tests, the offline runner and benchmarks."""

from dataclasses import dataclass
from typing import Iterable, List, Sequence

import numpy as np

from .step import NewSequence, StepBatch


@dataclass
class ScheduledSequence:
    """One sequence's share of a step."""

    seq_id: int
    tokens: Sequence[int]
    start_pos: int
    block_table: Sequence[int]
    sample: bool = True
    lookahead: int = 0  # speculative tokens it may take (its block table covers them)


def build_step(step_id: int, seqs: List[ScheduledSequence], new_sequences: Iterable[NewSequence] = (),
               finished: Iterable[int] = ()) -> StepBatch:
    token_counts = [len(s.tokens) for s in seqs]
    block_counts = [len(s.block_table) for s in seqs]
    return StepBatch(
        step_id=step_id,
        seq_ids=np.array([s.seq_id for s in seqs], np.int64),
        start_pos=np.array([s.start_pos for s in seqs], np.int32),
        token_offsets=np.concatenate([[0], np.cumsum(token_counts)]).astype(np.int32),
        tokens=np.array([t for s in seqs for t in s.tokens], np.int32),
        block_offsets=np.concatenate([[0], np.cumsum(block_counts)]).astype(np.int32),
        block_tables=np.array([b for s in seqs for b in s.block_table], np.int32),
        sample=np.array([s.sample for s in seqs], np.bool_),
        new_sequences=list(new_sequences),
        finished=np.array(list(finished), np.int64),
        lookahead=(np.array([s.lookahead for s in seqs], np.int32) if any(s.lookahead for s in seqs)
                   else np.zeros(0, np.int32)),
    )
