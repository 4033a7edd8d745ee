"""Tests for reading config.json into ModelConfig."""

import dataclasses
import json

import pytest

from lmi_worker.engine.model_config import ModelConfig, RopeScaling, UnsupportedArchitecture

BASE = {
    "architectures": ["LlamaForCausalLM"],
    "vocab_size": 100,
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "max_position_embeddings": 128,
}


def _write(tmp_path, generation=None, **overrides):
    raw = {**BASE, **overrides}
    (tmp_path / "config.json").write_text(json.dumps({k: v for k, v in raw.items() if v is not ...}))
    if generation is not None:
        (tmp_path / "generation_config.json").write_text(json.dumps(generation))
    return tmp_path


def test_tiny_llama(tiny_llama_dir):
    c = ModelConfig.from_dir(tiny_llama_dir)
    assert c == ModelConfig(
        architecture="LlamaForCausalLM", vocab_size=32000, hidden_size=64, intermediate_size=192,
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
        rms_norm_eps=1e-5, rope_theta=10000.0, rope_scaling=None, max_position_embeddings=512,
        tie_word_embeddings=False, sliding_window=None, attention_bias=False, bos_token_id=1,
        eos_token_ids=(2,), torch_dtype="float32",
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.vocab_size = 1


def test_defaults(tmp_path):
    c = ModelConfig.from_dir(_write(tmp_path))
    assert c.num_key_value_heads == 4
    assert c.head_dim == 8
    assert c.rope_theta == 10000.0
    assert c.rope_scaling is None
    assert c.tie_word_embeddings is False
    assert c.sliding_window is None
    assert c.attention_bias is False
    assert c.bos_token_id is None and c.eos_token_ids == ()
    assert c.torch_dtype is None


def test_explicit_head_dim_differs_from_hidden_over_heads(tmp_path):
    assert ModelConfig.from_dir(_write(tmp_path, head_dim=16)).head_dim == 16


def test_eos_ids_merge_config_and_generation_config(tmp_path):
    c = ModelConfig.from_dir(_write(tmp_path, eos_token_id=[7, 9], bos_token_id=None,
                                    generation={"eos_token_id": [9, 11], "bos_token_id": 5}))
    assert c.eos_token_ids == (7, 9, 11)
    assert c.bos_token_id == 5
    assert ModelConfig.from_dir(_write(tmp_path, eos_token_id=3, generation={})).eos_token_ids == (3,)


def test_mistral_sliding_window(tmp_path):
    c = ModelConfig.from_dir(_write(tmp_path, architectures=["MistralForCausalLM"], sliding_window=4096))
    assert c.sliding_window == 4096
    c = ModelConfig.from_dir(_write(tmp_path, architectures=["MistralForCausalLM"], sliding_window=None))
    assert c.sliding_window is None


def test_qwen2_has_qkv_bias_and_no_sliding_window_unless_enabled(tmp_path):
    c = ModelConfig.from_dir(_write(tmp_path, architectures=["Qwen2ForCausalLM"], sliding_window=32768,
                                    use_sliding_window=False, torch_dtype="bfloat16"))
    assert c.attention_bias is True
    assert c.sliding_window is None
    assert c.torch_dtype == "bfloat16"
    with pytest.raises(ValueError, match="use_sliding_window"):
        ModelConfig.from_dir(_write(tmp_path, architectures=["Qwen2ForCausalLM"], use_sliding_window=True))


def test_newer_dtype_key(tmp_path):
    assert ModelConfig.from_dir(_write(tmp_path, dtype="float16")).torch_dtype == "float16"


def test_unsupported_architecture_names_it_and_the_supported_ones(tmp_path):
    with pytest.raises(UnsupportedArchitecture) as info:
        ModelConfig.from_dir(_write(tmp_path, architectures=["GPT2LMHeadModel"]))
    message = str(info.value)
    assert "GPT2LMHeadModel" in message
    for arch in ("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"):
        assert arch in message
    assert isinstance(info.value, ValueError)
    with pytest.raises(UnsupportedArchitecture, match="None"):
        ModelConfig.from_dir(_write(tmp_path, architectures=...))


def test_missing_config_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "config.json")):
        ModelConfig.from_dir(tmp_path)


def test_missing_required_key(tmp_path):
    with pytest.raises(ValueError, match="'hidden_size'"):
        ModelConfig.from_dir(_write(tmp_path, hidden_size=...))


def test_bad_head_counts(tmp_path):
    with pytest.raises(ValueError, match="num_key_value_heads 3"):
        ModelConfig.from_dir(_write(tmp_path, num_key_value_heads=3))
    with pytest.raises(ValueError, match="hidden_size 30"):
        ModelConfig.from_dir(_write(tmp_path, hidden_size=30))


@pytest.mark.parametrize("overrides, message", [
    ({"hidden_act": "gelu"}, "hidden_act 'gelu'"),
    ({"attention_bias": True}, "attention_bias"),
    ({"mlp_bias": True}, "mlp_bias"),
])
def test_unsupported_features_are_refused(tmp_path, overrides, message):
    with pytest.raises(ValueError, match=message):
        ModelConfig.from_dir(_write(tmp_path, **overrides))


def test_rope_scaling_llama3(tmp_path):
    scaling = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
               "original_max_position_embeddings": 8192}
    c = ModelConfig.from_dir(_write(tmp_path, rope_scaling=scaling, rope_theta=500000.0))
    assert c.rope_scaling == RopeScaling("llama3", 8.0, 1.0, 4.0, 8192)
    assert c.rope_theta == 500000.0


def test_rope_scaling_linear_with_legacy_type_key(tmp_path):
    c = ModelConfig.from_dir(_write(tmp_path, rope_scaling={"type": "linear", "factor": 2}))
    assert c.rope_scaling == RopeScaling("linear", 2.0)


def test_rope_scaling_default_means_none(tmp_path):
    assert ModelConfig.from_dir(_write(tmp_path, rope_scaling={"rope_type": "default"})).rope_scaling is None


def test_unsupported_rope_scaling_names_it_and_the_supported_ones(tmp_path):
    with pytest.raises(ValueError) as info:
        ModelConfig.from_dir(_write(tmp_path, rope_scaling={"type": "dynamic", "factor": 2.0}))
    assert "'dynamic'" in str(info.value)
    for kind in ("linear", "llama3"):
        assert kind in str(info.value)


def test_llama3_rope_scaling_needs_all_its_keys(tmp_path):
    with pytest.raises(ValueError, match="lacks high_freq_factor, original_max_position_embeddings"):
        ModelConfig.from_dir(_write(tmp_path, rope_scaling={"rope_type": "llama3", "factor": 8.0,
                                                            "low_freq_factor": 1.0}))
