"""The model's shape and hyperparameters, read from a Hugging Face config.json."""

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple, Union

log = logging.getLogger(__name__)

SUPPORTED_ARCHITECTURES = ("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Phi3ForCausalLM",
                           "MixtralForCausalLM", "Gemma2ForCausalLM")
SUPPORTED_ROPE_TYPES = ("default", "linear", "llama3")
_LLAMA3_KEYS = ("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings")


class UnsupportedArchitecture(ValueError):
    """The checkpoint's architecture is not one lmi-dist implements."""


@dataclass(frozen=True)
class RopeScaling:
    """A rope_scaling entry: 'linear' uses factor only; 'llama3' uses all fields."""

    rope_type: str
    factor: float
    low_freq_factor: Optional[float] = None
    high_freq_factor: Optional[float] = None
    original_max_position_embeddings: Optional[int] = None


@dataclass(frozen=True)
class Gemma2Features:
    """What Gemma 2 adds to the Llama-family block (its config.json keys)."""

    query_pre_attn_scalar: float  # attention scores are scaled by its inverse square root, not head_dim's
    attn_logit_softcapping: Optional[float]  # scores become cap * tanh(scores / cap)
    final_logit_softcapping: Optional[float]  # and logits likewise


@dataclass(frozen=True)
class ModelConfig:
    """What lmi-dist needs to know about a Llama-family decoder."""

    architecture: str
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    rms_norm_eps: float
    rope_theta: float
    rope_scaling: Optional[RopeScaling]
    max_position_embeddings: int
    tie_word_embeddings: bool
    sliding_window: Optional[int]  # query q sees keys k with q - sliding_window < k <= q; None: k <= q
    attention_bias: bool  # bias on q_proj, k_proj and v_proj (never on o_proj)
    bos_token_id: Optional[int]
    eos_token_ids: Tuple[int, ...]
    torch_dtype: Optional[str]  # the checkpoint's dtype name, e.g. "bfloat16"
    num_local_experts: Optional[int] = None  # Mixtral: experts per layer, replacing the MLP; None: a dense MLP
    num_experts_per_tok: Optional[int] = None  # Mixtral: the experts each token is routed to
    gemma2: Optional[Gemma2Features] = None  # Gemma 2; its sliding_window applies to even layers only

    @classmethod
    def from_dir(cls, model_dir: Union[str, os.PathLike]) -> "ModelConfig":
        """Reads config.json, and generation_config.json when present, from a model directory."""
        path = Path(model_dir) / "config.json"
        if not path.is_file():
            raise FileNotFoundError(f"model config not found: {path}")
        raw = _read_json(path)
        gen_path = Path(model_dir) / "generation_config.json"
        gen = _read_json(gen_path) if gen_path.is_file() else {}
        return cls.from_dict(raw, gen, source=str(path))

    @classmethod
    def from_dict(
        cls, raw: dict, generation: Optional[dict] = None, source: str = "config.json"
    ) -> "ModelConfig":
        """Builds the config from config.json's contents (and generation_config.json's)."""
        generation = generation or {}
        archs = raw.get("architectures") or []
        arch = archs[0] if archs else None
        if arch not in SUPPORTED_ARCHITECTURES:
            raise UnsupportedArchitecture(
                f"{source}: architecture {arch!r} is not supported; "
                f"supported: {', '.join(SUPPORTED_ARCHITECTURES)}"
            )

        def required(key):
            if raw.get(key) is None:
                raise ValueError(f"{source}: missing required key {key!r}")
            return raw[key]

        hidden = int(required("hidden_size"))
        heads = int(required("num_attention_heads"))
        kv_heads = int(raw.get("num_key_value_heads") or heads)
        if heads % kv_heads:
            raise ValueError(
                f"{source}: num_attention_heads {heads} is not a multiple of num_key_value_heads {kv_heads}"
            )
        head_dim = raw.get("head_dim")
        if head_dim is None:
            if hidden % heads:
                raise ValueError(
                    f"{source}: hidden_size {hidden} is not a multiple of num_attention_heads {heads}"
                )
            head_dim = hidden // heads
        _check_supported_features(raw, arch, source)

        config = cls(
            architecture=arch,
            vocab_size=int(required("vocab_size")),
            hidden_size=hidden,
            intermediate_size=int(required("intermediate_size")),
            num_hidden_layers=int(required("num_hidden_layers")),
            num_attention_heads=heads,
            num_key_value_heads=kv_heads,
            head_dim=int(head_dim),
            rms_norm_eps=float(raw.get("rms_norm_eps", 1e-6)),
            rope_theta=float(raw.get("rope_theta", 10000.0)),
            rope_scaling=_rope_scaling(raw.get("rope_scaling"), source),
            max_position_embeddings=int(required("max_position_embeddings")),
            # Gemma2Config ties them unless told otherwise; the others do not.
            tie_word_embeddings=bool(raw.get("tie_word_embeddings", arch == "Gemma2ForCausalLM")),
            sliding_window=_sliding_window(raw, arch),
            # Qwen2 always has q/k/v bias, and its config has no attention_bias key.
            attention_bias=arch == "Qwen2ForCausalLM",
            bos_token_id=_first_not_none(raw.get("bos_token_id"), generation.get("bos_token_id")),
            eos_token_ids=_merge_ids(raw.get("eos_token_id"), generation.get("eos_token_id")),
            # transformers 4.56 renamed torch_dtype to dtype.
            torch_dtype=raw.get("torch_dtype") or raw.get("dtype"),
            **_experts(raw, arch, source),
            gemma2=_gemma2(raw, arch, int(head_dim)),
        )
        log.debug("model config from %s: %s", source, config)
        return config


