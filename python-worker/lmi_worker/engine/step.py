"""The records that cross between the scheduler and the engine: one step in, one result out."""

from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

NO_SEED = -1


@dataclass(frozen=True)
class SamplingParams:
    """How one sequence picks its tokens. temperature 0 means greedy."""

    temperature: float = 0.0
    top_k: int = 0  # 0: off
    top_p: float = 1.0
    min_p: float = 0.0
    repetition_penalty: float = 1.0  # Hugging Face: over prompt and output tokens
    presence_penalty: float = 0.0  # OpenAI: over output tokens
    frequency_penalty: float = 0.0  # OpenAI: over output tokens
    seed: int = NO_SEED
    top_logprobs: int = 0  # top-N logprobs returned with each sampled token
    prompt_logprobs: bool = False  # logprob (and top-N) of every prompt token

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0


@dataclass(frozen=True)
class NewSequence:
    """First sight of a sequence (or of its recompute after preemption)."""

    seq_id: int
    prompt_len: int  # tokens before this index are prompt, after it output
    params: SamplingParams
    # Tokens at positions 0..start_pos-1 that this worker did not compute (prefix-cache hits),
    # so penalties see the whole history.
    prefix_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    adapter_id: int = 0  # a registered LoRA adapter; 0: the base model alone


@dataclass
class StepBatch:
    """One engine step: a ragged batch of sequences, structure-of-arrays.

    Sequence i computes tokens[token_offsets[i]:token_offsets[i+1]] at positions
    start_pos[i]..; its block table is block_tables[block_offsets[i]:block_offsets[i+1]].
    """

    step_id: int
    seq_ids: np.ndarray  # int64 [S]
    start_pos: np.ndarray  # int32 [S]
    token_offsets: np.ndarray  # int32 [S+1]
    tokens: np.ndarray  # int32 [T]
    block_offsets: np.ndarray  # int32 [S+1]
    block_tables: np.ndarray  # int32 [sum of table lengths]
    sample: np.ndarray  # bool [S]: sample a token after this step's last position
    new_sequences: List[NewSequence] = field(default_factory=list)
    finished: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # seq ids to forget
    # int32 [S] or empty (none): speculative tokens the sequence may take after its last one this step; its
    # block table covers them. The step's output then has one row per token it gained, up to lookahead + 1.
    lookahead: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    # int32 [S] or empty (none): the row of `masks` a sampling sequence samples under (structured output);
    # -1: unconstrained. Read only where `sample` is set; a constrained sequence never has lookahead.
    mask_index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    # uint32 [M, W]: row k allows token id t iff bit t & 31 of masks[k, t >> 5] is set; ids >= 32 W never.
    masks: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.uint32))

    def lookahead_of(self, i: int) -> int:
        return int(self.lookahead[i]) if len(self.lookahead) else 0

    @property
    def num_seqs(self) -> int:
        return len(self.seq_ids)


@dataclass
class PromptLogprobs:
    """Logprobs of prompt tokens at positions start_pos..start_pos+len-1 (position 0 has none: NaN)."""

    seq_id: int
    start_pos: int
    logprobs: np.ndarray  # float32 [n]
    top_ids: np.ndarray  # int32 [n, N]
    top_logprobs: np.ndarray  # float32 [n, N]


@dataclass
class StepOutput:
    """What a step produced for the sequences that sampled, in batch order: one row per token, so a
    sequence that speculated has a row for each token it gained, in order."""

    step_id: int
    seq_ids: np.ndarray  # int64 [n]
    token_ids: np.ndarray  # int32 [n]
    logprobs: np.ndarray  # float32 [n]: logprob of the chosen token (after penalties and mask, before temperature)
    top_ids: np.ndarray  # int32 [n, N]: N = largest top_logprobs asked in this step; -1 pads
    top_logprobs: np.ndarray  # float32 [n, N]
    prompt_logprobs: List[PromptLogprobs]
    forward_ms: float
    sample_ms: float


class StepError(Exception):
    """A malformed step: reported for that step, the worker stays up."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


# StepError codes
ERR_BAD_STEP = 1  # malformed arrays or offsets
ERR_UNKNOWN_SEQUENCE = 2
ERR_BLOCK_TABLE_TOO_SHORT = 3
ERR_POSITION_PAST_MAX_LEN = 4
ERR_UNKNOWN_ADAPTER = 5  # a new sequence names an adapter id that is not registered (or LoRA is off)
ERR_TOO_MANY_ADAPTERS = 6  # live sequences would use more distinct adapters than option.max_loras
ERR_INTERNAL = 100
