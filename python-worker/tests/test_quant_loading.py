"""option.quantize against the checkpoint, the format loaders' tensor checks, and the bytes each mode saves."""

import json
import shutil

import pytest
import torch

from lmi_worker.engine.engine import LmiDistEngine
from lmi_worker.engine.model_config import ModelConfig
from lmi_worker.engine.options import EngineOptions
from lmi_worker.engine.quant.quant_config import resolve_quantization
from lmi_worker.engine.safetensors import load_safetensors, save_safetensors
from lmi_worker.engine.weights import load_weights, projection_prefixes
from make_quantized_models import write_quantized_model

Q_PROJ = "model.layers.1.self_attn.q_proj"


def _load(model_dir, quantize=None) -> LmiDistEngine:
    return LmiDistEngine.load(EngineOptions(model_dir=str(model_dir), device="cpu", kv_cache_bytes=64 << 20,
                                            quantize=quantize))


@pytest.fixture(scope="module")
def checkpoints(tiny_llama_dir, tmp_path_factory):
    return {m: write_quantized_model(tiny_llama_dir, tmp_path_factory.mktemp(m), m) for m in ("int8", "fp8")}


def _rewritten(tmp_path, source, change):
    """A copy of checkpoint `source` whose tensors `change` edits in place."""
    for path in source.iterdir():
        shutil.copyfile(path, tmp_path / path.name)
    tensors = {name: t.clone() for name, t in load_safetensors(source / "model.safetensors").items()}
    change(tensors)
    fp8 = json.loads((source / "config.json").read_text())["quantization_config"]["quant_method"] == "fp8"
    save_safetensors(tmp_path / "model.safetensors", tensors,
                     fp8_names={n for n in tensors if n.endswith("proj.weight")} if fp8 else ())
    return tmp_path


def test_unknown_method_is_named_with_the_allowed_ones(tiny_llama_dir):
    with pytest.raises(ValueError, match=r"option.quantize 'int3' is not supported; allowed: .*fp8, .*int8"):
        _load(tiny_llama_dir, "int3")


def test_a_pre_quantized_only_format_refuses_a_float_checkpoint(tiny_llama_dir):
    config = ModelConfig.from_dir(tiny_llama_dir)
    with pytest.raises(ValueError, match=r"option.quantize 'gptq' needs a pre-quantized checkpoint"):
        resolve_quantization("gptq", config, {}, known={"int8", "gptq"}, on_the_fly={"int8"})


def test_the_checkpoint_s_method_is_the_default_and_cannot_be_overridden(checkpoints, tiny_llama_dir):
    assert _load(checkpoints["int8"]).capacity.quantization == "int8"
    assert _load(tiny_llama_dir).capacity.quantization == "none"
    with pytest.raises(ValueError, match=r"option.quantize 'fp8': the checkpoint is already quantized as 'int8'"):
        _load(checkpoints["int8"], "fp8")


def test_an_unsupported_checkpoint_method_is_named(tmp_path, checkpoints):
    model_dir = _rewritten(tmp_path, checkpoints["int8"], lambda t: None)
    config = json.loads((model_dir / "config.json").read_text())
    config["quantization_config"] = {"quant_method": "bitsandbytes"}
    (model_dir / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"quantization_config.quant_method 'bitsandbytes' is not supported"):
        _load(model_dir)


@pytest.mark.parametrize("method, change, message", [
    ("int8", lambda t: t.pop(Q_PROJ + ".weight_scale"), f"tensor '{Q_PROJ}.weight_scale'.* is missing"),
    ("int8", lambda t: t.update({Q_PROJ + ".weight_scale": torch.ones(3)}),
     rf"tensor '{Q_PROJ}.weight_scale' has shape \[3\], .* needs \[64\] or \[64, 1\]"),
    ("int8", lambda t: t.update({Q_PROJ + ".weight": t[Q_PROJ + ".weight"].float()}),
     rf"tensor '{Q_PROJ}.weight' has dtype torch.float32, quantization 'int8' needs torch.int8"),
    ("int8", lambda t: t.update({Q_PROJ + ".weight": t[Q_PROJ + ".weight"][:, :32].contiguous()}),
     rf"tensor '{Q_PROJ}.weight' has shape \[64, 32\], .* needs \[64, 64\]"),
    ("fp8", lambda t: t.update({Q_PROJ + ".weight_scale": torch.ones(2)}),
     rf"tensor '{Q_PROJ}.weight_scale' has shape \[2\], quantization 'fp8' .* needs \[\] or \[1\]"),
])
def test_a_bad_tensor_is_named(tmp_path, checkpoints, method, change, message):
    with pytest.raises(ValueError, match=message):
        _load(_rewritten(tmp_path, checkpoints[method], change))


def test_pre_quantized_tensors_are_neither_cast_nor_shape_checked_as_float(checkpoints):
    config = ModelConfig.from_dir(checkpoints["int8"])
    weights = load_weights(checkpoints["int8"], config, torch.bfloat16, prequantized=True)
    assert weights[Q_PROJ + ".weight"].dtype == torch.int8
    assert weights[Q_PROJ + ".weight_scale"].dtype == torch.float32
    assert weights["model.norm.weight"].dtype == torch.bfloat16
    with pytest.raises(ValueError, match=r"tensor 'model.layers.0.self_attn.q_proj.weight' has dtype torch.int8, "
                                         r"where a float weight is needed"):
        load_weights(checkpoints["int8"], config, torch.float32)  # read as a float checkpoint


def test_weight_bytes_shrink_by_the_format_s_bytes_per_weight(tiny_llama_dir):
    config = ModelConfig.from_dir(tiny_llama_dir)
    weights = load_weights(tiny_llama_dir, config, torch.float32)
    projections = [weights[p + ".weight"] for p in projection_prefixes(config)]
    params = sum(w.numel() for w in projections)
    rows = sum(w.shape[0] for w in projections)
    float_bytes = _load(tiny_llama_dir).capacity.weight_bytes
    # int8: 1 byte a weight plus a float32 scale a row; fp8: 1 byte a weight plus one float32 per projection.
    assert _load(tiny_llama_dir, "int8").capacity.weight_bytes == float_bytes - 3 * params + 4 * rows
    assert _load(tiny_llama_dir, "fp8").capacity.weight_bytes == float_bytes - 3 * params + 4 * len(projections)
