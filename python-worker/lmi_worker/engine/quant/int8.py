"""int8 weight-only, per output channel: W ≈ q * scale[:, None], q int8 in [-127, 127].

Symmetric, scale = max|row| / 127. Checkpoint layout (written by tests/make_quantized_models.py):
`<prefix>.weight` I8 [out, in] and `<prefix>.weight_scale` F32 [out], with config.json
`quantization_config: {"quant_method": "int8"}`. Activations stay in the compute dtype: the matmul
multiplies x by the int8 codes converted to float, then scales each output, so only weights are quantized.
"""

from typing import Mapping, Optional, Sequence

import torch

from ..kernels import cpu_kernels
from .linear_weight import DenseWeight, LinearWeight, StackedWeight, with_bias
from .quant_config import QuantConfig
from .tensor_checks import checked_tensor
from .tiled_linear import tiled_linear

METHOD = "int8"
QMAX = 127


class Int8Weight(LinearWeight):
    """int8 codes [out, in] and float32 scales [out]; computes in `dtype`."""

    def __init__(self, qweight: torch.Tensor, scale: torch.Tensor, dtype: torch.dtype):
        self.qweight = qweight.contiguous()
        self.scale = scale.float().contiguous()
        self.dtype = dtype
        self.kernel = (cpu_kernels.load_library()
                       if qweight.device.type == "cpu" and dtype == torch.float32 else None)

    @classmethod
    def from_dense(cls, dense: DenseWeight) -> "Int8Weight":
        w = dense.weight.float()
        amax = w.abs().amax(dim=1)
        # An all-zero row keeps scale 1: its codes are 0 whatever the scale, and nothing divides by 0.
        scale = torch.where(amax > 0, amax / QMAX, torch.ones_like(amax))
        q = torch.round(w / scale[:, None]).clamp_(-QMAX, QMAX).to(torch.int8)
        return cls(q, scale, dense.weight.dtype)

    @property
    def out_features(self) -> int:
        return self.qweight.shape[0]

    @property
    def in_features(self) -> int:
        return self.qweight.shape[1]

    @property
    def nbytes(self) -> int:
        return self.qweight.numel() + self.scale.numel() * self.scale.element_size()

    def linear(self, x: torch.Tensor, bias: Optional[torch.Tensor] = None) -> torch.Tensor:
        # The kernels for every row count: even the row kernel beats dequantized tiles through OpenBLAS at
        # 2048 rows (measured on bench-llama's projections: 1.4 against 2.0 s for float BLAS, 2.8 s for tiles).
        if self.kernel is not None and x.shape[0] > 0:
            if cpu_kernels.panel_gemm_usable(self.kernel, x.shape[0], cpu_kernels.INT8_PANEL_MIN_ROWS):
                y = cpu_kernels.int8_panel_linear(self.kernel, x, self.qweight, self.scale)
            else:
                y = cpu_kernels.int8_linear(self.kernel, x, self.qweight, self.scale)
            return with_bias(y, bias)
        return tiled_linear(x, self.out_features, self._rows, bias)

    def _rows(self, lo: int, hi: int) -> torch.Tensor:
        return self.qweight[lo:hi].to(torch.float32) * self.scale[lo:hi, None]

    def dequantize(self) -> torch.Tensor:
        return self._rows(0, self.out_features).to(self.dtype)

    @classmethod
    def stack_rows(cls, parts: Sequence[LinearWeight]) -> LinearWeight:
        if all(isinstance(p, Int8Weight) for p in parts):
            return Int8Weight(torch.cat([p.qweight for p in parts]), torch.cat([p.scale for p in parts]),
                              parts[0].dtype)
        return StackedWeight(parts)


def load(tensors: Mapping[str, torch.Tensor], prefix: str, config: QuantConfig, dtype: torch.dtype,
         device: torch.device) -> Int8Weight:
    """The projection at `prefix` from a pre-quantized int8 checkpoint."""
    out_features, in_features = config.weight_shape(prefix)
    q = checked_tensor(tensors, prefix + ".weight", [torch.int8], [(out_features, in_features)], METHOD)
    scale = checked_tensor(tensors, prefix + ".weight_scale", [torch.float32, torch.float16, torch.bfloat16],
                           [(out_features,), (out_features, 1)], METHOD)
    return Int8Weight(q.to(device), scale.reshape(out_features).to(device), dtype)


def quantize(dense: DenseWeight) -> Int8Weight:
    return Int8Weight.from_dense(dense)
