"""Phi-3: the engine on a fused checkpoint against an independent float64 forward, and what it refuses."""

import json

import numpy as np
import pytest
import torch

from architecture_probe import chunked_logits, engine_greedy, random_prompts, reference_greedy, small_engine
from lmi_worker.engine.safetensors import save_safetensors
from reference_phi3 import phi3_reference_logits
from synthetic_models import write_phi3_model

TOLERANCE = 1e-4


@pytest.mark.parametrize("overrides", [{"sliding_window": 12}, {"sliding_window": None, "rope_theta": 500.0}])
def test_engine_matches_the_float64_reference(tmp_path, overrides):
    raw, weights = write_phi3_model(tmp_path / "phi3", **overrides)
    ids = [1] + np.random.default_rng(2).integers(3, 512, 47).tolist()
    want = phi3_reference_logits(raw, weights, ids).float()
    engine = small_engine(tmp_path / "phi3")
    # Chunks of 5 put the window's edge inside earlier chunks; chunks of 1 take the decode path.
    for chunk in (5, 1):
        assert torch.allclose(want, chunked_logits(engine, ids, chunk), atol=TOLERANCE, rtol=0), f"chunks of {chunk}"


def test_greedy_generation_follows_the_reference(tmp_path):
    raw, weights = write_phi3_model(tmp_path / "phi3", sliding_window=12)
    prompts = random_prompts(3, 10)
    assert engine_greedy(small_engine(tmp_path / "phi3"), prompts, 16) == \
        reference_greedy(lambda ids: phi3_reference_logits(raw, weights, ids), prompts, 16)


def test_int8_quantizes_the_split_projections(tmp_path):
    raw, weights = write_phi3_model(tmp_path / "phi3")
    ids = [1] + np.random.default_rng(4).integers(3, 512, 15).tolist()
    want = phi3_reference_logits(raw, weights, ids).float()
    got = chunked_logits(small_engine(tmp_path / "phi3", quantize="int8"), ids, 16)
    # Per-channel int8 weights: close to the float model, not equal.
    assert (got - want).abs().max() < 0.1 * want.abs().max()


def test_a_fused_tensor_of_the_wrong_shape_is_named(tmp_path):
    raw, weights = write_phi3_model(tmp_path / "phi3")
    name = "model.layers.1.mlp.gate_up_proj.weight"
    weights[name] = weights[name][:-1]
    save_safetensors(tmp_path / "phi3" / "model.safetensors", weights)
    with pytest.raises(ValueError, match=f"tensor '{name}' has shape \\[191, 64\\], Phi3ForCausalLM with this "
                                         "config.json needs \\[192, 64\\] \\(96 \\+ 96 rows\\)"):
        small_engine(tmp_path / "phi3")


def test_partial_rotary_embeddings_are_refused_naming_the_key(tmp_path):
    write_phi3_model(tmp_path / "phi3", partial_rotary_factor=0.75)
    with pytest.raises(ValueError, match="partial_rotary_factor 0.75 is not supported"):
        small_engine(tmp_path / "phi3")


def test_longrope_scaling_is_refused_naming_the_type(tmp_path):
    write_phi3_model(tmp_path / "phi3", rope_scaling={"type": "longrope", "short_factor": [1.0] * 8,
                                                      "long_factor": [2.0] * 8})
    with pytest.raises(ValueError, match="rope_scaling type 'longrope' is not supported"):
        small_engine(tmp_path / "phi3")
    assert json.loads((tmp_path / "phi3" / "config.json").read_text())["architectures"] == ["Phi3ForCausalLM"]