def _read_json(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return data


def _check_supported_features(raw: dict, arch: str, source: str) -> None:
    # Refusing beats silently computing something else than the checkpoint was trained for.
    if arch == "Gemma2ForCausalLM":
        act = raw.get("hidden_activation") or raw.get("hidden_act") or "gelu_pytorch_tanh"
        if act != "gelu_pytorch_tanh":
            raise ValueError(f"{source}: hidden_activation {act!r} is not supported for {arch}; "
                             f"supported: 'gelu_pytorch_tanh'")
    else:
        act = raw.get("hidden_act", "silu")
        if act != "silu":
            raise ValueError(f"{source}: hidden_act {act!r} is not supported; supported: 'silu'")
    if arch != "Qwen2ForCausalLM" and raw.get("attention_bias"):
        raise ValueError(f"{source}: attention_bias=true (bias on q/k/v/o) is not supported for {arch}")
    if raw.get("mlp_bias"):
        raise ValueError(f"{source}: mlp_bias=true is not supported")
    if arch == "Qwen2ForCausalLM" and raw.get("use_sliding_window"):
        raise ValueError(f"{source}: use_sliding_window=true is not supported for {arch}")
    # Phi-4-mini is a Phi3ForCausalLM that rotates only part of each head.
    if raw.get("partial_rotary_factor", 1.0) != 1.0:
        raise ValueError(f"{source}: partial_rotary_factor {raw['partial_rotary_factor']} is not supported; "
                         f"supported: 1.0 (RoPE over the whole head)")


def _experts(raw: dict, arch: str, source: str) -> dict:
    if arch != "MixtralForCausalLM":
        return {}
    experts, per_token = raw.get("num_local_experts"), raw.get("num_experts_per_tok")
    if not isinstance(experts, int) or not isinstance(per_token, int) or not 1 <= per_token <= experts:
        raise ValueError(f"{source}: {arch} needs num_local_experts and num_experts_per_tok with "
                         f"1 <= num_experts_per_tok <= num_local_experts (got {experts!r} and {per_token!r})")
    return {"num_local_experts": experts, "num_experts_per_tok": per_token}


def _gemma2(raw: dict, arch: str, head_dim: int) -> Optional[Gemma2Features]:
    if arch != "Gemma2ForCausalLM":
        return None

    def cap(key):
        return None if raw.get(key) is None else float(raw[key])

    return Gemma2Features(float(raw.get("query_pre_attn_scalar") or head_dim), cap("attn_logit_softcapping"),
                          cap("final_logit_softcapping"))


def _sliding_window(raw: dict, arch: str) -> Optional[int]:
    # Qwen2 configs carry a sliding_window value even when use_sliding_window is false.
    if arch not in ("MistralForCausalLM", "Phi3ForCausalLM", "MixtralForCausalLM", "Gemma2ForCausalLM") \
            or raw.get("sliding_window") is None:
        return None
    return int(raw["sliding_window"])


def _rope_scaling(raw: Optional[dict], source: str) -> Optional[RopeScaling]:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError(f"{source}: rope_scaling {raw!r} is not an object")
    # Older configs name the kind "type"; newer ones "rope_type".
    rope_type = raw.get("rope_type", raw.get("type"))
    if rope_type == "default":
        return None
    if rope_type not in SUPPORTED_ROPE_TYPES:
        raise ValueError(
            f"{source}: rope_scaling type {rope_type!r} is not supported; "
            f"supported: {', '.join(SUPPORTED_ROPE_TYPES)}"
        )
    keys = _LLAMA3_KEYS if rope_type == "llama3" else ("factor",)
    missing = [k for k in keys if raw.get(k) is None]
    if missing:
        raise ValueError(f"{source}: rope_scaling of type {rope_type!r} lacks {', '.join(missing)}")
    if rope_type == "linear":
        return RopeScaling("linear", float(raw["factor"]))
    return RopeScaling(
        "llama3",
        float(raw["factor"]),
        float(raw["low_freq_factor"]),
        float(raw["high_freq_factor"]),
        int(raw["original_max_position_embeddings"]),
    )


def _first_not_none(*values) -> Optional[int]:
    return next((int(v) for v in values if v is not None), None)


def _merge_ids(*values) -> Tuple[int, ...]:
    ids = []
    for value in values:
        for token in value if isinstance(value, list) else [value]:
            if token is not None and int(token) not in ids:
                ids.append(int(token))
    return tuple(ids)
