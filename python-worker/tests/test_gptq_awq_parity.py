"""GPTQ and AWQ checkpoints (packed by tests/make_gptq_awq_models.py) served by the engine, against the float
model run on their own dequantized weights (tests/quant_parity.py).

Tolerance, from measurement on tiny-llama (logits of std ~5; 4-bit round-to-nearest moves them by 7 to 11
from the float model's): the engine multiplies x by the dequantized W^T [in, out] as it unpacks it, where
the twin's DenseWeight runs torch.mv or GEMM on W [out, in], so float32 sums differ in order. Measured max
logit difference 9.5e-6 to 1.2e-5 over the six checkpoints below, greedy logprob difference 0. 1e-4 leaves
8x margin and is far below what a wrong nibble order, zero point or group map does (whole logits).
"""

import os

import pytest

from lmi_worker.engine.quant.int4_weight import Int4Weight
from lmi_worker.engine.safetensors import load_safetensors, save_safetensors
from make_gptq_awq_models import write_quantized_model
from quant_parity import PROJECTIONS, device_engine, dequantized_twin, greedy, max_logit_difference

LOGIT_TOLERANCE = 1e-4
LOGPROB_TOLERANCE = 1e-4

# (method, group_size, desc_act, sym): in-order groups, act-order, one group, groups of 128 over inputs
# of 64 (one group) and 192 (a last partial group), AWQ with two group sizes.
CHECKPOINTS = [("gptq", 32, False, False), ("gptq", 32, True, False), ("gptq", -1, False, True),
               ("gptq", 128, True, False), ("awq", 32, False, False), ("awq", 64, False, False)]


@pytest.fixture(scope="module")
def float_engine(tiny_llama_dir):
    return device_engine(tiny_llama_dir)


@pytest.mark.parametrize("method,group_size,desc_act,sym", CHECKPOINTS)
def test_logits_and_greedy_tokens_match_the_dequantized_float_model(tiny_llama_dir, tmp_path, golden_cases,
                                                                   float_engine, method, group_size, desc_act, sym):
    model_dir = write_quantized_model(tiny_llama_dir, tmp_path / method, method, group_size, desc_act, sym)
    engine = device_engine(model_dir)
    assert engine.capacity.quantization == method
    # q/k/v and gate/up share their groups, so each pair fuses into one packed matmul.
    for layer in engine.model.layers:
        assert all(type(getattr(layer, name)) is Int4Weight for name in PROJECTIONS)
    twin = dequantized_twin(engine)
    assert max_logit_difference(engine, twin, golden_cases) <= LOGIT_TOLERANCE
    # Guards against comparing a model with itself: the float model's logits differ by far more.
    assert max_logit_difference(engine, float_engine, golden_cases) > 100 * LOGIT_TOLERANCE
    got, want = greedy(engine, golden_cases), greedy(twin, golden_cases)
    for i, ((ids, logprobs), (want_ids, want_logprobs)) in enumerate(zip(got, want)):
        assert ids == want_ids, f"case {i}"
        assert max(abs(a - b) for a, b in zip(logprobs, want_logprobs)) <= LOGPROB_TOLERANCE, f"case {i}"


def test_projection_bytes_are_a_quarter_byte_per_weight_plus_groups(tiny_llama_dir, tmp_path, float_engine):
    engine = device_engine(write_quantized_model(tiny_llama_dir, tmp_path / "gptq", "gptq", 32))
    for layer, dense in zip(engine.model.layers, float_engine.model.layers):
        for name in PROJECTIONS:
            w = getattr(layer, name)
            groups = w.in_features // 32
            # Half a byte per weight, then float32 zeros and scales per (group, output).
            assert w.nbytes == w.in_features * w.out_features // 2 + 2 * groups * w.out_features * 4
            assert getattr(dense, name).nbytes == 4 * w.in_features * w.out_features
    assert engine.capacity.weight_bytes < float_engine.capacity.weight_bytes


@pytest.mark.parametrize("method", ["gptq", "awq"])
def test_option_quantize_names_what_a_float_checkpoint_needs(tiny_llama_dir, method):
    with pytest.raises(ValueError, match=f"option.quantize '{method}' needs a pre-quantized checkpoint"):
        device_engine(tiny_llama_dir, method)


def test_a_checkpoint_with_a_bad_tensor_fails_to_load_naming_it(tiny_llama_dir, tmp_path):
    model_dir = write_quantized_model(tiny_llama_dir, tmp_path / "awq", "awq", 32)
    tensors = dict(load_safetensors(model_dir / "model.safetensors"))
    name = "model.layers.1.mlp.down_proj.qzeros"
    tensors[name] = tensors[name][:, :4].contiguous()
    # A new file renamed over the old: the tensors read above still map the old one.
    save_safetensors(tmp_path / "bad.safetensors", tensors)
    os.replace(tmp_path / "bad.safetensors", model_dir / "model.safetensors")
    with pytest.raises(ValueError, match=rf"'{name}' has shape \[6, 4\].*\[6, 8\]"):
        device_engine(model_dir)
