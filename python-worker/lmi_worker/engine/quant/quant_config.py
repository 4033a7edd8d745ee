"""Which quantization a load uses: option.quantize against the checkpoint's config.json."""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Mapping, Optional, Tuple, Union

from ..model_config import ModelConfig

NONE = "none"


@dataclass(frozen=True)
class QuantConfig:
    """The method in use, whether the checkpoint already stores it, and what a format loader checks against."""

    method: str  # NONE, or a key of formats.FORMATS
    prequantized: bool  # the checkpoint stores the projections in `method` (else they are quantized at load)
    model: ModelConfig
    params: Mapping[str, Any] = field(default_factory=dict)  # config.json quantization_config; {} when absent

    def weight_shape(self, prefix: str) -> Tuple[int, int]:
        """[out, in] of the float weight of the projection at checkpoint prefix, as config.json implies."""
        from ..weights import expected_shapes  # weights imports this module

        return expected_shapes(self.model)[prefix + ".weight"]


def read_quantization_config(model_dir: Union[str, os.PathLike]) -> Mapping[str, Any]:
    """config.json's quantization_config, {} when it has none."""
    path = Path(model_dir) / "config.json"
    with open(path, encoding="utf-8") as f:
        qc = json.load(f).get("quantization_config") or {}
    if not isinstance(qc, dict):
        raise ValueError(f"{path}: quantization_config is a JSON {type(qc).__name__}, expected an object")
    return qc


def resolve_quantization(option: Optional[str], model: ModelConfig, params: Mapping[str, Any],
                         known: Collection[str], on_the_fly: Collection[str]) -> QuantConfig:
    """QuantConfig for option.quantize (None: as the checkpoint says) given the methods known and those
    that can quantize a float checkpoint at load; ValueError naming option.quantize when it cannot be."""
    stored = params.get("quant_method")
    stored = str(stored).strip().lower() if stored is not None else None
    allowed = ", ".join(sorted(known))
    if stored is not None and stored not in known:
        raise ValueError(f"config.json quantization_config.quant_method {stored!r} is not supported; "
                         f"supported: {allowed}")
    if option is None:
        return QuantConfig(stored or NONE, stored is not None, model, params)
    method = option.strip().lower()
    if method not in known:
        raise ValueError(f"option.quantize {option!r} is not supported; allowed: {allowed} "
                         f"(unset: as the checkpoint's config.json says)")
    if stored is not None and stored != method:
        raise ValueError(f"option.quantize {option!r}: the checkpoint is already quantized as {stored!r}; "
                         f"unset option.quantize or set it to {stored!r}")
    if stored is None and method not in on_the_fly:
        raise ValueError(f"option.quantize {option!r} needs a pre-quantized checkpoint (config.json "
                         f"quantization_config.quant_method {method!r}); from a float checkpoint allowed: "
                         f"{', '.join(sorted(on_the_fly))}")
    return QuantConfig(method, stored is not None, model, params)
