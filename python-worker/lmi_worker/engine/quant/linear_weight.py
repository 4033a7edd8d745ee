"""The interface every projection's weight implements, float or quantized, and the float one.

The model's forward only calls `linear`; parity tests compare it with `dequantize`, and the engine
reports `nbytes`. A format that can fuse several projections (q/k/v, gate/up) into one matmul
implements `stack_rows`; the others are stacked by running each part (`StackedWeight`).
"""

import abc
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F

# A few CPU rows go through mv, row by row: mv streams the weights at full memory bandwidth where
# OpenBLAS's GEMM packs them first (measured here: 1.7x faster up to 4 rows, even at 8, GEMM ahead from 16).
MV_MAX_ROWS = 4


class LinearWeight(abc.ABC):
    """W of y = x @ W^T + b for x [T, in_features] in the model's compute dtype."""

    @property
    @abc.abstractmethod
    def out_features(self) -> int:
        ...

    @property
    @abc.abstractmethod
    def in_features(self) -> int:
        ...

    @property
    @abc.abstractmethod
    def nbytes(self) -> int:
        """Bytes the stored weight takes on its device, scales and zero points included."""

    @abc.abstractmethod
    def linear(self, x: torch.Tensor, bias: Optional[torch.Tensor] = None) -> torch.Tensor:
        """x [T, in_features] @ W^T (+ bias): [T, out_features] in x's dtype."""

    @abc.abstractmethod
    def dequantize(self) -> torch.Tensor:
        """W as a dense [out_features, in_features] tensor in the compute dtype: what `linear` computes with."""

    @classmethod
    def stack_rows(cls, parts: Sequence["LinearWeight"]) -> "LinearWeight":
        """One weight whose output is the parts' outputs side by side; formats that can, fuse them."""
        return StackedWeight(parts)


class DenseWeight(LinearWeight):
    """A float weight [out, in] as the checkpoint stores it (after the dtype cast)."""

    def __init__(self, weight: torch.Tensor):
        self.weight = weight

    @property
    def out_features(self) -> int:
        return self.weight.shape[0]

    @property
    def in_features(self) -> int:
        return self.weight.shape[1]

    @property
    def nbytes(self) -> int:
        return self.weight.numel() * self.weight.element_size()

    def linear(self, x: torch.Tensor, bias: Optional[torch.Tensor] = None) -> torch.Tensor:
        if 0 < x.shape[0] <= MV_MAX_ROWS and x.device.type == "cpu":
            y = torch.stack([torch.mv(self.weight, row) for row in x])
            return y if bias is None else y + bias
        return F.linear(x, self.weight, bias)

    def dequantize(self) -> torch.Tensor:
        return self.weight

    @classmethod
    def stack_rows(cls, parts: Sequence[LinearWeight]) -> LinearWeight:
        if all(isinstance(p, DenseWeight) for p in parts):
            return DenseWeight(torch.cat([p.weight for p in parts]))
        return StackedWeight(parts)


class StackedWeight(LinearWeight):
    """Parts that cannot share one matmul, run one after another and concatenated along the output."""

    def __init__(self, parts: Sequence[LinearWeight]):
        if len({p.in_features for p in parts}) != 1:
            raise ValueError("stacked weights must share in_features, got " + str([p.in_features for p in parts]))
        self.parts: List[LinearWeight] = list(parts)

    @property
    def out_features(self) -> int:
        return sum(p.out_features for p in self.parts)

    @property
    def in_features(self) -> int:
        return self.parts[0].in_features

    @property
    def nbytes(self) -> int:
        return sum(p.nbytes for p in self.parts)

    def linear(self, x: torch.Tensor, bias: Optional[torch.Tensor] = None) -> torch.Tensor:
        y = torch.cat([p.linear(x) for p in self.parts], dim=-1)
        return y if bias is None else y + bias

    def dequantize(self) -> torch.Tensor:
        return torch.cat([p.dequantize() for p in self.parts])
