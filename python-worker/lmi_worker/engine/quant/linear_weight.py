"""The interface every projection's weight implements, float or quantized, and the float one.

The model's forward only calls `linear`; parity tests compare it with `dequantize`, and the engine
reports `nbytes`. A format that can fuse several projections (q/k/v, gate/up) into one matmul
implements `stack_rows`; the others are stacked by running each part (`StackedWeight`).
"""

import abc
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F

from ..kernels import cpu_kernels

# float32 on CPU, by row count: one row through mv, which streams the weights at full memory bandwidth where
# OpenBLAS's GEMM packs them first; up to ROWS_KERNEL_MAX rows through the register tiles of the weight-only
# kernel (measured on bench-llama's 48 projections: 16.6 against 30.6 ms at 16 rows, 50 against 68 at 64,
# even at 128); from F32_PANEL_MIN_ROWS the panel GEMM (264-333 against 180-215 GFLOP/s for BLAS at 2048 rows).
ROWS_KERNEL_MAX = 64


def with_bias(y: torch.Tensor, bias: Optional[torch.Tensor]) -> torch.Tensor:
    """y + bias, or y itself when there is none: for the kernels, which compute x @ W^T alone."""
    return y if bias is None else y + bias


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
        self.kernel = (cpu_kernels.load_library()
                       if weight.device.type == "cpu" and weight.dtype == torch.float32 else None)

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
        rows = x.shape[0]
        if self.kernel is not None and 1 < rows <= ROWS_KERNEL_MAX:
            return with_bias(cpu_kernels.f32_rows_linear(self.kernel, x, self.weight), bias)
        if self.kernel is not None and cpu_kernels.panel_gemm_usable(self.kernel, rows,
                                                                     cpu_kernels.F32_PANEL_MIN_ROWS):
            return with_bias(cpu_kernels.f32_panel_linear(self.kernel, x, self.weight), bias)
        if rows == 1 and x.device.type == "cpu":
            return with_bias(torch.mv(self.weight, x[0])[None], bias)
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
        return with_bias(torch.cat([p.linear(x) for p in self.parts], dim=-1), bias)

    def dequantize(self) -> torch.Tensor:
        return torch.cat([p.dequantize() for p in self.parts])
