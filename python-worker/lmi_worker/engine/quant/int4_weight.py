"""The 4-bit weight GPTQ and AWQ checkpoints load into: values packed 8 input rows per int32, a zero point
and a scale per (group of input rows, output).

W[o, i] = (q[i, o] - zero[g(i), o]) * scale[g(i), o]. Both formats are stored in one layout, GPTQ's
(qweight [in/8, out]) with each group's rows contiguous: AWQ's column-packed values are repacked at
load, and GPTQ act-order rows are permuted at load so that their groups are contiguous, `perm` then
giving the input row each stored row holds (x is permuted to match). The values stay packed in memory:
decode-sized matmuls go through a C kernel reading half a byte per weight; larger ones through the
panel GEMM, which dequantizes 32 outputs at a time into a cached panel (without AVX-512: a tile of
outputs at a time for BLAS). A cached dense copy would take 8 times the bytes (float32) and
give up the reason for loading a 4-bit checkpoint.
"""

from typing import Optional, Sequence

import torch

from ..kernels import cpu_kernels
from .int4_packing import unpack_int4
from .linear_weight import LinearWeight, StackedWeight, with_bias
from .tiled_linear import tiled_linear

# Above this many rows a GEMM on dequantized weights beats the kernel's plain FMAs.
KERNEL_MAX_ROWS = 16


class Int4Weight(LinearWeight):
    """qweight int32 [in/8, out]; zeros and scales [groups, out] in the compute dtype; stored row i in group
    i // group_size; perm (int64 [in]) None when stored rows are the input rows in order."""

    def __init__(self, qweight: torch.Tensor, zeros: torch.Tensor, scales: torch.Tensor, group_size: int,
                 perm: Optional[torch.Tensor] = None):
        self.qweight = qweight.contiguous()
        self.zeros = zeros.contiguous()
        self.scales = scales.contiguous()
        self.group_size = group_size
        self.perm = perm
        self.kernel = (cpu_kernels.load_library()
                       if qweight.device.type == "cpu" and scales.dtype == torch.float32 else None)

    @property
    def out_features(self) -> int:
        return self.qweight.shape[1]

    @property
    def in_features(self) -> int:
        return self.qweight.shape[0] * 8

    @property
    def nbytes(self) -> int:
        stored = [self.qweight, self.zeros, self.scales] + ([self.perm] if self.perm is not None else [])
        return sum(t.numel() * t.element_size() for t in stored)

    def linear(self, x: torch.Tensor, bias: Optional[torch.Tensor] = None) -> torch.Tensor:
        if self.perm is not None:
            x = x.index_select(1, self.perm)
        if self.kernel is not None and 0 < x.shape[0] <= KERNEL_MAX_ROWS and x.dtype == torch.float32:
            y = cpu_kernels.int4_linear(self.kernel, x, self.qweight, self.zeros, self.scales, self.group_size)
            return with_bias(y, bias)
        if (self.kernel is not None and x.dtype == torch.float32
                and cpu_kernels.panel_gemm_usable(self.kernel, x.shape[0], cpu_kernels.INT4_PANEL_MIN_ROWS)):
            y = cpu_kernels.int4_panel_linear(self.kernel, x, self.qweight, self.zeros, self.scales, self.group_size)
            return with_bias(y, bias)
        return tiled_linear(x, self.out_features, self._rows, bias)

    def _rows(self, lo: int, hi: int) -> torch.Tensor:
        """Dequantized W rows [lo, hi) over the stored input order: [hi - lo, in]."""
        q = unpack_int4(self.qweight[:, lo:hi], dim=0).to(self.scales.dtype)  # [in, hi - lo]
        zeros, scales = self.zeros[:, lo:hi], self.scales[:, lo:hi]
        if self.in_features % self.group_size == 0:
            groups = self.in_features // self.group_size
            w = (q.view(groups, self.group_size, -1) - zeros[:, None]) * scales[:, None]
            return w.view(self.in_features, -1).t()
        # A last partial group: each row's zero and scale spelled out.
        g = torch.arange(self.in_features, device=q.device) // self.group_size
        return ((q - zeros.index_select(0, g)) * scales.index_select(0, g)).t()

    def dequantize(self) -> torch.Tensor:
        w = self._rows(0, self.out_features)
        if self.perm is not None:
            w = w.index_select(1, torch.argsort(self.perm))
        return w.contiguous()

    @classmethod
    def stack_rows(cls, parts: Sequence[LinearWeight]) -> LinearWeight:
        # Parts fuse when they share a group layout: q/k/v (and gate/up) read the same input.
        first = parts[0]
        if all(isinstance(p, Int4Weight) and _same_layout(first, p) for p in parts):
            return Int4Weight(torch.cat([p.qweight for p in parts], dim=1), torch.cat([p.zeros for p in parts], dim=1),
                              torch.cat([p.scales for p in parts], dim=1), first.group_size, first.perm)
        return StackedWeight(parts)


def _same_layout(a: Int4Weight, b: Int4Weight) -> bool:
    if a.in_features != b.in_features or a.group_size != b.group_size:
        return False
    if a.perm is None or b.perm is None:
        return a.perm is None and b.perm is None
    return torch.equal(a.perm, b.perm)


def group_count(in_features: int, group_size: int) -> int:
    """Groups along the input: group_size -1 means one group; a last partial group counts."""
    return 1 if group_size == -1 else -(-in_features // group_size)
