"""Reading PEFT adapters: what is accepted, how it is packed, and an error naming each problem."""

import json
import math
import shutil
from pathlib import Path

import pytest
import torch

from lmi_worker.engine.lora.adapter import load_adapter
from lmi_worker.engine.lora.random_adapter import AdapterSpec, write_random_adapter
from lmi_worker.engine.model_config import ModelConfig
from lmi_worker.engine.safetensors import load_safetensors, save_safetensors

Q_A = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"


@pytest.fixture(scope="module")
def config(tiny_llama_dir) -> ModelConfig:
    return ModelConfig.from_dir(tiny_llama_dir)


@pytest.fixture
def adapter_dir(tmp_path, config) -> Path:
    """A valid rank-8 adapter on q_proj, v_proj and down_proj, for each test to break."""
    return write_random_adapter(tmp_path / "adapter", config, AdapterSpec(8, 16, ("q_proj", "v_proj", "down_proj"),
                                                                          seed=3))


def load(path, config, max_rank=16):
    return load_adapter(1, "test", path, config, max_rank, torch.float32)


def edit_config(path: Path, **fields) -> None:
    file = path / "adapter_config.json"
    file.write_text(json.dumps({**json.loads(file.read_text()), **fields}))


def edit_tensors(path: Path, change) -> None:
    file = path / "adapter_model.safetensors"
    tensors = {name: tensor.clone() for name, tensor in load_safetensors(file).items()}
    change(tensors)
    save_safetensors(file, tensors)


def test_a_peft_adapter_is_packed_per_fused_projection_with_its_scale_in_b(adapter_dir, config):
    adapter = load(adapter_dir, config)
    assert (adapter.rank, adapter.alpha, adapter.target_modules) == (8, 16.0, ("q_proj", "v_proj", "down_proj"))
    raw = load_safetensors(adapter_dir / "adapter_model.safetensors")
    prefix = "base_model.model.model.layers.1."
    a, b = adapter.layers[1]["qkv"]
    # q then v: A stacked, B block-diagonal over q's and v's output rows (k's stay zero).
    assert a.shape == (16, 64) and b.shape == (64 + 32 + 32, 16)
    torch.testing.assert_close(a[:8], raw[prefix + "self_attn.q_proj.lora_A.weight"])
    torch.testing.assert_close(a[8:], raw[prefix + "self_attn.v_proj.lora_A.weight"])
    torch.testing.assert_close(b[:64, :8], raw[prefix + "self_attn.q_proj.lora_B.weight"] * 2.0)
    torch.testing.assert_close(b[96:, 8:], raw[prefix + "self_attn.v_proj.lora_B.weight"] * 2.0)
    assert not b[64:96].any() and not b[:64, 8:].any() and not b[96:, :8].any()
    assert set(adapter.layers[1]) == {"qkv", "down"}
    assert adapter.nbytes == 2 * 4 * (16 * 64 + 128 * 16 + 8 * 192 + 64 * 8)


def test_rslora_scales_by_alpha_over_the_square_root_of_the_rank(adapter_dir, config):
    edit_config(adapter_dir, use_rslora=True)
    b = load(adapter_dir, config).layers[0]["down"][1]
    raw = load_safetensors(adapter_dir / "adapter_model.safetensors")
    torch.testing.assert_close(b, raw["base_model.model.model.layers.0.mlp.down_proj.lora_B.weight"] * 16 / math.sqrt(8))


def test_all_linear_and_module_paths_name_the_same_modules(adapter_dir, config):
    edit_config(adapter_dir, target_modules=["self_attn.q_proj", "v_proj", "mlp.down_proj"])
    assert load(adapter_dir, config).target_modules == ("q_proj", "v_proj", "down_proj")
    every = write_random_adapter(adapter_dir.parent / "all", config, AdapterSpec(4, 4, ("q_proj",), seed=1))
    edit_config(every, target_modules="all-linear")
    with pytest.raises(ValueError, match="k_proj.lora_A.weight' is missing"):
        load(every, config)


