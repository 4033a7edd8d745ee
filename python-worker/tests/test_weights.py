"""Tests for loading checkpoints (single file and sharded), dtype casts and tensor checks."""

import dataclasses
import json
import shutil

import pytest
import torch

from lmi_worker.engine.model_config import ModelConfig
from lmi_worker.engine.safetensors import load_safetensors, save_safetensors
from lmi_worker.engine.tp_layout import TpLayout
from lmi_worker.engine.weights import expected_shapes, load_weights, resolve_dtype


@pytest.fixture(scope="module")
def config(tiny_llama_dir) -> ModelConfig:
    return ModelConfig.from_dir(tiny_llama_dir)


@pytest.fixture(scope="module")
def reference(tiny_llama_dir):
    return {name: t.clone() for name, t in load_safetensors(tiny_llama_dir / "model.safetensors").items()}


def _model_dir(tmp_path, tiny_llama_dir, tensors):
    """A model directory with tiny-llama's config and the given tensors."""
    shutil.copyfile(tiny_llama_dir / "config.json", tmp_path / "config.json")
    save_safetensors(tmp_path / "model.safetensors", tensors)
    return tmp_path


def test_loads_every_tensor_zero_copy(tiny_llama_dir, config, reference, mapped_ranges):
    weights = load_weights(tiny_llama_dir, config, torch.float32)
    assert set(weights) == set(reference) == set(expected_shapes(config))
    ranges = mapped_ranges(tiny_llama_dir / "model.safetensors")
    for name, tensor in weights.items():
        assert tensor.dtype == torch.float32
        assert torch.equal(tensor, reference[name])
        assert any(lo <= tensor.data_ptr() < hi for lo, hi in ranges), f"{name} was copied"


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_casts_to_the_requested_dtype(tiny_llama_dir, config, reference, dtype):
    weights = load_weights(tiny_llama_dir, config, dtype)
    for name, tensor in weights.items():
        assert tensor.dtype == dtype
        assert torch.equal(tensor, reference[name].to(dtype))


def test_half_checkpoint_loads_zero_copy_or_upcast(tmp_path, tiny_llama_dir, config, reference,
                                                    mapped_ranges):
    halves = {name: t.to(torch.bfloat16) for name, t in reference.items()}
    model_dir = _model_dir(tmp_path, tiny_llama_dir, halves)
    as_bf16 = load_weights(model_dir, config, torch.bfloat16)
    ranges = mapped_ranges(model_dir / "model.safetensors")
    for name, tensor in as_bf16.items():
        assert torch.equal(tensor, halves[name])
        assert any(lo <= tensor.data_ptr() < hi for lo, hi in ranges), f"{name} was copied"
    as_fp32 = load_weights(model_dir, config, torch.float32)
    for name, tensor in as_fp32.items():
        assert tensor.dtype == torch.float32
        assert torch.equal(tensor, halves[name].float())


def test_integer_tensors_are_not_cast(tmp_path, tiny_llama_dir, config, reference):
    model_dir = _model_dir(tmp_path, tiny_llama_dir, {**reference, "extra.index": torch.arange(5)})
    weights = load_weights(model_dir, config, torch.float16)
    assert weights["extra.index"].dtype == torch.int64
    assert weights["model.norm.weight"].dtype == torch.float16


