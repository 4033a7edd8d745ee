"""Mixtral's sparse mixture-of-experts MLP: a router picks each token's top-k experts, batched per expert.

Each token's router logits go through a softmax in float32; the k largest probabilities are kept and
renormalized to sum to one, and the token's MLP output is their weighted sum of the chosen experts'
SiLU-gated MLPs (w2(silu(w1 x) * w3 x)). Rather than one small matmul per (token, expert), the tokens
routed to an expert are gathered and run through it together, so a step makes at most one matmul pair
per expert whatever its batch.
"""

from typing import Callable, List

import torch

from .quant.linear_weight import LinearWeight


class SparseMoe:
    """One layer's router and experts; each expert's w1 and w3 are stacked into one gate-then-up weight."""

    def __init__(self, router: torch.Tensor, gate_up: List[LinearWeight], down: List[LinearWeight],
                 experts_per_token: int, silu_mul: Callable[[torch.Tensor], torch.Tensor]):
        self.router = router  # [experts, hidden]
        self.gate_up = gate_up
        self.down = down
        self.experts_per_token = experts_per_token
        self.silu_mul = silu_mul

    @property
    def nbytes(self) -> int:
        return (self.router.numel() * self.router.element_size()
                + sum(w.nbytes for w in self.gate_up) + sum(w.nbytes for w in self.down))

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """x [T, hidden] → [T, hidden]."""
        probabilities = torch.softmax((x @ self.router.T).float(), dim=-1)
        weights, chosen = probabilities.topk(self.experts_per_token, dim=-1)
        weights = (weights / weights.sum(dim=-1, keepdim=True)).to(x.dtype)
        out = torch.zeros_like(x)
        for expert in chosen.unique().tolist():
            rows, slot = (chosen == expert).nonzero(as_tuple=True)
            y = self.down[expert].linear(self.silu_mul(self.gate_up[expert].linear(x.index_select(0, rows))))
            out.index_add_(0, rows, y * weights[rows, slot, None])
        return out
