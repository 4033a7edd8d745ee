"""Mixtral: the engine's routed, per-expert-batched MoE against the paper's float64 forward, and what it refuses."""

import numpy as np
import pytest
import torch

from architecture_probe import chunked_logits, engine_greedy, random_prompts, reference_greedy, small_engine
from lmi_worker.engine.options import EngineOptions
from reference_mixtral import mixtral_reference_logits
from synthetic_models import BASE_CONFIG, write_model

TOLERANCE = 1e-4
EXPERTS = {"num_local_experts": 4, "num_experts_per_tok": 2}


def _model(path, **overrides):
    config, weights = write_model(path, "MixtralForCausalLM", **EXPERTS, **overrides)
    return dict(BASE_CONFIG, architectures=["MixtralForCausalLM"], **EXPERTS, **overrides), weights


@pytest.mark.parametrize("overrides", [{}, {"sliding_window": 12}])
def test_engine_matches_the_papers_float64_forward(tmp_path, overrides):
    raw, weights = _model(tmp_path / "mixtral", **overrides)
    ids = [1] + np.random.default_rng(5).integers(3, 512, 39).tolist()
    want = mixtral_reference_logits(raw, weights, ids).float()
    engine = small_engine(tmp_path / "mixtral")
    # One chunk of 40 batches many tokens per expert; chunks of 1 route a single token.
    for chunk in (40, 5, 1):
        assert torch.allclose(want, chunked_logits(engine, ids, chunk), atol=TOLERANCE, rtol=0), f"chunks of {chunk}"


def test_routing_uses_more_than_one_pair_of_experts(tmp_path):
    raw, weights = _model(tmp_path / "mixtral")
    router = weights["model.layers.0.block_sparse_moe.gate.weight"]
    hidden = weights["model.embed_tokens.weight"][3:200]
    pairs = {tuple(sorted(row)) for row in (hidden @ router.T).topk(2, dim=-1).indices.tolist()}
    # Else the comparison above would not exercise the per-expert batching.
    assert len(pairs) >= 4


def test_batched_sequences_each_get_their_own_experts(tmp_path):
    raw, weights = _model(tmp_path / "mixtral")
    prompts = random_prompts(4, 8)
    assert engine_greedy(small_engine(tmp_path / "mixtral"), prompts, 8) == \
        reference_greedy(lambda ids: mixtral_reference_logits(raw, weights, ids), prompts, 8)


def test_int8_quantizes_every_expert(tmp_path):
    raw, weights = _model(tmp_path / "mixtral")
    engine = small_engine(tmp_path / "mixtral", quantize="int8")
    float_engine = small_engine(tmp_path / "mixtral")
    assert engine.model.weight_bytes < 0.6 * float_engine.model.weight_bytes
    ids = [1] + np.random.default_rng(6).integers(3, 512, 15).tolist()
    want = mixtral_reference_logits(raw, weights, ids).float()
    assert (chunked_logits(engine, ids, 16) - want).abs().max() < 0.1 * want.abs().max()


def test_missing_expert_count_is_refused_naming_the_keys(tmp_path):
    path = tmp_path / "mixtral"
    with pytest.raises(ValueError, match="needs num_local_experts and num_experts_per_tok with "
                                         "1 <= num_experts_per_tok <= num_local_experts \\(got 4 and 5\\)"):
        write_model(path, "MixtralForCausalLM", num_local_experts=4, num_experts_per_tok=5)


def test_lora_is_refused_naming_the_option(tmp_path):
    _model(tmp_path / "mixtral")
    with pytest.raises(ValueError, match="option.enable_lora: LoRA adapters of MixtralForCausalLM's experts"):
        small_engine(tmp_path / "mixtral", max_loras=2)


def test_tensor_parallelism_is_refused_naming_the_option(tmp_path):
    from types import SimpleNamespace

    from lmi_worker.engine.engine import _tp_layout
    from lmi_worker.engine.model_config import ModelConfig

    _model(tmp_path / "mixtral")
    config = ModelConfig.from_dir(tmp_path / "mixtral")
    with pytest.raises(ValueError, match="option.tensor_parallel_degree 2: the experts of MixtralForCausalLM do not "
                                         "split across ranks yet"):
        _tp_layout(config, EngineOptions(model_dir=str(tmp_path / "mixtral")), "none",
                   SimpleNamespace(size=2, rank=0))
