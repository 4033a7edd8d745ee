"""Each supported architecture's features, checked against the float64 reference forward."""

import json

import numpy as np
import pytest
import torch

from forward_probe import forward_logits
from lmi_worker.engine.engine import LmiDistEngine
from lmi_worker.engine.model_config import ModelConfig
from lmi_worker.engine.options import EngineOptions
from lmi_worker.engine.step_builder import ScheduledSequence
from reference_llama import reference_logits
from synthetic_models import BASE_CONFIG, write_model

TOLERANCE = 1e-4


def _engine_logits(path, ids, chunk):
    engine = LmiDistEngine.load(EngineOptions(model_dir=str(path), kv_cache_bytes=8 << 20, block_size=8))
    table = np.random.default_rng(0).permutation(engine.capacity.num_blocks)[:-(-len(ids) // 8)].tolist()
    rows = []
    for start in range(0, len(ids), chunk):
        rows.append(forward_logits(engine, [ScheduledSequence(0, ids[start:start + chunk], start, table)])[0])
    return torch.cat(rows)


@pytest.mark.parametrize("architecture, overrides", [
    ("MistralForCausalLM", {"sliding_window": 12}),
    ("Qwen2ForCausalLM", {}),
    ("LlamaForCausalLM", {"rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                           "high_freq_factor": 4.0, "original_max_position_embeddings": 64}}),
    ("LlamaForCausalLM", {"rope_scaling": {"type": "linear", "factor": 4.0}}),
    ("LlamaForCausalLM", {"tie_word_embeddings": True}),
])
def test_engine_matches_reference(tmp_path, architecture, overrides):
    config, weights = write_model(tmp_path / "model", architecture, **overrides)
    ids = [1] + np.random.default_rng(1).integers(3, 512, 59).tolist()
    want = reference_logits(config, weights, ids).float()
    # Chunks of 5 put the sliding window's edge inside earlier chunks; chunks of 1 take the decode path.
    for chunk in (5, 1):
        got = _engine_logits(tmp_path / "model", ids, chunk=chunk)
        assert torch.allclose(want, got, atol=TOLERANCE, rtol=0), f"chunks of {chunk}"


def test_sliding_window_changes_the_output(tmp_path):
    config, weights = write_model(tmp_path / "model", "MistralForCausalLM", sliding_window=12)
    ids = [1] + np.random.default_rng(1).integers(3, 512, 39).tolist()
    windowed = _engine_logits(tmp_path / "model", ids, chunk=40)
    full = reference_logits(ModelConfig.from_dict(dict(BASE_CONFIG, architectures=["MistralForCausalLM"])),
                            weights, ids).float()
    assert torch.allclose(windowed[:12], full[:12], atol=TOLERANCE, rtol=0)
    assert not torch.allclose(windowed[20:], full[20:], atol=1e-2, rtol=0)


def test_unsupported_architecture_names_it_and_the_supported_ones(tmp_path):
    path = tmp_path / "model"
    path.mkdir()
    (path / "config.json").write_text(json.dumps(dict(BASE_CONFIG, architectures=["GPT2LMHeadModel"])))
    with pytest.raises(ValueError) as err:
        LmiDistEngine.load(EngineOptions(model_dir=str(path)))
    assert "GPT2LMHeadModel" in str(err.value)
    for supported in ("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"):
        assert supported in str(err.value)
