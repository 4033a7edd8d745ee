"""Logprobs of prompt tokens, computed chunk by chunk as a long prompt is prefilled."""

from typing import List

import numpy as np
import torch

from .sequence_state import SequenceState
from .step import PromptLogprobs


def prompt_logprobs_for_chunk(seq_id: int, state: SequenceState, first_pos: int,
                              chunk_logits: torch.Tensor) -> PromptLogprobs:
    """chunk_logits: float32 [n, vocab], the rows of positions first_pos..first_pos+n-1.

    Row j scores the token at position first_pos + j + 1. The token at first_pos is scored
    by the previous chunk's last row, which the state carries; position 0 has no score (NaN).
    Updates state.carried_logprobs for the next chunk.
    """
    n = chunk_logits.shape[0]
    end = min(first_pos + n, state.prompt_len)
    top_n = state.params.top_logprobs
    logprobs = torch.log_softmax(chunk_logits, dim=-1)
    scoring_rows: List[torch.Tensor] = []
    if first_pos > 0 and state.carried_logprobs is not None:
        scoring_rows.append(state.carried_logprobs[None, :])
    scoring_rows.append(logprobs[:max(0, end - first_pos - 1)])
    rows = torch.cat(scoring_rows)
    unscored = (end - first_pos) - rows.shape[0]  # position 0, or a chunk after prefix-cache hits
    targets = torch.tensor(state.tokens[first_pos + unscored:end], dtype=torch.int64)
    chosen = rows.gather(1, targets[:, None])[:, 0]
    values = np.full(end - first_pos, np.nan, np.float32)
    values[unscored:] = chosen.numpy()
    top_ids = np.full((end - first_pos, top_n), -1, np.int32)
    top_lps = np.full((end - first_pos, top_n), -np.inf, np.float32)
    if top_n:
        best = rows.topk(top_n, dim=-1)
        top_ids[unscored:] = best.indices.numpy()
        top_lps[unscored:] = best.values.numpy()
    state.carried_logprobs = logprobs[n - 1].clone() if first_pos + n < state.prompt_len else None
    return PromptLogprobs(seq_id, first_pos, values, top_ids, top_lps)