def test_sharded_checkpoint(tmp_path, tiny_llama_dir, config, reference):
    names = sorted(reference)
    shards = {"model-00001-of-00002.safetensors": names[::2], "model-00002-of-00002.safetensors": names[1::2]}
    for shard, members in shards.items():
        save_safetensors(tmp_path / shard, {n: reference[n] for n in members})
    weight_map = {n: shard for shard, members in shards.items() for n in members}
    index = tmp_path / "model.safetensors.index.json"
    index.write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    weights = load_weights(tmp_path, config, torch.float32)
    assert set(weights) == set(reference)
    for name, tensor in weights.items():
        assert torch.equal(tensor, reference[name])

    weight_map[names[0]] = "model-00002-of-00002.safetensors"
    index.write_text(json.dumps({"weight_map": weight_map}))
    with pytest.raises(ValueError, match=rf"'{names[0]}' is mapped to 'model-00002-of-00002.safetensors'"):
        load_weights(tmp_path, config, torch.float32)

    (tmp_path / "model-00002-of-00002.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="model-00002-of-00002.safetensors"):
        load_weights(tmp_path, config, torch.float32)


def test_no_checkpoint(tmp_path, config):
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        load_weights(tmp_path, config, torch.float32)


def test_missing_tensor_names_it_and_the_file(tmp_path, tiny_llama_dir, config, reference):
    name = "model.layers.1.mlp.up_proj.weight"
    model_dir = _model_dir(tmp_path, tiny_llama_dir, {n: t for n, t in reference.items() if n != name})
    with pytest.raises(ValueError, match=rf"'{name}'.*missing from model\.safetensors"):
        load_weights(model_dir, config, torch.float32)


def test_misshaped_tensor_names_it_and_the_file(tmp_path, tiny_llama_dir, config, reference):
    name = "model.layers.0.self_attn.k_proj.weight"
    model_dir = _model_dir(tmp_path, tiny_llama_dir, {**reference, name: torch.zeros(64, 64)})
    message = rf"model\.safetensors: tensor '{name}' has shape \[64, 64\].*\[32, 64\]"
    with pytest.raises(ValueError, match=message):
        load_weights(model_dir, config, torch.float32)


def test_tied_embeddings_alias_lm_head(tmp_path, tiny_llama_dir, config, reference):
    untied = {n: t for n, t in reference.items() if n != "lm_head.weight"}
    model_dir = _model_dir(tmp_path, tiny_llama_dir, untied)
    with pytest.raises(ValueError, match="'lm_head.weight'"):
        load_weights(model_dir, config, torch.float32)
    weights = load_weights(model_dir, dataclasses.replace(config, tie_word_embeddings=True), torch.float16)
    assert weights["lm_head.weight"] is weights["model.embed_tokens.weight"]
    assert weights["lm_head.weight"].dtype == torch.float16


def test_qwen2_needs_qkv_biases(tmp_path, tiny_llama_dir, config, reference):
    qwen = dataclasses.replace(config, architecture="Qwen2ForCausalLM", attention_bias=True)
    model_dir = _model_dir(tmp_path, tiny_llama_dir, reference)
    with pytest.raises(ValueError, match=r"'model\.layers\.0\.self_attn\.q_proj\.bias' needed by Qwen2"):
        load_weights(model_dir, qwen, torch.float32)
    biases = {f"model.layers.{i}.self_attn.{p}_proj.bias": torch.zeros(64 if p == "q" else 32)
              for i in range(2) for p in "qkv"}
    model_dir = _model_dir(tmp_path, tiny_llama_dir, {**reference, **biases})
    weights = load_weights(model_dir, qwen, torch.float32)
    assert weights["model.layers.1.self_attn.v_proj.bias"].shape == (32,)


def test_resolve_dtype(config):
    assert resolve_dtype("auto", config) == torch.float32
    assert resolve_dtype("auto", dataclasses.replace(config, torch_dtype="bfloat16")) == torch.bfloat16
    assert resolve_dtype("auto", dataclasses.replace(config, torch_dtype=None)) == torch.float32
    for option, dtype in [("fp32", torch.float32), ("float32", torch.float32), ("fp16", torch.float16),
                          ("float16", torch.float16), ("bf16", torch.bfloat16), ("BFloat16", torch.bfloat16)]:
        assert resolve_dtype(option, config) == dtype


def test_resolve_dtype_rejects_unknown_values(config):
    with pytest.raises(ValueError) as info:
        resolve_dtype("int8", config)
    message = str(info.value)
    assert "option.dtype" in message and "'int8'" in message
    for allowed in ("auto", "fp32", "float16", "bf16"):
        assert allowed in message
    with pytest.raises(ValueError, match="'float64'"):
        resolve_dtype("auto", dataclasses.replace(config, torch_dtype="float64"))


def test_a_tensor_parallel_rank_reads_only_its_slices(tiny_llama_dir, config, reference, mapped_ranges):
    layout = TpLayout(config, 1, 2)
    weights = load_weights(tiny_llama_dir, config, torch.float32, layout=layout)
    ranges = mapped_ranges(tiny_llama_dir / "model.safetensors")
    p = "model.layers.0."
    q_rows = config.num_attention_heads // 2 * config.head_dim
    # Rows of the mapping (column-parallel, vocabulary): views, the file's other rows never read.
    for name, start, rows in [(p + "self_attn.q_proj.weight", q_rows, q_rows),
                              (p + "mlp.up_proj.weight", config.intermediate_size // 2, config.intermediate_size // 2),
                              ("model.embed_tokens.weight", config.vocab_size // 2, config.vocab_size // 2)]:
        assert torch.equal(weights[name], reference[name][start:start + rows]), name
        assert any(lo <= weights[name].data_ptr() < hi for lo, hi in ranges), f"{name} was copied"
    # Columns (row-parallel): a copy of this rank's half only.
    down = weights[p + "mlp.down_proj.weight"]
    half = config.intermediate_size // 2
    assert torch.equal(down, reference[p + "mlp.down_proj.weight"][:, half:])
    assert down.is_contiguous() and not any(lo <= down.data_ptr() < hi for lo, hi in ranges)
    assert torch.equal(weights["model.norm.weight"], reference["model.norm.weight"])
