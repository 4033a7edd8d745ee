"""Loads a checkpoint's tensors from safetensors files and checks them against the config."""

import json
import logging
import os
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple, Union

import torch

from . import phi3_checkpoint
from .model_config import ModelConfig
from .safetensors import load_safetensors
from .tp_layout import TpLayout, shard_checkpoint

log = logging.getLogger(__name__)

SINGLE_FILE = "model.safetensors"
INDEX_FILE = "model.safetensors.index.json"

DTYPE_OPTIONS: Dict[str, torch.dtype] = {
    "fp32": torch.float32,
    "float32": torch.float32,
    "fp16": torch.float16,
    "float16": torch.float16,
    "bf16": torch.bfloat16,
    "bfloat16": torch.bfloat16,
}


def resolve_dtype(option: str, config: ModelConfig) -> torch.dtype:
    """The dtype for option.dtype: 'auto' means the checkpoint's torch_dtype (float32 if unstated)."""
    value = option.strip().lower()
    if value == "auto":
        if config.torch_dtype is None:
            return torch.float32
        if config.torch_dtype not in DTYPE_OPTIONS:
            raise ValueError(
                f"option.dtype=auto: the checkpoint's torch_dtype {config.torch_dtype!r} is not one of "
                f"{', '.join(DTYPE_OPTIONS)}; set option.dtype explicitly"
            )
        return DTYPE_OPTIONS[config.torch_dtype]
    if value not in DTYPE_OPTIONS:
        raise ValueError(
            f"option.dtype {option!r} is not supported; allowed: auto, {', '.join(DTYPE_OPTIONS)}"
        )
    return DTYPE_OPTIONS[value]


KV_CACHE_DTYPES = {"float16": torch.float16, "fp16": torch.float16}


def resolve_kv_cache_dtype(option: str, dtype: torch.dtype) -> torch.dtype:
    """The KV cache's dtype for option.kv_cache_dtype: 'auto' is the compute dtype."""
    value = option.strip().lower()
    if value == "auto":
        return dtype
    if value not in KV_CACHE_DTYPES:
        raise ValueError(f"option.kv_cache_dtype {option!r} is not supported; allowed: auto, float16 (fp16)")
    return KV_CACHE_DTYPES[value]


def load_weights(
    model_dir: Union[str, os.PathLike], config: ModelConfig, dtype: torch.dtype, prequantized: bool = False,
    layout: Optional[TpLayout] = None,
) -> Dict[str, torch.Tensor]:
    """Every checkpoint tensor under its checkpoint name, floating-point ones in dtype.

    Tensors already in dtype are zero-copy views of the mapped files; the others are cast copies.
    `prequantized`: the projections are stored in a quantization format, whose loader checks their
    tensors (no float `*.weight` then) and reads them as stored; their biases are float as usual.
    `layout`: a tensor-parallel rank's slices, taken after the shape checks and before any cast.
    """
    model_dir = Path(model_dir)
    tensors, origin = _read_checkpoint(model_dir)
    if config.architecture == phi3_checkpoint.ARCHITECTURE:
        if prequantized:
            raise ValueError(f"{model_dir}: pre-quantized {config.architecture} checkpoints (fused qkv_proj and "
                             f"gate_up_proj) are not supported; quantize the float checkpoint with option.quantize")
        phi3_checkpoint.split_fused_projections(tensors, origin, config, model_dir)
    embed = "model.embed_tokens.weight"
    if config.tie_word_embeddings and "lm_head.weight" not in tensors and embed in tensors:
        tensors["lm_head.weight"] = tensors[embed]
        origin["lm_head.weight"] = origin[embed]
    prefixes = tuple(p + "." for p in projection_prefixes(config)) if prequantized else ()

    def format_owned(name: str) -> bool:
        return name.startswith(prefixes) and not name.endswith(".bias")

    # Checked before casting, which can take minutes on a large model.
    _check_tensors(tensors, origin, config, model_dir, format_owned)
    if layout is not None:
        tensors = shard_checkpoint(tensors, layout)
    cast: Dict[int, torch.Tensor] = {}  # by id of the source, so tied tensors stay one tensor
    for name, tensor in tensors.items():
        # Integer tensors (quantized weights, indices) would be corrupted by a float cast, and a format's
        # scales keep the precision it stored them in.
        if tensor.is_floating_point() and tensor.dtype != dtype and not format_owned(name):
            if id(tensor) not in cast:
                cast[id(tensor)] = tensor.to(dtype)
            tensors[name] = cast[id(tensor)]
    log.info("loaded %d tensors from %s as %s", len(tensors), model_dir, dtype)
    return tensors


def _read_checkpoint(model_dir: Path) -> Tuple[Dict[str, torch.Tensor], Dict[str, Path]]:
    """The tensors, and the file each came from."""
    index_path = model_dir / INDEX_FILE
    single_path = model_dir / SINGLE_FILE
    weight_map = None
    if index_path.is_file():
        weight_map = _read_weight_map(index_path)
        files = _shard_paths(index_path, weight_map)
    elif single_path.is_file():
        files = [single_path]
    else:
        raise FileNotFoundError(
            f"{model_dir}: no {SINGLE_FILE} or {INDEX_FILE}; lmi-dist loads safetensors checkpoints only"
        )
    tensors: Dict[str, torch.Tensor] = {}
    origin: Dict[str, Path] = {}
    for path in files:
        for name, tensor in load_safetensors(path).items():
            if name in tensors:
                raise ValueError(f"tensor {name!r} appears in both {origin[name]} and {path}")
            tensors[name] = tensor
            origin[name] = path
    if weight_map is not None:
        _check_weight_map(index_path, weight_map, origin)
    return tensors, origin


