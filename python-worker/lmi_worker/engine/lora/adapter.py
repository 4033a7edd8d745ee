"""A PEFT LoRA adapter read from its directory, checked against the model, packed per fused projection."""

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple, Union

import torch

from ..model_config import ModelConfig
from ..safetensors import load_safetensors
from .peft_config import read_peft_config
from .projections import PARENT_MODULE, fused_projections, module_shapes

WEIGHTS_FILE = "adapter_model.safetensors"
# PEFT has saved "...q_proj.lora_A.weight", and in some versions without ".weight" or with the adapter name.
_TENSOR_NAME = re.compile(r"base_model\.model\.model\.layers\.(\d+)\.(self_attn|mlp)\.(\w+)\.lora_([AB])"
                          r"(?:\.default)?(?:\.weight)?")


@dataclass
class LoraAdapter:
    """An adapter in host memory: per layer and fused projection, A [w, in] and B [out, w], the scale in B.

    w is rank times the number of the projection's target modules the adapter has; B is block-diagonal over
    them: module j's output rows take columns j*rank..(j+1)*rank. Projections it leaves alone are absent.
    """

    adapter_id: int
    name: str
    path: str
    rank: int
    alpha: float
    target_modules: Tuple[str, ...]
    layers: List[Dict[str, Tuple[torch.Tensor, torch.Tensor]]]

    @property
    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for layer in self.layers for pair in layer.values() for t in pair)


def load_adapter(adapter_id: int, name: str, adapter_dir: Union[str, os.PathLike], config: ModelConfig,
                 max_rank: int, dtype: torch.dtype) -> LoraAdapter:
    """Raises ValueError naming the file, the tensor or the field, and what is allowed."""
    adapter_dir = Path(adapter_dir)
    if not adapter_dir.is_dir():
        raise ValueError(f"{adapter_dir}: not a directory")
    peft = read_peft_config(adapter_dir, max_rank)
    path = adapter_dir / WEIGHTS_FILE
    if not path.is_file():
        raise ValueError(f"{path}: not found; lmi-dist reads LoRA weights from {WEIGHTS_FILE} only")
    found = _index_tensors(path, load_safetensors(path), config.num_hidden_layers)
    _check_tensors(path, found, config, peft.target_modules, peft.rank)
    weights = {key: tensor for key, (_, tensor) in found.items()}
    return LoraAdapter(adapter_id=adapter_id, name=name, path=str(adapter_dir), rank=peft.rank, alpha=peft.alpha,
                       target_modules=peft.target_modules,
                       layers=[_pack_layer(weights, i, config, peft.target_modules, peft.rank, peft.scale, dtype)
                               for i in range(config.num_hidden_layers)])


def _index_tensors(path: Path, tensors: Dict[str, torch.Tensor], num_layers: int):
    """{(layer, module, 'A' or 'B'): (tensor name, tensor)}; refuses names that are no LoRA weight we know."""
    found: Dict[Tuple[int, str, str], Tuple[str, torch.Tensor]] = {}
    for tensor_name, tensor in tensors.items():
        match = _TENSOR_NAME.fullmatch(tensor_name)
        if match is None or PARENT_MODULE.get(match[3]) != match[2]:
            raise ValueError(f"{path}: tensor {tensor_name!r} is not a LoRA weight of a supported module; expected "
                             f"names like {_canonical_name(0, 'q_proj', 'A')!r} for "
                             f"{', '.join(PARENT_MODULE)}")
        layer = int(match[1])
        if layer >= num_layers:
            raise ValueError(f"{path}: tensor {tensor_name!r} is for layer {layer}; the model has {num_layers}")
        if not tensor.is_floating_point():
            raise ValueError(f"{path}: tensor {tensor_name!r} has dtype {tensor.dtype}; LoRA weights are floats")
        key = (layer, match[3], match[4])
        if key in found:
            raise ValueError(f"{path}: tensors {found[key][0]!r} and {tensor_name!r} are the same weight")
        found[key] = (tensor_name, tensor)
    return found


def _check_tensors(path: Path, found: Dict[Tuple[int, str, str], Tuple[str, torch.Tensor]], config: ModelConfig,
                   targets: Tuple[str, ...], rank: int) -> None:
    """Every target module of every layer has lora_A [r, in] and lora_B [out, r], and there is nothing else."""
    shapes = module_shapes(config)
    for i in range(config.num_hidden_layers):
        for module in targets:
            fan_in, fan_out = shapes[module]
            for kind, shape in (("A", (rank, fan_in)), ("B", (fan_out, rank))):
                if (i, module, kind) not in found:
                    raise ValueError(f"{path}: tensor {_canonical_name(i, module, kind)!r} is missing; "
                                     f"target_modules {list(targets)} needs lora_A and lora_B for every layer")
                tensor_name, tensor = found[(i, module, kind)]
                if tuple(tensor.shape) != shape:
                    raise ValueError(f"{path}: tensor {tensor_name!r} has shape {list(tensor.shape)}; r {rank} "
                                     f"and this model's {module} need {list(shape)}")
    for (_, module, _), (tensor_name, _) in found.items():
        if module not in targets:
            raise ValueError(f"{path}: tensor {tensor_name!r} belongs to no module in target_modules "
                             f"{list(targets)}")


def _canonical_name(layer: int, module: str, kind: str) -> str:
    return f"base_model.model.model.layers.{layer}.{PARENT_MODULE[module]}.{module}.lora_{kind}.weight"


def _pack_layer(by_key: Dict[Tuple[int, str, str], torch.Tensor], layer: int, config: ModelConfig,
                targets: Tuple[str, ...], rank: int, scale: float,
                dtype: torch.dtype) -> Dict[str, Tuple[torch.Tensor, torch.Tensor]]:
    packed = {}
    for projection in fused_projections(config):
        parts = [(module, lo, hi) for module, lo, hi in projection.parts if module in targets]
        if not parts:
            continue
        a = torch.cat([by_key[(layer, module, "A")].float() for module, _, _ in parts])
        b = torch.zeros(projection.out_features, rank * len(parts))
        for j, (module, lo, hi) in enumerate(parts):
            # Folding the scale in here saves a multiply per projection per step.
            b[lo:hi, j * rank:(j + 1) * rank] = by_key[(layer, module, "B")].float() * scale
        packed[projection.name] = (a.to(dtype).contiguous(), b.to(dtype).contiguous())
    return packed