def test_tensor_names_without_the_weight_suffix_load_the_same(adapter_dir, config):
    expected = load(adapter_dir, config).layers
    edit_tensors(adapter_dir, lambda t: t.update({name.removesuffix(".weight"): t.pop(name) for name in list(t)}))
    for want, got in zip(expected, load(adapter_dir, config).layers):
        for projection in want:
            torch.testing.assert_close(got[projection], want[projection])


def test_a_missing_directory_or_file_is_named(tmp_path, adapter_dir, config):
    with pytest.raises(ValueError, match="nowhere: not a directory"):
        load(tmp_path / "nowhere", config)
    shutil.copy(adapter_dir / "adapter_config.json", tmp_path)
    with pytest.raises(ValueError, match="adapter_model.safetensors: not found"):
        load(tmp_path, config)
    (adapter_dir / "adapter_config.json").unlink()
    with pytest.raises(ValueError, match="adapter_config.json: not found"):
        load(adapter_dir, config)


CONFIG_ERRORS = {
    "rank over max_lora_rank": ({"r": 32}, "r 32 exceeds option.max_lora_rank 16"),
    "rank not positive": ({"r": 0}, "r 0 is not supported; allowed: a positive integer"),
    "bias": ({"bias": "lora_only"}, "bias 'lora_only' is not supported; allowed: 'none'"),
    "fan_in_fan_out": ({"fan_in_fan_out": True}, "fan_in_fan_out True is not supported; allowed: false"),
    "dora": ({"use_dora": True}, "use_dora True is not supported"),
    "modules_to_save": ({"modules_to_save": ["lm_head"]}, "modules_to_save \\['lm_head'\\] is not supported"),
    "unknown target module": ({"target_modules": ["q_proj", "embed_tokens"]},
                              "target_modules entry 'embed_tokens' is not supported; allowed: a list of q_proj"),
    "regex target modules": ({"target_modules": ".*\\.(q|v)_proj"}, "is a regular expression"),
    "alpha": ({"lora_alpha": "16"}, "lora_alpha '16' is not supported; allowed: a number"),
    "other peft type": ({"peft_type": "IA3"}, "peft_type 'IA3'"),
}


@pytest.mark.parametrize("case", sorted(CONFIG_ERRORS))
def test_an_unsupported_config_field_is_named_with_what_is_allowed(adapter_dir, config, case):
    fields, words = CONFIG_ERRORS[case]
    edit_config(adapter_dir, **fields)
    with pytest.raises(ValueError, match=words) as err:
        load(adapter_dir, config)
    assert "adapter_config.json" in str(err.value)


TENSOR_ERRORS = {
    "wrong shape": (lambda t: t.update({Q_A: torch.zeros(8, 63)}),
                    f"tensor '{Q_A}' has shape \\[8, 63\\]; r 8 and this model's q_proj need \\[8, 64\\]"),
    "missing tensor": (lambda t: t.pop(Q_A), f"tensor '{Q_A}' is missing"),
    "untargeted module": (lambda t: t.update({Q_A.replace("q_proj", "k_proj"): torch.zeros(8, 64)}),
                          "k_proj.lora_A.weight' belongs to no module in target_modules"),
    "not a lora weight": (lambda t: t.update({"base_model.model.lm_head.weight": torch.zeros(1)}),
                          "'base_model.model.lm_head.weight' is not a LoRA weight of a supported module"),
    "layer past the model": (lambda t: t.update({Q_A.replace("layers.0", "layers.2"): torch.zeros(8, 64)}),
                             "is for layer 2; the model has 2"),
}


@pytest.mark.parametrize("case", sorted(TENSOR_ERRORS))
def test_a_bad_tensor_is_named(adapter_dir, config, case):
    change, words = TENSOR_ERRORS[case]
    edit_tensors(adapter_dir, change)
    with pytest.raises(ValueError, match=words) as err:
        load(adapter_dir, config)
    assert "adapter_model.safetensors" in str(err.value)
