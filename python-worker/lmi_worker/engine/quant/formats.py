"""The dispatch from a quantization method's name to its loader and, where it has one, its quantizer.

A loader builds one projection (checkpoint prefix e.g. `model.layers.0.self_attn.q_proj`) from a
pre-quantized checkpoint, checking the shapes of the tensors it reads; a quantizer turns a float
projection into the format at load time. Embeddings, norms and lm_head are never quantized.
"""

from dataclasses import dataclass
from typing import Callable, Dict, Mapping, Optional

import torch

from . import awq, fp8, gptq, int8
from .linear_weight import DenseWeight, LinearWeight
from .quant_config import NONE, QuantConfig

Loader = Callable[[Mapping[str, torch.Tensor], str, QuantConfig, torch.dtype, torch.device], LinearWeight]
Quantizer = Callable[[DenseWeight], LinearWeight]


@dataclass(frozen=True)
class QuantFormat:
    """How one method's projections are loaded; `quantize` None: pre-quantized checkpoints only."""

    load: Loader
    quantize: Optional[Quantizer]


FORMATS: Dict[str, QuantFormat] = {
    int8.METHOD: QuantFormat(int8.load, int8.quantize),
    fp8.METHOD: QuantFormat(fp8.load, fp8.quantize),
    gptq.METHOD: QuantFormat(gptq.load, None),
    awq.METHOD: QuantFormat(awq.load, None),
}


def on_the_fly_methods():
    return [name for name, fmt in FORMATS.items() if fmt.quantize is not None]


def load_projection(tensors: Mapping[str, torch.Tensor], prefix: str, config: QuantConfig, dtype: torch.dtype,
                    device: torch.device) -> LinearWeight:
    """The projection at checkpoint `prefix` as `config` says: float, pre-quantized, or quantized now."""
    if config.method == NONE:
        return DenseWeight(tensors[prefix + ".weight"].to(device))
    fmt = FORMATS[config.method]
    if config.prequantized:
        return fmt.load(tensors, prefix, config, dtype, device)
    return fmt.quantize(DenseWeight(tensors[prefix + ".weight"].to(device)))
