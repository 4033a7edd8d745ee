"""Draft tokens for speculative decoding by n-gram prompt lookup: what followed the last n tokens before.

The longest suffix of the history, of n_max down to n_min tokens, that occurred earlier in it proposes
the k tokens that followed an earlier occurrence (in the prompt or the output so far): the latest one
that k tokens follow; else the latest, whose continuation runs to the end of the history and is then
repeated, as the history would go on if it repeats with that period (a loop of one token proposes k).
Repetitive text (code, summaries quoting their source, edits) hits often; random text proposes nothing,
and a sequence without a proposal decodes one token as it would without speculation.
"""

from typing import List, Sequence

import numpy as np


class NgramProposer:
    """Proposes up to k tokens from a sequence's own history."""

    def __init__(self, n_max: int = 3, n_min: int = 1):
        if not 1 <= n_min <= n_max:
            raise ValueError(f"n-gram sizes must satisfy 1 <= n_min <= n_max, got {n_min}, {n_max}")
        self.n_max = n_max
        self.n_min = n_min

    def propose(self, history: Sequence[int], k: int) -> List[int]:
        """k draft tokens to follow `history` (every token so far, the last one included), or none."""
        if k <= 0 or len(history) < 2:
            return []
        ids = np.asarray(history, dtype=np.int64)
        for n in range(min(self.n_max, len(ids) - 1), self.n_min - 1, -1):
            suffix = ids[-n:]
            # Starts of earlier occurrences: windows of n ending before the suffix itself.
            windows = np.lib.stride_tricks.sliding_window_view(ids[:-1], n)
            hits = np.nonzero((windows == suffix).all(axis=1))[0]
            if len(hits):
                full = hits[hits + n + k <= len(ids)]
                if len(full):
                    start = int(full[-1]) + n
                    return ids[start:start + k].tolist()
                period = ids[int(hits[-1]) + n:].tolist()
                return (period * -(-k // len(period)))[:k]
        return []
