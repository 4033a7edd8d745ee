"""Gemma 2: the engine against the paper's float64 forward, each of Gemma's changes shown to matter."""

import numpy as np
import pytest
import torch

from architecture_probe import chunked_logits, engine_greedy, random_prompts, reference_greedy, small_engine
from reference_gemma2 import gemma2_reference_logits
from synthetic_models import BASE_CONFIG, write_model

TOLERANCE = 1e-4
# Caps low enough that random weights' scores and logits reach them; a window that cuts the 40-token prompt.
GEMMA2 = {"hidden_activation": "gelu_pytorch_tanh", "hidden_act": "gelu_pytorch_tanh", "sliding_window": 12,
          "query_pre_attn_scalar": 24, "attn_logit_softcapping": 2.0, "final_logit_softcapping": 3.0,
          "num_hidden_layers": 3}


def _model(path, **overrides):
    settings = dict(GEMMA2, **overrides)
    config, weights = write_model(path, "Gemma2ForCausalLM", **settings)
    return dict(BASE_CONFIG, architectures=["Gemma2ForCausalLM"], **settings), weights


@pytest.mark.parametrize("overrides", [{}, {"tie_word_embeddings": False}])
def test_engine_matches_the_papers_float64_forward(tmp_path, overrides):
    raw, weights = _model(tmp_path / "gemma2", **overrides)
    ids = [1] + np.random.default_rng(7).integers(3, 512, 39).tolist()
    want = gemma2_reference_logits(raw, weights, ids).float()
    assert want.abs().max() > 0.5 * raw["final_logit_softcapping"]  # the cap bends these logits
    engine = small_engine(tmp_path / "gemma2")
    # Chunks of 5 put the window's edge inside earlier chunks; chunks of 1 take the decode path.
    for chunk in (5, 1):
        assert torch.allclose(want, chunked_logits(engine, ids, chunk), atol=TOLERANCE, rtol=0), f"chunks of {chunk}"


@pytest.mark.parametrize("change", [{"attn_logit_softcapping": None}, {"final_logit_softcapping": None},
                                    {"query_pre_attn_scalar": 16}, {"sliding_window": None}])
def test_each_feature_changes_the_reference(tmp_path, change):
    raw, weights = _model(tmp_path / "gemma2")
    ids = [1] + np.random.default_rng(7).integers(3, 512, 39).tolist()
    # Else agreeing with the reference would not show the engine implements it.
    assert not torch.allclose(gemma2_reference_logits(raw, weights, ids),
                              gemma2_reference_logits(dict(raw, **change), weights, ids), atol=1e-3)


def test_odd_layers_attend_beyond_the_window(tmp_path):
    raw, weights = _model(tmp_path / "gemma2")
    ids = [1] + np.random.default_rng(7).integers(3, 512, 39).tolist()
    got = chunked_logits(small_engine(tmp_path / "gemma2"), ids, 40)
    every_layer_windowed = gemma2_reference_logits(raw, weights, ids, windowed_layer=lambda i: True).float()
    assert not torch.allclose(every_layer_windowed[20:], got[20:], atol=1e-3)


def test_greedy_generation_follows_the_reference(tmp_path):
    raw, weights = _model(tmp_path / "gemma2")
    prompts = random_prompts(3, 11)
    assert engine_greedy(small_engine(tmp_path / "gemma2"), prompts, 10) == \
        reference_greedy(lambda ids: gemma2_reference_logits(raw, weights, ids), prompts, 10)


def test_another_activation_is_refused_naming_the_key(tmp_path):
    with pytest.raises(ValueError, match="hidden_activation 'gelu' is not supported for Gemma2ForCausalLM"):
        write_model(tmp_path / "gemma2", "Gemma2ForCausalLM", hidden_activation="gelu", hidden_act="gelu")