def _read_weight_map(index_path: Path) -> Dict[str, str]:
    try:
        with open(index_path, encoding="utf-8") as f:
            weight_map = json.load(f)["weight_map"]
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise ValueError(f"{index_path}: not a checkpoint index with a weight_map ({e!r})") from None
    if not isinstance(weight_map, dict):
        raise ValueError(f"{index_path}: weight_map is not an object")
    return weight_map


def _shard_paths(index_path: Path, weight_map: Dict[str, str]) -> List[Path]:
    paths = []
    for shard in dict.fromkeys(weight_map.values()):
        path = index_path.parent / shard
        if not path.is_file():
            raise FileNotFoundError(f"{index_path}: shard {shard!r} not found at {path}")
        paths.append(path)
    return paths


def _check_weight_map(index_path: Path, weight_map: Dict[str, str], origin: Dict[str, Path]) -> None:
    for name, shard in weight_map.items():
        if origin.get(name) != index_path.parent / shard:
            found = f"found in {origin[name]}" if name in origin else "in no shard"
            raise ValueError(f"{index_path}: tensor {name!r} is mapped to {shard!r} but is {found}")


ATTENTION_PROJECTIONS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj")
PROJECTIONS = ATTENTION_PROJECTIONS + ("mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")
# Mixtral: w1 is each expert's gate, w3 its up and w2 its down projection.
EXPERT_PROJECTIONS = ("w1", "w2", "w3")


def layer_projections(config: ModelConfig) -> List[str]:
    """One layer's quantizable projections under its prefix, e.g. self_attn.q_proj (the router stays float)."""
    if config.num_local_experts is None:
        return list(PROJECTIONS)
    return list(ATTENTION_PROJECTIONS) + [f"block_sparse_moe.experts.{e}.{w}"
                                          for e in range(config.num_local_experts) for w in EXPERT_PROJECTIONS]


def projection_prefixes(config: ModelConfig) -> List[str]:
    """The checkpoint prefix of every quantizable projection, e.g. model.layers.0.self_attn.q_proj."""
    return [f"model.layers.{i}.{name}" for i in range(config.num_hidden_layers) for name in layer_projections(config)]


def expected_shapes(config: ModelConfig) -> Dict[str, Tuple[int, ...]]:
    """Each tensor the architecture needs, with its shape ([out, in] for linear weights)."""
    hidden, inter = config.hidden_size, config.intermediate_size
    q_dim = config.num_attention_heads * config.head_dim
    kv_dim = config.num_key_value_heads * config.head_dim
    shapes = {
        "model.embed_tokens.weight": (config.vocab_size, hidden),
        "model.norm.weight": (hidden,),
        "lm_head.weight": (config.vocab_size, hidden),
    }
    for i in range(config.num_hidden_layers):
        p = f"model.layers.{i}."
        shapes.update({
            p + "input_layernorm.weight": (hidden,),
            p + "post_attention_layernorm.weight": (hidden,),
            p + "self_attn.q_proj.weight": (q_dim, hidden),
            p + "self_attn.k_proj.weight": (kv_dim, hidden),
            p + "self_attn.v_proj.weight": (kv_dim, hidden),
            p + "self_attn.o_proj.weight": (hidden, q_dim),
        })
        if config.num_local_experts is None:
            shapes.update({
                p + "mlp.gate_proj.weight": (inter, hidden),
                p + "mlp.up_proj.weight": (inter, hidden),
                p + "mlp.down_proj.weight": (hidden, inter),
            })
        else:
            shapes[p + "block_sparse_moe.gate.weight"] = (config.num_local_experts, hidden)
            for e in range(config.num_local_experts):
                q = f"{p}block_sparse_moe.experts.{e}."
                shapes.update({q + "w1.weight": (inter, hidden), q + "w3.weight": (inter, hidden),
                               q + "w2.weight": (hidden, inter)})
        if config.gemma2 is not None:
            shapes.update({p + "pre_feedforward_layernorm.weight": (hidden,),
                           p + "post_feedforward_layernorm.weight": (hidden,)})
        if config.attention_bias:
            shapes.update({
                p + "self_attn.q_proj.bias": (q_dim,),
                p + "self_attn.k_proj.bias": (kv_dim,),
                p + "self_attn.v_proj.bias": (kv_dim,),
            })
    return shapes


def _check_tensors(tensors: Dict[str, torch.Tensor], origin: Dict[str, Path], config: ModelConfig,
                   model_dir: Path, format_owned: Callable[[str], bool]) -> None:
    files = sorted({p.name for p in origin.values()}) or ["(no tensors)"]
    for name, shape in expected_shapes(config).items():
        if format_owned(name):
            continue  # the quantization format's loader checks these
        if name not in tensors:
            raise ValueError(
                f"{model_dir}: tensor {name!r} needed by {config.architecture} "
                f"is missing from {', '.join(files)}"
            )
        if tuple(tensors[name].shape) != shape:
            raise ValueError(
                f"{origin[name]}: tensor {name!r} has shape {list(tensors[name].shape)}, "
                f"{config.architecture} with this config.json needs {list(shape)}"
            )
        if not tensors[name].is_floating_point():
            raise ValueError(
                f"{origin[name]}: tensor {name!r} has dtype {tensors[name].dtype}, where a float weight is "
                f"needed; a quantized checkpoint needs its config.json quantization_config"
            )
