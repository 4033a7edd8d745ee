"""FP8 E4M3 weights with one float32 scale per tensor: W ≈ e4m3(codes) * scale, scale = max|W| / 448.

Checkpoint layout, as vLLM and compressed-tensors write it: `<prefix>.weight` F8_E4M3 [out, in] (read
as uint8 codes) and `<prefix>.weight_scale` F32 [] (or [1]), config.json `quantization_config.quant_method`
"fp8". Compute: torch._scaled_mm where torch has float8 and the GPU FP8 matmuls (compute capability
8.9+), the activations then quantized per tensor too, as vLLM does; on CPU in float32 the C kernel
of int8 (kernels/weight_only_linear.c), which widens the codes in registers; elsewhere each call
dequantizes tiles of rows (a lookup in the 256 values times the scale) and multiplies in float. The
dequantized weight is never cached: that would give up the 4x memory saving that is FP8's point.
"""

from typing import Mapping, Optional, Sequence

import torch
import torch.nn.functional as F

from ..kernels import cpu_kernels
from . import e4m3
from .linear_weight import DenseWeight, LinearWeight, StackedWeight, with_bias
from .quant_config import QuantConfig
from .tensor_checks import checked_tensor
from .tiled_linear import tiled_linear

METHOD = "fp8"


class Fp8Weight(LinearWeight):
    """E4M3 codes uint8 [out, in] and a float32 scale []; computes in `dtype`."""

    def __init__(self, codes: torch.Tensor, scale: torch.Tensor, dtype: torch.dtype):
        self.codes = codes.contiguous()
        self.scale = scale.float().reshape(())
        self.dtype = dtype
        self.values = e4m3.VALUES.to(codes.device, torch.float32).contiguous()
        self.table = self.values * self.scale
        self.kernel_scale = (self.scale * 256).reshape(1).contiguous()  # fp8_linear's scale_x256
        self.scaled_mm = _scaled_mm_ready(codes)
        self.kernel = (cpu_kernels.load_library()
                       if codes.device.type == "cpu" and dtype == torch.float32 else None)

    @classmethod
    def from_dense(cls, dense: DenseWeight) -> "Fp8Weight":
        w = dense.weight.float()
        amax = w.abs().max()
        scale = amax / e4m3.MAX if amax > 0 else torch.ones(())
        return cls(e4m3.encode(w / scale), scale, dense.weight.dtype)

    @property
    def out_features(self) -> int:
        return self.codes.shape[0]

    @property
    def in_features(self) -> int:
        return self.codes.shape[1]

    @property
    def nbytes(self) -> int:
        return self.codes.numel() + self.scale.element_size()

    def linear(self, x: torch.Tensor, bias: Optional[torch.Tensor] = None) -> torch.Tensor:
        if self.scaled_mm:
            return _fp8_matmul(x, self.codes, self.scale, bias)
        if self.kernel is not None and x.shape[0] > 0:
            if cpu_kernels.panel_gemm_usable(self.kernel, x.shape[0], cpu_kernels.FP8_PANEL_MIN_ROWS):
                y = cpu_kernels.fp8_panel_linear(self.kernel, x, self.codes, self.values, self.scale)
            else:
                y = cpu_kernels.fp8_linear(self.kernel, x, self.codes, self.kernel_scale)
            return with_bias(y, bias)
        return tiled_linear(x, self.out_features, self._rows, bias)

    def _rows(self, lo: int, hi: int) -> torch.Tensor:
        return self.table[self.codes[lo:hi].long()]

    def dequantize(self) -> torch.Tensor:
        return self._rows(0, self.out_features).to(self.dtype)

    @classmethod
    def stack_rows(cls, parts: Sequence[LinearWeight]) -> LinearWeight:
        # Parts have their own per-tensor scales, so they cannot share one code matrix.
        return StackedWeight(parts)


def _scaled_mm_ready(codes: torch.Tensor) -> bool:
    if codes.device.type != "cuda" or not hasattr(torch, "float8_e4m3fn") or not hasattr(torch, "_scaled_mm"):
        return False
    out_features, in_features = codes.shape
    # _scaled_mm needs both dimensions of the weight to be multiples of 16.
    return torch.cuda.get_device_capability(codes.device) >= (8, 9) and out_features % 16 == 0 \
        and in_features % 16 == 0


def _fp8_matmul(x: torch.Tensor, codes: torch.Tensor, scale: torch.Tensor,
                bias: Optional[torch.Tensor]) -> torch.Tensor:
    w8 = codes.view(torch.float8_e4m3fn)
    x_scale = (x.abs().max().float() / e4m3.MAX).clamp(min=1e-12)
    # The rows of x, too, must be a multiple of 16.
    padded = F.pad(x.float() / x_scale, (0, 0, 0, -x.shape[0] % 16))
    x8 = padded.clamp(-e4m3.MAX, e4m3.MAX).to(torch.float8_e4m3fn)
    y = torch._scaled_mm(x8, w8.t(), scale_a=x_scale, scale_b=scale, out_dtype=x.dtype)
    y = (y[0] if isinstance(y, tuple) else y)[:x.shape[0]]  # torch 2.1-2.3 also returned amax
    return with_bias(y, bias)


def load(tensors: Mapping[str, torch.Tensor], prefix: str, config: QuantConfig, dtype: torch.dtype,
         device: torch.device) -> Fp8Weight:
    """The projection at `prefix` from a pre-quantized FP8 checkpoint (per-tensor scale)."""
    shape = config.weight_shape(prefix)
    codes = checked_tensor(tensors, prefix + ".weight", [torch.uint8], [shape], METHOD)
    scale = checked_tensor(tensors, prefix + ".weight_scale", [torch.float32, torch.float16, torch.bfloat16],
                           [(), (1,)], METHOD)
    return Fp8Weight(codes.to(device), scale.to(device), dtype)


def quantize(dense: DenseWeight) -> Fp8Weight:
    return Fp8Weight.from_dense(dense)
