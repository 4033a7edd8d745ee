"""What the worker remembers of a sequence between steps; all of it rebuildable by the scheduler."""

from dataclasses import dataclass, field
from typing import List, Optional

import torch

from .step import SamplingParams


@dataclass
class SequenceState:
    """Token history (for penalties and seeds) and the pending prompt-logprob row."""

    prompt_len: int
    params: SamplingParams
    tokens: List[int] = field(default_factory=list)  # every token at positions 0..len-1
    # log-softmax of the last row of the previous prefill chunk: it scores this chunk's first token.
    carried_logprobs: Optional[torch.Tensor] = None
    adapter_id: int = 0  # 0: the base model alone

    @property
    def num_output_tokens(self) -> int:
        return max(0, len(self.tokens) - self.prompt_len)

    def prompt_ids(self) -> torch.Tensor:
        return torch.tensor(self.tokens[:self.prompt_len], dtype=torch.int64)

    def output_ids(self) -> torch.Tensor:
        return torch.tensor(self.tokens[self.prompt_len:], dtype=torch.int64)
