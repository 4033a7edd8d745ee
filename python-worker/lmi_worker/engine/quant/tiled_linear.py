"""x @ W^T for a quantized W, dequantized a tile of output rows at a time and multiplied by BLAS."""

from typing import Callable, Optional

import torch
import torch.nn.functional as F

# Bounds the transient float copy of the weight (512 rows of 4096 float32: 8 MiB).
TILE_ROWS = 512


def tiled_linear(x: torch.Tensor, out_features: int, rows: Callable[[int, int], torch.Tensor],
                 bias: Optional[torch.Tensor]) -> torch.Tensor:
    """rows(lo, hi): the dequantized weight rows [lo, hi) in any float dtype. Returns [T, out] in x's dtype."""
    y = torch.empty(x.shape[0], out_features, dtype=x.dtype, device=x.device)
    for lo in range(0, out_features, TILE_ROWS):
        hi = min(lo + TILE_ROWS, out_features)
        y[:, lo:hi] = F.linear(x, rows(lo, hi).to(x.dtype), None if bias is None else bias[lo:hi])
    return y
